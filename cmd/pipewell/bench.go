package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// bench seeds the benchmark database once (100 tenants: one with a million
// projects, the others with ten thousand), starts `pipewell serve` on
// loopback as a child process, logs in with a real session and measures the
// Sales screen, the board and the workspace with a bounded load generator.
func bench(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	super := fs.String("super", env("PIPEWELL_BENCH_SUPER_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "superuser connection (creates the bench database and roles)")
	dbName := fs.String("db", "pipewell_bench", "benchmark database name")
	tenants := fs.Int("tenants", 100, "tenants")
	big := fs.Int("big", 1_000_000, "projects of the big tenant")
	small := fs.Int("small", 10_000, "projects of every other tenant")
	dur := fs.Duration("duration", 8*time.Second, "load per scenario")
	conns := fs.Int("conns", 16, "concurrent connections")
	only := fs.String("only", "", "run only the scenarios whose name contains this")
	profDir := fs.String("cpuprofile", "", "write a CPU profile of the server per scenario (at -conns) into this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ownerURL, appURL, err := postgres.SetupBenchDatabase(ctx, *super, *dbName)
	if err != nil {
		return err
	}
	if err := postgres.Migrate(ctx, ownerURL, log); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, appURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedBench(ctx, db, ownerURL, *tenants, *big, *small); err != nil {
		return err
	}
	if err := postgres.VacuumAnalyze(ctx, ownerURL, postgres.HotTables...); err != nil {
		return err
	}

	// The server, as users run it: a child process on loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	serveArgs := []string{"serve", "-addr", addr}
	var pprofAddr string
	if *profDir != "" {
		if err := os.MkdirAll(*profDir, 0o755); err != nil {
			return err
		}
		pl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		pprofAddr = pl.Addr().String()
		pl.Close()
		serveArgs = append(serveArgs, "-pprof", pprofAddr)
	}
	cmd := exec.CommandContext(ctx, self, serveArgs...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+appURL, "PIPEWELL_MIGRATE_URL=")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(ctx, base); err != nil {
		return err
	}
	rss := &rssWatch{pid: cmd.Process.Pid}
	go rss.run(ctx)

	lu, err := db.UserForLogin(ctx, seed.BenchAdminEmail(0))
	if err != nil {
		return err
	}
	admin := lu.User
	cookie, err := login(base, admin.Email)
	if err != nil {
		return err
	}
	sc, err := benchScenarios(ctx, db, admin, cookie)
	if err != nil {
		return err
	}
	fmt.Printf("\nPipewell bench: tenant %q, %d projects; %s per scenario; server pid %d on %s\n\n",
		"Bench 000", *big, *dur, cmd.Process.Pid, addr)
	fmt.Printf("%-22s %5s %9s %9s %9s %7s %9s %9s %8s\n", "scenario", "conns", "req/s", "median", "p99", "errors", "1 conn", "SQL med", "ratio")
	for _, s := range sc {
		if *only != "" && !strings.Contains(s.name, *only) {
			continue
		}
		if s.skip != "" {
			fmt.Printf("%-22s skipped: %s\n", s.name, s.skip)
			continue
		}
		if st, _ := get(base+s.path, cookie); st == http.StatusNotFound && s.name == "workspace" {
			fmt.Printf("%-22s skipped: GET %s answers 404 (the workspace route is not in this build)\n", s.name, s.path)
			continue
		}
		if s.sql == nil { // without the cookie: no session to look up
			one := load(ctx, base+s.path, "", 1, *dur/2)
			fmt.Printf("%-22s %5d %9s %9s %9s %7d %9s %9s %8s\n", s.name, 1, fmt.Sprintf("%.0f", one.rps), ms(one.median), ms(one.p99),
				one.errors, ms(one.median), "-", "-")
			continue
		}
		one, sqlMed, bad, err := overhead(ctx, base+s.path, cookie, s.sql, *dur/2)
		if err != nil || bad > 0 {
			fmt.Fprintf(os.Stderr, "%s: one connection: %d errors, sql: %v\n", s.name, bad, err)
		}
		for _, c := range []int{*conns, 2 * *conns} {
			if c != *conns && !s.throughput {
				continue
			}
			var prof chan error
			if pprofAddr != "" && c == *conns {
				prof = make(chan error, 1)
				file := filepath.Join(*profDir, strings.ReplaceAll(s.name, " ", "-")+".pprof")
				go func() { prof <- fetchProfile(pprofAddr, file, *dur-time.Second) }()
			}
			r := load(ctx, base+s.path, cookie, c, *dur)
			if prof != nil {
				if err := <-prof; err != nil {
					fmt.Fprintf(os.Stderr, "cpu profile: %v\n", err)
				}
			}
			fmt.Printf("%-22s %5d %9.0f %9s %9s %7d %9s %9s %8.2f\n", s.name, c, r.rps, ms(r.median), ms(r.p99), r.errors, ms(one), ms(sqlMed),
				float64(one)/float64(max(sqlMed, 1)))
		}
	}
	fmt.Printf("\nserver RSS: max %.0f MB during the run\n", float64(rss.max.Load())/1024)
	fmt.Println("1 conn = median page time with one connection; SQL med = median time of the page's SQL run directly (the session lookup, the identity and the page's queries, on one connection), measured in alternating rounds with 1 conn over half the duration (at least 300 runs); ratio = 1 conn ÷ SQL med.")
	return nil
}

// seedBench seeds every tenant that is not there yet, two at a time.
func seedBench(ctx context.Context, db *postgres.DB, ownerURL string, tenants, big, small int) error {
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, seed.DemoPassword)
	if err != nil {
		return err
	}
	// A load that failed half-way left its indexes dropped: build them first.
	if n, err := postgres.RestoreBulkConstraints(ctx, ownerURL, nil); err != nil {
		return err
	} else if n > 0 {
		fmt.Printf("restored %d indexes and foreign keys a previous load had dropped\n", n)
	}
	missing := 0
	for i := range tenants {
		if _, err := db.UserForLogin(ctx, seed.BenchAdminEmail(i)); err != nil {
			missing++
		}
	}
	if missing == 0 {
		fmt.Println("bench database already seeded; reusing it")
		return nil
	}
	start := time.Now()
	if err := postgres.DropBulkConstraints(ctx, ownerURL); err != nil {
		return fmt.Errorf("drop indexes and foreign keys for the load: %w", err)
	}
	work := make(chan seed.BenchTenant)
	var created atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range work {
				t0 := time.Now()
				ok, err := seed.Bench(ctx, db, bt, hash, start, func(n int) {
					if bt.Projects > 100_000 {
						fmt.Printf("  tenant %d: %d projects (%s)\n", bt.Index, n, time.Since(t0).Round(time.Second))
					}
				})
				if err != nil {
					errs <- err
					return
				}
				if ok {
					created.Add(1)
					if bt.Index%10 == 0 || bt.Projects > 100_000 {
						fmt.Printf("seeded tenant %d (%d projects) in %s\n", bt.Index, bt.Projects, time.Since(t0).Round(time.Second))
					}
				}
			}
		}()
	}
	for i := range tenants {
		bt := seed.BenchTenant{Index: i, Projects: small, Reps: 8}
		if i == 0 {
			bt.Projects, bt.Reps = big, 50
		}
		select {
		case work <- bt:
		case err := <-errs:
			close(work)
			return err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("seeded %d tenants in %s; building indexes and validating foreign keys...\n", created.Load(), time.Since(start).Round(time.Second))
	t0 := time.Now()
	n, err := postgres.RestoreBulkConstraints(ctx, ownerURL, func(name string, took time.Duration) {
		fmt.Printf("  %s restored in %s\n", name, took.Round(100*time.Millisecond))
	})
	if err != nil {
		return err
	}
	fmt.Printf("restored %d indexes and foreign keys in %s; vacuum and analyze...\n", n, time.Since(t0).Round(time.Second))
	t0 = time.Now()
	if err := postgres.VacuumAnalyze(ctx, ownerURL); err != nil {
		return err
	}
	fmt.Printf("vacuum analyze took %s; the whole seed took %s\n", time.Since(t0).Round(time.Second), time.Since(start).Round(time.Second))
	return nil
}

type scenario struct {
	name, path string
	throughput bool         // also measured at twice the connections
	sql        func() error // nil: a reference without SQL
	skip       string
}

// benchScenarios builds each page's URL and the same SQL run directly.
func benchScenarios(ctx context.Context, db *postgres.DB, admin crm.User, cookie string) ([]scenario, error) {
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	var opts postgres.SalesOptions
	var deep postgres.Cursor
	var project int64
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var err error
		if opts, err = tx.SalesOptions(ctx); err != nil {
			return err
		}
		deep, project, err = tx.BenchTargets(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	filter := func() postgres.SalesFilter {
		return postgres.SalesFilter{View: crm.StateActive, Now: now}
	}
	// A page's SQL is what its request runs: the session lookup, then the
	// identity and the page's reads in one tenant transaction.
	sessions := db.Sessions()
	token := strings.TrimPrefix(cookie, "pipewell_session=")
	page := func(fn func(ctx context.Context, tx *postgres.Tx) error) func() error {
		return func() error {
			if _, ok, err := sessions.Find(token); err != nil || !ok {
				return fmt.Errorf("session: %v (found %v)", err, ok)
			}
			c, _, release, err := db.IdentityInTenant(ctx, admin.TenantID, admin.ID)
			if err != nil {
				return err
			}
			defer release()
			return db.InTenant(c, admin.TenantID, func(tx *postgres.Tx) error { return fn(c, tx) })
		}
	}
	list := func(f postgres.SalesFilter, sort postgres.SalesSort, desc bool, after *postgres.Cursor) func() error {
		return page(func(ctx context.Context, tx *postgres.Tx) error {
			tx.CommitWithNextBatch() // as the handler does
			_, _, err := tx.SalesScreen(ctx, v, f, sort, desc, after, 50)
			return err
		})
	}
	status := opts.Statuses[0].ID
	fStatus := filter()
	fStatus.Status = status
	fLate := filter()
	fLate.LateOnly = true
	fText := filter()
	fText.Text = "wei novak"
	board := page(func(ctx context.Context, tx *postgres.Tx) error {
		tx.CommitWithNextBatch()
		_, _, err := tx.BoardScreen(ctx, v, filter())
		return err
	})
	repLoad := page(func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.RepLoads(ctx, v, filter())
		return err
	})
	workspace := func() error {
		if _, ok, err := sessions.Find(token); err != nil || !ok {
			return fmt.Errorf("session: %v (found %v)", err, ok)
		}
		c, _, release, err := db.IdentityInTenant(ctx, admin.TenantID, admin.ID)
		if err != nil {
			return err
		}
		defer release()
		_, err = db.Workspace(c, v, crm.ProjectID(project))
		return err
	}
	return []scenario{
		// The floor: a request that reads nothing (no session cookie, no
		// query), through the same connection handling and middleware, for
		// the one-connection times below.
		{name: "bare request (healthz)", path: "/healthz"},
		{name: "sales first page", path: "/?view=active", throughput: true, sql: list(filter(), "created", true, nil)},
		{name: "sales status filter", path: "/?view=active&status=" + strconv.FormatInt(status, 10), sql: list(fStatus, "created", true, nil)},
		{name: "sales late only", path: "/?view=active&late=1", sql: list(fLate, "created", true, nil)},
		{name: "sales sort by value", path: "/?view=active&sort=value&dir=desc", sql: list(filter(), "value", true, nil)},
		{name: "sales deep page", path: "/?view=active&after=" + deep.Encode(), sql: list(filter(), "created", true, &deep)},
		{name: "sales text search", path: "/?view=active&q=wei+novak", sql: list(fText, "created", true, nil)},
		{name: "board", path: "/pipeline", sql: board},
		{name: "rep load", path: "/load?view=active", sql: repLoad},
		{name: "workspace", path: "/projects/" + strconv.FormatInt(project, 10), sql: workspace},
	}, nil
}

// fetchProfile saves a CPU profile of the server over d into file.
func fetchProfile(addr, file string, d time.Duration) error {
	res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(d.Seconds()))))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st, _ := get(base+"/readyz", ""); st == http.StatusOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("server at %s not ready after 30 s", base)
}

// login signs in with the bench password and returns the session cookie.
func login(base, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "pipewell_session" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("log-in as %s failed: %s", email, res.Status)
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(u, cookie string) (int, error) {
	req, _ := http.NewRequest("GET", u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := benchClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

type loadResult struct {
	rps          float64
	median, p99  time.Duration
	errors, reqs int
}

// pageClient is one kept-alive connection that writes a prepared request and
// reads the response with the standard parser: the generator shares the
// machine's cores with the server and the database, so it stays lean.
type pageClient struct {
	host string
	req  []byte
	c    net.Conn
	br   *bufio.Reader
}

func newPageClient(u, cookie string) (*pageClient, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	req := []byte("GET " + pu.RequestURI() + " HTTP/1.1\r\nHost: " + pu.Host + "\r\nCookie: " + cookie +
		"\r\nAccept-Language: en\r\nUser-Agent: pipewell-bench\r\n\r\n")
	return &pageClient{host: pu.Host, req: req}, nil
}

// do sends the request once and reports whether it answered 200.
func (pc *pageClient) do() bool {
	if pc.c == nil {
		c, err := net.Dial("tcp", pc.host)
		if err != nil {
			return false
		}
		pc.c, pc.br = c, bufio.NewReaderSize(c, 64<<10)
	}
	ok := false
	if _, err := pc.c.Write(pc.req); err == nil {
		if res, err := http.ReadResponse(pc.br, nil); err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			ok = err == nil && res.StatusCode == http.StatusOK
			if !res.Close {
				return ok
			}
		}
	}
	pc.close()
	return ok
}

func (pc *pageClient) close() {
	if pc.c != nil {
		pc.c.Close()
		pc.c = nil
	}
}

// load runs conns clients in a closed loop for d and reports what it saw.
func load(ctx context.Context, u, cookie string, conns int, d time.Duration) loadResult {
	proto, err := newPageClient(u, cookie)
	if err != nil {
		return loadResult{errors: 1}
	}
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := &pageClient{host: proto.host, req: proto.req}
			defer pc.close()
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				ok := pc.do()
				mine = append(mine, time.Since(t0))
				if !ok {
					bad++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	start := time.Now()
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	r := loadResult{reqs: len(lat), errors: errs, rps: float64(len(lat)) / el.Seconds()}
	if len(lat) > 0 {
		r.median, r.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return r
}

// overhead measures a page against its SQL on one connection each, in
// alternating rounds of 20 requests and 20 runs of the SQL for d (and at
// least 300 of each), so that both see the machine in the same state: a
// drift of the machine's speed between two separate measurements would
// otherwise move the ratio. The first round of each is a warm-up.
func overhead(ctx context.Context, u, cookie string, sql func() error, d time.Duration) (page, query time.Duration, errs int, err error) {
	pc, err := newPageClient(u, cookie)
	if err != nil {
		return 0, 0, 0, err
	}
	defer pc.close()
	var pages, sqls []time.Duration
	stop := time.Now().Add(d)
	for round := 0; ctx.Err() == nil && (time.Now().Before(stop) || len(sqls) < 300); round++ {
		for range 20 {
			t0 := time.Now()
			if !pc.do() {
				errs++
			}
			if round > 0 {
				pages = append(pages, time.Since(t0))
			}
		}
		for range 20 {
			t0 := time.Now()
			if err := sql(); err != nil {
				return 0, 0, errs, err
			}
			if round > 0 {
				sqls = append(sqls, time.Since(t0))
			}
		}
	}
	if len(pages) == 0 {
		return 0, 0, errs, ctx.Err()
	}
	slices.Sort(pages)
	slices.Sort(sqls)
	return pages[len(pages)/2], sqls[len(sqls)/2], errs, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// rssWatch samples a process's resident memory (kB) and keeps the maximum.
type rssWatch struct {
	pid int
	max atomic.Int64
}

func (w *rssWatch) run(ctx context.Context) {
	for ctx.Err() == nil {
		if f, err := os.Open("/proc/" + strconv.Itoa(w.pid) + "/status"); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					if kb > w.max.Load() {
						w.max.Store(kb)
					}
				}
			}
			f.Close()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

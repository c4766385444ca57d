package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// Run seeds the benchmark database once (100 tenants: one with a million
// projects, the others with ten thousand), starts `pipewell serve` on
// loopback as a child process, logs in with a real session and measures the
// Sales screen, the board and the workspace with a bounded load generator.
func Run(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	super := fs.String("super", env("PIPEWELL_BENCH_SUPER_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "superuser connection (creates the bench database and roles)")
	dbName := fs.String("db", "pipewell_bench", "benchmark database name")
	citus := fs.String("citus-workers", "", "with -super a Citus coordinator: its workers, host:port,host:port (the database is made on every node)")
	tenants := fs.Int("tenants", 100, "tenants")
	big := fs.Int("big", 1_000_000, "projects of the big tenant")
	small := fs.Int("small", 10_000, "projects of every other tenant")
	dur := fs.Duration("duration", 8*time.Second, "load per scenario")
	conns := fs.Int("conns", 16, "concurrent connections")
	only := fs.String("only", "", "run only the scenarios whose name contains this")
	profDir := fs.String("cpuprofile", "", "write a CPU profile of the server per scenario (at -conns, or over -duration for the reports) into this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var workers []string
	if *citus != "" {
		workers = strings.Split(*citus, ",")
	}
	ownerURL, appURL, err := postgres.SetupBenchDatabase(ctx, *super, *dbName, workers)
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
	if *tenants > 1 {
		lu, err := db.UserForLogin(ctx, seed.BenchAdminEmail(1))
		if err != nil {
			return err
		}
		smallCookie, err := login(base, lu.User.Email)
		if err != nil {
			return err
		}
		sc = append(sc, reportScenarios(ctx, db, admin, cookie, lu.User, smallCookie)...)
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
		sessionCookie := cookie
		if s.cookie != "" {
			sessionCookie = s.cookie
		}
		if s.runs > 0 {
			var prof chan error
			if pprofAddr != "" {
				prof = make(chan error, 1)
				file := filepath.Join(*profDir, strings.ReplaceAll(s.name, " ", "-")+".pprof")
				go func() { prof <- fetchProfile(pprofAddr, file, *dur) }()
			}
			one, sqlMed, bad, err := measureRuns(ctx, base+s.path, sessionCookie, s.sql, s.runs)
			if prof != nil {
				if err := <-prof; err != nil {
					fmt.Fprintf(os.Stderr, "cpu profile: %v\n", err)
				}
			}
			if err != nil || bad > 0 {
				fmt.Fprintf(os.Stderr, "%s: %d errors, sql: %v\n", s.name, bad, err)
			}
			fmt.Printf("%-22s %5d %9s %9s %9s %7d %9s %9s %8.2f\n", s.name, 1, "-", ms(one), "-", bad, ms(one), ms(sqlMed),
				float64(one)/float64(max(sqlMed, 1)))
			continue
		}
		one, sqlMed, bad, err := overhead(ctx, base+s.path, sessionCookie, s.sql, *dur/2)
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
			r := load(ctx, base+s.path, sessionCookie, c, *dur)
			if prof != nil {
				if err := <-prof; err != nil {
					fmt.Fprintf(os.Stderr, "cpu profile: %v\n", err)
				}
			}
			fmt.Printf("%-22s %5d %9.0f %9s %9s %7d %9s %9s %8.2f\n", s.name, c, r.rps, ms(r.median), ms(r.p99), r.errors, ms(one), ms(sqlMed),
				float64(one)/float64(max(sqlMed, 1)))
		}
	}
	// -only routes runs every route; -only "routes:search" those whose
	// name contains "search".
	if routes, ok := strings.CutPrefix(*only, "routes"); *only == "" || ok && (routes == "" || routes[0] == ':') {
		if err := runRoutes(ctx, db, base, *big, *small, 30, strings.TrimPrefix(routes, ":")); err != nil {
			return err
		}
	}
	fmt.Printf("\nserver RSS: max %.0f MB during the run\n", float64(rss.max.Load())/1024)
	fmt.Println("1 conn = median page time with one connection; SQL med = median time of the page's SQL run directly (the session lookup, the identity and the page's queries, on one connection), measured in alternating rounds with 1 conn over half the duration (at least 300 runs); ratio = 1 conn ÷ SQL med.")
	return nil
}

// env returns the variable's value or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

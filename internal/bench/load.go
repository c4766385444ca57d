package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

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
	st, _ := pc.send()
	return st == http.StatusOK
}

// send sends the request once and returns the status (0: no answer) and
// the response's headers.
func (pc *pageClient) send() (int, http.Header) {
	if pc.c == nil {
		c, err := net.Dial("tcp", pc.host)
		if err != nil {
			return 0, nil
		}
		pc.c, pc.br = c, bufio.NewReaderSize(c, 64<<10)
	}
	if _, err := pc.c.Write(pc.req); err == nil {
		if res, err := http.ReadResponse(pc.br, nil); err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			st := res.StatusCode
			if err != nil {
				st = 0
			}
			if !res.Close && err == nil {
				return st, res.Header
			}
			pc.close()
			return st, res.Header
		}
	}
	pc.close()
	return 0, nil
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

package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// testApp is a real server over a real database, driven over real HTTP.
type testApp struct {
	t   testing.TB
	db  *pgtest.DB
	srv *Server
	ts  *httptest.Server
}

func newTestApp(t testing.TB, cfg Config) *testApp {
	t.Helper()
	db := pgtest.New(t)
	// The customer lookups give up after 150 ms in production; a test on a
	// loaded machine must not depend on how fast it is (the tests of the
	// cut-off itself are in internal/postgres).
	db.SetRecordSearchTime(time.Minute)
	if cfg.Hasher == nil {
		cfg.Hasher = pgtest.FastHasher
	}
	cfg.Log = slog.New(slog.NewTextHandler(testLogOut(), nil))
	srv := New(db.DB, cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testApp{t: t, db: db, srv: srv, ts: ts}
}

// client is one browser: a cookie jar that does not follow redirects.
type client struct {
	app *testApp
	hc  *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) response {
	c.app.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), header: res.Header}
}

func (c *client) get(path string) response {
	req, _ := http.NewRequest("GET", c.app.ts.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	return c.postRaw(path, form.Encode(), nil)
}

func (c *client) postRaw(path, body string, header http.Header) response {
	req, _ := http.NewRequest("POST", c.app.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(req)
}

func (c *client) cookie() string {
	u, _ := url.Parse(c.app.ts.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "pipewell_session" {
			return ck.Value
		}
	}
	return ""
}

// login signs u in with the fixture password and fails the test otherwise.
func (c *client) login(u crm.User) {
	c.app.t.Helper()
	res := c.post("/login", url.Values{"email": {u.Email}, "password": {pgtest.Password}})
	if res.status != http.StatusSeeOther {
		c.app.t.Fatalf("login as %s: status %d\n%s", u.Email, res.status, res.body)
	}
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("response lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if strings.Contains(body, w) {
			t.Errorf("response contains %q", w)
		}
	}
}

// testLogOut is where the server's log goes in tests: discarded unless
// PIPEWELL_TEST_LOG=1.
func testLogOut() io.Writer {
	if os.Getenv("PIPEWELL_TEST_LOG") == "1" {
		return os.Stderr
	}
	return io.Discard
}

package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestRouteInventory fails when a route is reachable but not in accessTable
// (nobody decided who may use it) or listed but not routed.
func TestRouteInventory(t *testing.T) {
	app := newTestApp(t, Config{})
	router := app.srv.handler.(chi.Routes)
	// Prove the walk sees a route added behind the table's back.
	probe := chi.NewRouter()
	probe.Get("/unlisted", func(http.ResponseWriter, *http.Request) {})
	var sawProbe bool
	_ = chi.Walk(probe, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if _, ok := accessTable[method+" "+route]; !ok && route == "/unlisted" {
			sawProbe = true
		}
		return nil
	})
	if !sawProbe {
		t.Fatal("the inventory walk does not notice an unlisted route")
	}
	seen := map[string]bool{}
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		seen[key] = true
		if _, ok := accessTable[key]; !ok {
			t.Errorf("route %s has no entry in accessTable", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range accessTable {
		if !seen[key] {
			t.Errorf("accessTable lists %s, which is not routed", key)
		}
	}
}

func TestPagesAndHeaders(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	c := app.client()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/login": 200, "/signup": 200,
		"/static/app.css": 200, "/static/htmx.min.js": 200, "/no/such/page": 404, "/": http.StatusSeeOther} {
		res := c.get(path)
		if res.status != want {
			t.Errorf("GET %s = %d, want %d", path, res.status, want)
		}
		csp := res.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: missing security headers", path)
		}
	}
	res := c.get("/no/such/page")
	mustContain(t, res.body, "404", "does not exist")
	// Pages contain no inline script.
	login := c.get("/login")
	if strings.Contains(login.body, "<script>") || strings.Contains(login.body, "onclick=") {
		t.Error("login page has inline script")
	}
	// Chinese from Accept-Language.
	req, _ := http.NewRequest("GET", app.ts.URL+"/login", nil)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
	zh := c.do(req)
	mustContain(t, zh.body, `lang="zh-Hans"`, "登录")
}

func TestPanicShowsRequestID(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	h := app.srv.requestID(app.srv.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "/", nil)
	h.ServeHTTP(rec, req)
	id := rec.header.Get("X-Request-ID")
	if rec.status != 500 || id == "" || !strings.Contains(rec.body.String(), id) {
		t.Fatalf("panic: status %d, request ID %q in page: %v", rec.status, id, strings.Contains(rec.body.String(), id))
	}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

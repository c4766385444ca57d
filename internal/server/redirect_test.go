package server

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/pgtest"
)

// redirectBypasses are targets that lead a browser off the site (after its
// own normalisation of the URL) or that nothing of ours produces.
var redirectBypasses = []string{
	"",
	"//evil.example",
	"//evil.example/path",
	"https://evil.example",
	"http:evil.example",
	"javascript:alert(1)",
	"evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"/\t/evil.example",   // /login?next=/%09/evil.example, decoded: the browser drops the tab
	"/\n/evil.example",   // LF, also dropped
	"/\r/evil.example",   // CR, also dropped
	"/\r\n/evil.example", // both
	"/\x00/evil.example",
	"/\x7f/evil.example",
	"\t//evil.example",
	" /x",               // a leading space is trimmed by the browser
	" //evil.example",   // and then this is //evil.example
	"/x ",               // a trailing one too
	"/ /evil.example",   // no raw spaces in our addresses
	"/%09/evil.example", // a percent-encoded tab: refused in case something decodes it once
	"/%0a/evil.example",
	"/%00",
	"/%zz",                 // not a valid escape
	"/\u00a0/evil.example", // non-breaking space
	"/\uff0f/evil.example", // fullwidth solidus
	"/\u3000/evil.example", // ideographic space
	"/" + strings.Repeat("a", maxRedirectLen), // too long
	"/x\\y",
}

// redirectKept are same-origin paths, passed through unchanged.
var redirectKept = []string{
	"/",
	"/projects/1",
	"/pipeline?owner=3",
	"/?view=archived&q=wei%20novak&sort=-value",
	"/projects/12/log#entry-3",
	"/%2F%2Fevil.example", // a browser keeps %2F encoded: a path on this site
	"/x/..//evil.example", // http.Redirect cleans it to /evil.example, a path here
	"/javascript:alert(1)",
	"/" + strings.Repeat("a", maxRedirectLen-1),
}

func TestSafeNextRefusesOpenRedirects(t *testing.T) {
	t.Parallel()
	for _, in := range redirectBypasses {
		if got := safeNext(in); got != "/" {
			t.Errorf("safeNext(%.40q) = %.40q, want \"/\"", in, got)
		}
	}
	for _, in := range redirectKept {
		if got := safeNext(in); got != in {
			t.Errorf("safeNext(%q) = %q, want it unchanged", in, got)
		}
	}
}

// FuzzLocalPath: whatever localPath accepts, a URL parser reading it against
// our origin (as a browser does, after dropping tab, CR and LF and reading a
// backslash as a slash) still finds our host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range append(redirectBypasses, redirectKept...) {
		f.Add(s)
	}
	base, _ := url.Parse("https://pipewell.example/login")
	f.Fuzz(func(t *testing.T, s string) {
		if !localPath(s) {
			return
		}
		normalised := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(s))
		u, err := base.Parse(normalised)
		if err != nil || u.Host != "pipewell.example" {
			t.Fatalf("localPath(%q) accepted a target that resolves to %v (%v)", s, u, err)
		}
	})
}

// TestLoginNextStaysOnSite: /login?next=/%09/evil.example, followed as a
// browser does (the page's hidden field, then the posted form), lands on "/";
// posting the decoded target directly does too; a local next is honoured.
func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{LoginPerEmail: 1000, LoginPerIP: 1000})
	u := app.db.Tenant(t, "Acme")

	c := app.client()
	page := c.get("/login?next=/%09/evil.example")
	if page.status != http.StatusOK {
		t.Fatalf("login page: %d", page.status)
	}
	mustNotContain(t, page.body, "evil.example")
	next := hiddenValue(t, page.body, "next")
	res := c.post("/login", url.Values{"email": {u.Email}, "password": {pgtest.Password}, "next": {next}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
		t.Fatalf("log-in from /login?next=/%%09/evil.example: %d to %q, want 303 to /", res.status, res.header.Get("Location"))
	}

	for _, bad := range redirectBypasses {
		c := app.client()
		res := c.post("/login", url.Values{"email": {u.Email}, "password": {pgtest.Password}, "next": {bad}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Errorf("log-in with next=%.40q: %d to %q, want 303 to /", bad, res.status, res.header.Get("Location"))
		}
	}

	c = app.client()
	page = c.get("/login?next=" + url.QueryEscape("/projects/7?tab=log"))
	res = c.post("/login", url.Values{"email": {u.Email}, "password": {pgtest.Password}, "next": {hiddenValue(t, page.body, "next")}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/projects/7?tab=log" {
		t.Fatalf("log-in with a local next: %d to %q", res.status, res.header.Get("Location"))
	}
}

// TestNoteReturnStaysOnSite: a note posted without htmx goes back to a local
// "return" only; every bypass goes to the project's workspace instead, and
// the log page does not carry a foreign "return" into its note form.
func TestNoteReturnStaysOnSite(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	workspace := f.url(f.project, "")
	for _, bad := range redirectBypasses {
		res := c.post(f.url(f.project, "/notes"), url.Values{"body": {"Called back"}, "return": {bad}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != workspace {
			t.Errorf("note with return=%.40q: %d to %q, want 303 to %s", bad, res.status, res.header.Get("Location"), workspace)
		}
	}
	res := c.post(f.url(f.project, "/notes"), url.Values{"body": {"From the board"}, "return": {"/pipeline?owner=3"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/pipeline?owner=3" {
		t.Fatalf("note with a local return: %d to %q", res.status, res.header.Get("Location"))
	}

	log := c.get(f.url(f.project, "/log?return=/%09/evil.example"))
	if log.status != http.StatusOK {
		t.Fatalf("log page: %d", log.status)
	}
	mustNotContain(t, log.body, "evil.example")
	log = c.get(f.url(f.project, "/log?return=/pipeline"))
	if got := hiddenValue(t, log.body, "return"); got != "/pipeline" {
		t.Fatalf("log page return = %q, want /pipeline", got)
	}
}

// hiddenValue returns the value of the hidden input called name on a page.
func hiddenValue(t *testing.T, body, name string) string {
	t.Helper()
	marker := `type="hidden" name="` + name + `" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no hidden %q field on the page", name)
	}
	rest := body[i+len(marker):]
	return html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
}

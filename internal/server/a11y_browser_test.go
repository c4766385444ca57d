package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// axeViolation is what axe-core reports of one broken rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeScript is axe-core from the npm registry, vendored for this test only
// (testdata/axe/README.md).
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// axe runs axe-core's default rules (WCAG 2 A and AA, and its best
// practices) on the current document and returns the violations.
func (b *browser) axe(script string) []axeViolation {
	b.t.Helper()
	var out string
	b.run(chromedp.Evaluate(script, nil),
		chromedp.Evaluate(`axe.run(document).then(r => JSON.stringify({violations: r.violations, passes: r.passes.length}))`, &out,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var res struct {
		Violations []axeViolation
		Passes     int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		b.t.Fatalf("axe result: %v", err)
	}
	if res.Passes == 0 {
		b.t.Fatal("axe checked nothing on the page")
	}
	return res.Violations
}

// a11yPage is a page to check and, optionally, what to do on it first
// (open the log drawer).
type a11yPage struct {
	path  string
	ready string // a selector that is visible once the page is ready
	then  chromedp.Action
	after string // visible once then is done
}

// TestBrowserAccessibility runs axe-core on every main page, as an admin
// at 1366 × 900 and as a salesperson at 1366 × 900 and 390 × 844, and on
// the public pages at both: no violation of any of its default rules. On failure it lists
// each violation's rule, impact and the elements concerned.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	ctx := context.Background()
	hash, err := pgtest.FastHasher.Hash(ctx, pgtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, app.db.DB, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	login := func(email string) crm.User {
		lu, err := app.db.UserForLogin(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return lu.User
	}
	admin, sam := login("admin@sunrise-solar.example"), login("sam@sunrise-solar.example")
	// One of Sam's projects with its account and contact; a milestone and a user.
	var project, account, contact, milestone, user int64
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT p.id, p.account_id, p.contact_id FROM projects p
			WHERE p.tenant_id = $1 AND p.owner_id = $2 AND p.state = 'active' AND p.contact_id IS NOT NULL ORDER BY p.id LIMIT 1`,
			tx.Tenant, sam.ID).Scan(&project, &account, &contact); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM milestone_defs WHERE tenant_id = $1`, tx.Tenant).Scan(&milestone); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND id = $2`, tx.Tenant, sam.ID).Scan(&user)
	})
	ws := fmt.Sprintf("/projects/%d", project)
	openLog := clickJS(fmt.Sprintf("#p-%d .log-button", project))
	common := []a11yPage{
		{path: "/?view=active", ready: ".sales-table"},
		{path: "/?view=active", ready: ".sales-table", then: openLog, after: "#drawer #log-status_id"},
		{path: "/?view=deferred", ready: "main"},
		{path: "/?view=archived", ready: "main"},
		{path: "/?view=sold", ready: "main"},
		{path: "/pipeline", ready: "main"},
		{path: ws, ready: "main"},
		{path: ws + "/log", ready: "main"},
		{path: "/projects/new", ready: "#title"},
		{path: "/accounts", ready: "main"},
		{path: fmt.Sprintf("/accounts/%d", account), ready: "main"},
		{path: fmt.Sprintf("/contacts/%d", contact), ready: "main"},
		{path: "/my-day", ready: "main"},
		{path: "/search?q=roof", ready: "main"},
		{path: "/reports", ready: "main"},
		{path: "/reports/pipeline", ready: "main"},
		{path: "/reports/funnel", ready: "main"},
		{path: "/reports/forecast", ready: "main"},
		{path: "/reports/late", ready: "main"},
		{path: "/reports/new?kind=detail", ready: "#builder-table"},
		{path: "/reports/new?kind=summary", ready: "main"},
		{path: "/account", ready: "main"},
	}
	adminPages := append(append([]a11yPage{}, common...),
		a11yPage{path: "/admin", ready: "main"},
		a11yPage{path: "/admin/milestones", ready: "main"},
		a11yPage{path: fmt.Sprintf("/admin/milestones/%d", milestone), ready: "main"},
		a11yPage{path: "/admin/lists/statuses", ready: "main"},
		a11yPage{path: "/admin/lists/reasons", ready: "main"},
		a11yPage{path: "/admin/lists/sources", ready: "main"},
		a11yPage{path: "/admin/users", ready: "main"},
		a11yPage{path: fmt.Sprintf("/admin/users/%d", user), ready: "main"},
		a11yPage{path: "/admin/workgroups", ready: "main"},
		a11yPage{path: "/admin/quotas", ready: "main"},
		a11yPage{path: "/admin/settings", ready: "main"},
		a11yPage{path: "/admin/audit", ready: "main"},
		a11yPage{path: "/admin/import", ready: "main"},
	)
	public := []a11yPage{{path: "/login", ready: "#email"}, {path: "/signup", ready: "main"}, {path: "/forgot", ready: "main"}}
	script := axeScript(t)
	sizes := []struct {
		name string
		set  chromedp.Action
	}{{"desktop", desktop()}, {"phone", phone()}}
	// A browser checks a few pages at one size: a journey of its own stays
	// well inside a browser's deadline on a loaded machine.
	const perBrowser = 6
	// Each role at the width it is checked at: the admin at desktop width
	// (every page, the administration included), the salesperson at phone
	// width and desktop width, the public pages at both; axe-core on a page
	// takes seconds on a loaded machine, so not every page twice.
	for _, who := range []struct {
		name  string
		user  *crm.User
		pages []a11yPage
		sizes []int
	}{{"public", nil, public, []int{0, 1}}, {"admin", &admin, adminPages, []int{0}}, {"sales", &sam, common, []int{0, 1}}} {
		for _, si := range who.sizes {
			size := sizes[si]
			for from := 0; from < len(who.pages); from += perBrowser {
				pages := who.pages[from:min(from+perBrowser, len(who.pages))]
				t.Run(fmt.Sprintf("%s/%s/%d", who.name, size.name, from/perBrowser), func(t *testing.T) {
					t.Parallel()
					b := newBrowserWithin(t, app, 4*time.Minute)
					b.run(chromedp.ActionFunc(func(ctx context.Context) error { return page.SetBypassCSP(true).Do(ctx) }), size.set)
					if who.user != nil {
						b.login(*who.user)
					}
					for _, p := range pages {
						b.run(chromedp.Navigate(b.url(p.path)), loaded(), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
						name := p.path
						if p.then != nil {
							b.run(p.then, chromedp.WaitVisible(p.after, chromedp.ByQuery))
							name += " with the log drawer open"
						}
						for _, v := range b.axe(script) {
							var nodes []string
							for _, n := range v.Nodes {
								nodes = append(nodes, fmt.Sprint(n.Target))
							}
							t.Errorf("%s at %s: %s (%s): %s\n\t%s", name, size.name, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n\t"))
						}
					}
				})
			}
		}
	}
}

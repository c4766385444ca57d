package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// A routeCase is one request of the route benchmark: a GET route of the
// access table (pattern), the URL it is requested at, and whether a
// salesperson is measured too (routes every signed-in user may reach).
type routeCase struct {
	name, pattern string
	sales, public bool
	url           func(t postgres.RouteTargets) string
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func fixed(u string) func(postgres.RouteTargets) string {
	return func(postgres.RouteTargets) string { return u }
}

// routeCases covers every GET route of the access table (TestRouteBench
// fails on one that is missing), some of them several times: the Sales
// screen's text search with a common and a rare word in two views, the
// account list with and without a search.
var routeCases = []routeCase{
	{name: "healthz", pattern: "/healthz", public: true, url: fixed("/healthz")},
	{name: "readyz", pattern: "/readyz", public: true, url: fixed("/readyz")},
	{name: "static file", pattern: "/static/*", public: true, url: fixed("/static/app.css")},
	{name: "log-in page", pattern: "/login", public: true, url: fixed("/login")},
	{name: "forgot page", pattern: "/forgot", public: true, url: fixed("/forgot")},
	{name: "sign-up page", pattern: "/signup", public: true, url: fixed("/signup")},
	{name: "invitation link", pattern: "/invite/{token}", public: true, url: fixed("/invite/no-such-token")},
	{name: "reset link", pattern: "/reset/{token}", public: true, url: fixed("/reset/no-such-token")},
	{name: "sales first page", pattern: "/", sales: true, url: fixed("/?view=active")},
	{name: "sales archived", pattern: "/", sales: true, url: fixed("/?view=archived")},
	{name: "sales late only", pattern: "/", sales: true, url: fixed("/?view=active&late=1")},
	{name: "search common active", pattern: "/", sales: true, url: func(t postgres.RouteTargets) string { return "/?view=active&q=" + url.QueryEscape(t.CommonWord) }},
	{name: "search common archived", pattern: "/", sales: true, url: func(t postgres.RouteTargets) string { return "/?view=archived&q=" + url.QueryEscape(t.CommonWord) }},
	{name: "search rare active", pattern: "/", sales: true, url: func(t postgres.RouteTargets) string { return "/?view=active&q=" + url.QueryEscape(t.RareWord) }},
	{name: "sales csv (rare word)", pattern: "/sales.csv", sales: true, url: func(t postgres.RouteTargets) string { return "/sales.csv?view=active&q=" + url.QueryEscape(t.RareWord) }},
	{name: "rep load", pattern: "/load", url: fixed("/load?view=active")},
	{name: "board", pattern: "/pipeline", sales: true, url: fixed("/pipeline")},
	{name: "my day", pattern: "/my-day", sales: true, url: fixed("/my-day")},
	{name: "search (common word)", pattern: "/search", sales: true, url: func(t postgres.RouteTargets) string { return "/search?q=" + url.QueryEscape(t.CommonWord) }},
	{name: "new lead form", pattern: "/projects/new", sales: true, url: fixed("/projects/new")},
	{name: "customer picker (common word)", pattern: "/projects/new/customers", sales: true, url: func(t postgres.RouteTargets) string {
		return "/projects/new/customers?customer_q=" + url.QueryEscape(t.CommonWord)
	}},
	{name: "workspace (longest log)", pattern: "/projects/{id}", sales: true, url: func(t postgres.RouteTargets) string { return "/projects/" + id(t.Project) }},
	{name: "project log", pattern: "/projects/{id}/log", sales: true, url: func(t postgres.RouteTargets) string { return "/projects/" + id(t.Project) + "/log" }},
	{name: "accounts", pattern: "/accounts", sales: true, url: fixed("/accounts")},
	{name: "accounts search", pattern: "/accounts", sales: true, url: func(t postgres.RouteTargets) string { return "/accounts?q=" + url.QueryEscape(t.CommonAccountWord) }},
	{name: "new account form", pattern: "/accounts/new", sales: true, url: fixed("/accounts/new")},
	{name: "account (most projects)", pattern: "/accounts/{id}", sales: true, url: func(t postgres.RouteTargets) string { return "/accounts/" + id(t.Account) }},
	{name: "contact", pattern: "/contacts/{id}", sales: true, url: func(t postgres.RouteTargets) string { return "/contacts/" + id(t.Contact) }},
	{name: "admin home", pattern: "/admin", url: fixed("/admin")},
	{name: "milestones", pattern: "/admin/milestones", url: fixed("/admin/milestones")},
	{name: "milestone (most done)", pattern: "/admin/milestones/{id}", url: func(t postgres.RouteTargets) string { return "/admin/milestones/" + id(t.Milestone) }},
	{name: "statuses", pattern: "/admin/lists/{list}", url: fixed("/admin/lists/statuses")},
	{name: "archive reasons", pattern: "/admin/lists/{list}", url: fixed("/admin/lists/reasons")},
	{name: "lead sources", pattern: "/admin/lists/{list}", url: fixed("/admin/lists/sources")},
	{name: "users", pattern: "/admin/users", url: fixed("/admin/users")},
	{name: "user (most projects)", pattern: "/admin/users/{id}", url: func(t postgres.RouteTargets) string { return "/admin/users/" + id(t.Sales) }},
	{name: "workgroups", pattern: "/admin/workgroups", url: fixed("/admin/workgroups")},
	{name: "workgroup", pattern: "/admin/workgroups/{id}", url: func(t postgres.RouteTargets) string { return "/admin/workgroups/" + id(t.Workgroup) }},
	{name: "quotas", pattern: "/admin/quotas", url: fixed("/admin/quotas")},
	{name: "settings", pattern: "/admin/settings", url: fixed("/admin/settings")},
	{name: "audit log", pattern: "/admin/audit", url: fixed("/admin/audit")},
	{name: "my account", pattern: "/account", sales: true, url: fixed("/account")},
	{name: "import page", pattern: "/admin/import", url: fixed("/admin/import")},
	{name: "an import (none: 404)", pattern: "/admin/import/{id}", url: fixed("/admin/import/1")},
	{name: "import progress (404)", pattern: "/admin/import/{id}/progress", url: fixed("/admin/import/1/progress")},
	{name: "rejected rows (404)", pattern: "/admin/import/{id}/rejected.csv", url: fixed("/admin/import/1/rejected.csv")},
	{name: "export: unknown file", pattern: "/admin/export/{file}", url: fixed("/admin/export/nothing.csv")},
}

// reportRoutes are the reports' pages, CSVs and drill-downs: the reports
// scenario (-only reports) times the reports with their own budget (up to
// a second at a million projects, against 50 ms for a page), so the route
// benchmark lists them without requesting them.
var reportRoutes = func() []string {
	var out []string
	for _, r := range []string{"pipeline", "funnel", "steps", "late", "qualified", "load", "forecast", "performance",
		"referral", "commission", "calibration", "changes"} {
		base := "/reports/" + r
		out = append(out, base, base+".csv", base+"/projects", base+"/projects.csv")
	}
	// The report builder (the builder scenarios, -only builder).
	out = append(out, "/reports/new", "/reports/new.csv", "/reports/saved/{id}", "/reports/saved/{id}/report.csv")
	return append(out, "/reports")
}()

// RouteBench describes, for a test, which GET route patterns the route
// benchmark covers (the report routes through the reports scenario) and
// whether it requests them as a salesperson too.
func RouteBench() map[string]bool {
	m := map[string]bool{}
	for _, c := range routeCases {
		m[c.pattern] = m[c.pattern] || c.sales || c.public
	}
	for _, r := range reportRoutes {
		m[r] = true // every role reaches the reports
	}
	return m
}

// routeTenant is one tenant of the route benchmark: its targets and the
// session cookies of its admin and of its busiest salesperson.
type routeTenant struct {
	name         string
	targets      postgres.RouteTargets
	admin, sales string
	projects     int
}

func loadRouteTenant(ctx context.Context, db *postgres.DB, base string, i, projects int) (routeTenant, error) {
	rt := routeTenant{name: fmt.Sprintf("Bench %03d", i), projects: projects}
	lu, err := db.UserForLogin(ctx, seed.BenchAdminEmail(i))
	if err != nil {
		return rt, err
	}
	t0 := time.Now()
	err = db.InTenant(ctx, lu.User.TenantID, func(tx *postgres.Tx) error {
		var err error
		rt.targets, err = tx.RouteTargets(ctx)
		return err
	})
	if err != nil {
		return rt, err
	}
	fmt.Printf("%s: targets picked in %s: project %d, account %d, milestone %d, salesperson %s, common word %q, rare word %q, account word %q\n",
		rt.name, time.Since(t0).Round(time.Millisecond), rt.targets.Project, rt.targets.Account, rt.targets.Milestone,
		rt.targets.SalesEmail, rt.targets.CommonWord, rt.targets.RareWord, rt.targets.CommonAccountWord)
	if rt.admin, err = login(base, lu.User.Email); err != nil {
		return rt, err
	}
	if rt.sales, err = login(base, rt.targets.SalesEmail); err != nil {
		return rt, err
	}
	return rt, nil
}

// routeSample is what one side of a comparison saw.
type routeSample struct {
	total, db []time.Duration
	status    int
}

func (s routeSample) median() time.Duration   { return medianOf(s.total) }
func (s routeSample) dbMedian() time.Duration { return medianOf(s.db) }

func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// serverDB reads the database time from a Server-Timing header.
func serverDB(h http.Header) time.Duration {
	v, ok := strings.CutPrefix(h.Get("Server-Timing"), "db;dur=")
	if !ok {
		return 0
	}
	f, _ := strconv.ParseFloat(v, 64)
	return time.Duration(f * float64(time.Millisecond))
}

// runRoutes requests every route case at one connection for the big and
// the small tenant, as admin and (where the route allows) as salesperson,
// alternating the two tenants in rounds of 5 requests after a warm-up, and
// prints the medians, their ratio and the big tenant's database time.
func runRoutes(ctx context.Context, db *postgres.DB, base string, big, small int, perSide int, only string) error {
	bt, err := loadRouteTenant(ctx, db, base, 0, big)
	if err != nil {
		return err
	}
	st, err := loadRouteTenant(ctx, db, base, 1, small)
	if err != nil {
		return err
	}
	fmt.Printf("\nRoute benchmark: one connection, %d requests per side (at least 5, at most 10 s of them) after 3 warm-up requests, the two tenants alternating in rounds of 5.\n", perSide)
	fmt.Printf("%-26s %-6s %10s %10s %7s %10s %6s\n", "route", "as", fmt.Sprintf("%dk", big/1000), fmt.Sprintf("%dk", small/1000), "ratio", "SQL (big)", "status")
	for _, c := range routeCases {
		if !strings.Contains(c.name, only) {
			continue
		}
		roles := []string{"admin"}
		if c.sales {
			roles = append(roles, "sales")
		}
		if c.public {
			roles = []string{"-"}
		}
		for _, role := range roles {
			cookie := func(t routeTenant) string {
				switch role {
				case "admin":
					return t.admin
				case "sales":
					return t.sales
				}
				return ""
			}
			// As the salesperson, the project, account and contact are theirs.
			targets := func(t routeTenant) postgres.RouteTargets {
				x := t.targets
				if role == "sales" {
					x.Project, x.Account, x.Contact = x.SalesProject, x.SalesAccount, x.SalesContact
				}
				return x
			}
			a, err := newPageClient(base+c.url(targets(bt)), cookie(bt))
			if err != nil {
				return err
			}
			b, err := newPageClient(base+c.url(targets(st)), cookie(st))
			if err != nil {
				return err
			}
			var sa, sb routeSample
			measure := func(pc *pageClient, s *routeSample, keep bool) {
				t0 := time.Now()
				code, h := pc.send()
				el := time.Since(t0)
				if s.status == 0 || code >= 400 {
					s.status = code
				}
				if keep {
					s.total = append(s.total, el)
					s.db = append(s.db, serverDB(h))
				}
			}
			for range 3 {
				measure(a, &sa, false)
				measure(b, &sb, false)
			}
			// A slow route gets fewer requests: at least 5 per side, then
			// until perSide or 10 s.
			start := time.Now()
			for len(sa.total) < perSide && ctx.Err() == nil && (len(sa.total) < 5 || time.Since(start) < 10*time.Second) {
				for range 5 {
					measure(a, &sa, true)
				}
				for range 5 {
					measure(b, &sb, true)
				}
			}
			a.close()
			b.close()
			status := strconv.Itoa(sa.status)
			if sb.status != sa.status {
				status += "/" + strconv.Itoa(sb.status)
			}
			fmt.Printf("%-26s %-6s %10s %10s %7.2f %10s %6s\n", c.name, role, ms(sa.median()), ms(sb.median()),
				float64(sa.median())/float64(max(sb.median(), 1)), ms(sa.dbMedian()), status)
		}
	}
	fmt.Println("ratio = big tenant's median ÷ small tenant's; SQL = median database time the server reported (Server-Timing) for the big tenant.")
	return nil
}

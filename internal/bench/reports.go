package bench

import (
	"context"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// reportScenarios request each built report with its default filters as
// the tenant's admin, first at the big tenant and then at a 10,000-project
// one (small, smallCookie); the SQL of each is the report's read through
// postgres.BenchReport, every project evaluated by the engine.
func reportScenarios(ctx context.Context, db *postgres.DB, big crm.User, cookie string, small crm.User, smallCookie string) []scenario {
	read := func(u crm.User, name string) func() error {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		return func() error {
			_, err := db.BenchReport(ctx, v, name)
			return err
		}
	}
	var out []scenario
	for _, t := range []struct {
		label string
		u     crm.User
		c     string
	}{{"", big, cookie}, {" 10k", small, smallCookie}} {
		out = append(out, scenario{name: "reports index" + t.label, path: "/reports", cookie: t.c, runs: 7, sql: func() error { return nil }})
		for _, r := range []struct{ name, path string }{
			{"pipeline", "/reports/pipeline"}, {"funnel", "/reports/funnel"}, {"steps", "/reports/steps"},
			{"late", "/reports/late"}, {"qualified", "/reports/qualified"}, {"load", "/reports/load"},
			{"forecast", "/reports/forecast"}, {"commission", "/reports/commission"}, {"referral", "/reports/referral"},
			{"performance", "/reports/performance"}, {"calibration", "/reports/calibration"},
			{"changes", "/reports/changes"},
		} {
			out = append(out, scenario{name: "reports " + r.name + t.label, path: r.path, cookie: t.c, runs: 7, sql: read(t.u, r.name)})
		}
		for _, b := range builderBench {
			out = append(out, scenario{name: "builder " + b.name + t.label, path: b.path, cookie: t.c, runs: b.runs, sql: func() error { return nil }})
		}
	}
	return out
}

// builderBench are the report builder's budgets (a summary of two
// dimensions over the whole tenant ≤ 1 s; a detail report's first page of
// 50 with three filters ≤ 100 ms; the detail file of every project with 20
// columns ≥ 100,000 rows/s, RSS < 150 MB): -only builder.
var builderBench = []struct {
	name, path string
	runs       int
}{
	{"summary owner x pending", "/reports/new?kind=summary&dim1=owner&dim2=pending&m=count,value_sum", 7},
	{"summary source x created month", "/reports/new?kind=summary&dim1=source&dim2=created_month&m=count,value_sum,weighted_sum", 7},
	{"detail first page 3 filters", "/reports/new?kind=detail&cols=title,account,owner,pending,pending_due,value,created_at" +
		"&state=active&vmin=1000&dcol=created_at&dfrom=2000-01-01", 7},
	{"detail csv 20 columns", "/reports/new.csv?kind=detail&cols=title,account,account_email,contact,contact_email,owner,source," +
		"referrer,value,expected_close,state,status,forecast,created_at,pending,pending_due,days_late,last,last_at,weighted", 3},
}

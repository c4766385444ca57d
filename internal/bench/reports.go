package bench

import (
	"context"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// reportScenarios request each built report with its default filters as
// the tenant's admin, first at the big tenant and then at a 10,000-project
// one (smallCookie, small); the SQL of each is the report read directly
// into the same accumulators.
func reportScenarios(ctx context.Context, db *postgres.DB, big crm.User, cookie string, small crm.User, smallCookie string) []scenario {
	read := func(u crm.User, rd func() postgres.ReportRead, accs func(e *pipeline.Engine) []pipeline.Accumulator) func() error {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		return func() error {
			var b *pipeline.Batch
			return db.ReadReport(ctx, v, rd(), func(su *postgres.ReportSetup) error {
				b = pipeline.NewBatch(su.Engine, accs(su.Engine)...)
				return nil
			}, func(p *pipeline.Project, _ *postgres.ReportNames) error { b.Add(p); return nil })
		}
	}
	monthOf := func(u crm.User) pipeline.Period {
		loc := time.UTC
		if err := db.InTenant(ctx, u.TenantID, func(tx *postgres.Tx) error {
			t, err := tx.TenantRow(ctx)
			loc = t.Location()
			return err
		}); err != nil {
			loc = time.UTC
		}
		y, m, _ := time.Now().In(loc).Date()
		return pipeline.Period{From: pipeline.DayStart(y, m, 1, loc), To: pipeline.DayStart(y, m+1, 1, loc)}
	}
	var out []scenario
	for _, t := range []struct {
		label string
		u     crm.User
		c     string
	}{{"", big, cookie}, {" 10k", small, smallCookie}} {
		month := monthOf(t.u)
		out = append(out,
			scenario{name: "reports index" + t.label, path: "/reports", cookie: t.c, runs: 7, sql: func() error { return nil }},
			scenario{name: "reports pipeline" + t.label, path: "/reports/pipeline", cookie: t.c, runs: 7, sql: read(t.u,
				func() postgres.ReportRead {
					return postgres.ReportRead{Now: time.Now(), ActiveOnly: true}
				}, func(e *pipeline.Engine) []pipeline.Accumulator {
					return []pipeline.Accumulator{pipeline.NewPipeline(e, pipeline.PipelineOptions{ByReached: true})}
				})},
			scenario{name: "reports funnel" + t.label, path: "/reports/funnel", cookie: t.c, runs: 7, sql: read(t.u,
				func() postgres.ReportRead {
					return postgres.ReportRead{Now: time.Now(), Filter: postgres.ReportFilter{CreatedFrom: month.From, CreatedTo: month.To}}
				}, func(e *pipeline.Engine) []pipeline.Accumulator {
					return []pipeline.Accumulator{pipeline.NewFunnel(e, pipeline.FunnelOptions{Period: month, Group: e.KeyFunc(pipeline.ByOwner)})}
				})},
			scenario{name: "reports steps" + t.label, path: "/reports/steps", cookie: t.c, runs: 7, sql: read(t.u,
				func() postgres.ReportRead { return postgres.ReportRead{Now: time.Now(), TouchedIn: month} },
				func(e *pipeline.Engine) []pipeline.Accumulator {
					return []pipeline.Accumulator{pipeline.NewStepTimes(e, pipeline.StepOptions{Period: month, Group: e.KeyFunc(pipeline.ByOwner), MaxOutliers: 10})}
				})},
			scenario{name: "reports late" + t.label, path: "/reports/late", cookie: t.c, runs: 7, sql: read(t.u,
				func() postgres.ReportRead {
					return postgres.ReportRead{Now: time.Now(), Items: true, Names: true, LateOnly: true, ByOwner: true}
				}, func(e *pipeline.Engine) []pipeline.Accumulator { return nil })},
		)
	}
	return out
}

package postgres

import (
	"context"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// ForecastData is the Forecast report: the engine's forecast by expected
// close month per owner and in total, and per workgroup, with quotas.
type ForecastData struct {
	// Months is the period whose months are shown (their first day lies
	// in it); open projects without an expected close date are shown too.
	Months pipeline.Period
	Setup  *ReportSetup
	// Owners is grouped by owner ID; its Total is the report's total row.
	Owners     pipeline.ForecastReport
	Workgroups []WorkgroupForecast
	UserNames  map[int64]string
}

// WorkgroupForecast is the forecast of the projects owned by a workgroup's
// members, against the sum of their quotas.
type WorkgroupForecast struct {
	ID   int64
	Name string
	Row  pipeline.ForecastRow
}

// ForecastMonths is the forecast's default window at now in loc: the three
// months before now's month, that month and the eleven after it.
func ForecastMonths(now time.Time, loc *time.Location) pipeline.Period {
	l := now.In(loc)
	return pipeline.Period{
		From: pipeline.DayStart(l.Year(), l.Month()-3, 1, loc),
		To:   pipeline.DayStart(l.Year(), l.Month()+12, 1, loc),
	}
}

// Forecast computes the Forecast report over the viewer's visible projects
// of the set, at now, for the months of the period (zero: ForecastMonths).
// Quotas are those of the owners whose projects the viewer sees.
func (db *DB) Forecast(ctx context.Context, v crm.Viewer, rd ReportRead, months pipeline.Period, start func(*ReportSetup) error) (ForecastData, error) {
	var out ForecastData
	set := rd.Filter
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		rs := reportBase{e: su.Engine, loc: su.Engine.Location(), scope: su.Scope}
		if months.IsZero() {
			months = ForecastMonths(rd.Now, rs.loc)
		}
		out.Months = months
		if rd.AsOf.IsZero() {
			// Only the projects active now and those sold in the months count.
			rd.Counted = []ReportSet{{Kind: ActiveNow}, {Kind: SoldIn, Period: months}}
			rd.AnyOrder = true
		}
		quotas, err := tx.quotas(ctx, rs.scope, set, months.From, months.To)
		if err != nil {
			return err
		}
		of, names, err := tx.workgroupsOf(ctx)
		if err != nil {
			return err
		}
		byOwner := pipeline.NewForecast(rs.e, pipeline.ForecastOptions{Months: months, Group: rs.e.KeyFunc(pipeline.ByOwner), Quotas: quotas})
		teams := newPerWorkgroup(of, set.Workgroup, func(g int64) *pipeline.Forecast {
			var qs []pipeline.Quota
			for _, q := range quotas {
				for _, m := range of[int64(q.Group)] {
					if m == g {
						qs = append(qs, q)
					}
				}
			}
			return pipeline.NewForecast(rs.e, pipeline.ForecastOptions{Months: months, Quotas: qs})
		})
		for _, q := range quotas {
			for _, g := range of[int64(q.Group)] {
				if set.Workgroup == 0 || g == set.Workgroup {
					teams.get(g)
				}
			}
		}
		b := pipeline.NewBatch(rs.e, byOwner, teams)
		if err := tx.streamReport(ctx, su, rd, func(p *pipeline.Project, _ *ReportNames) error { b.Add(p); return nil }); err != nil {
			return err
		}
		out.Owners = byOwner.Result()
		for _, g := range teams.ids() {
			out.Workgroups = append(out.Workgroups, WorkgroupForecast{ID: g, Name: names[g], Row: teams.accs[g].Result().Total})
		}
		out.UserNames = choiceMap(su.Users)
		return nil
	})
	return out, err
}

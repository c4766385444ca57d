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
func (db *DB) Forecast(ctx context.Context, v crm.Viewer, set ProjectSet, months pipeline.Period, now time.Time) (ForecastData, error) {
	var out ForecastData
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		rs, err := tx.reportSetup(ctx, v, now)
		if err != nil {
			return err
		}
		if months.IsZero() {
			months = ForecastMonths(now, rs.loc)
		}
		out.Months = months
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
		err = tx.streamProjects(ctx, rs.scope, set, streamOptions{}, rs.loc, func(r *reportRow) { b.Add(&r.p) })
		if err != nil {
			return err
		}
		out.Owners = byOwner.Result()
		for _, g := range teams.ids() {
			out.Workgroups = append(out.Workgroups, WorkgroupForecast{ID: g, Name: names[g], Row: teams.accs[g].Result().Total})
		}
		out.UserNames, err = tx.userNames(ctx)
		return err
	})
	return out, err
}

package postgres

import (
	"context"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// PerformanceData is the Sales performance report: the engine's metrics
// per owner, per workgroup and in total (win rate, average deal, average
// cycle, lead-to-qualified, lead response time, sales velocity), the cohort
// funnel's stage-to-stage conversion, the quotas of the period's months for
// deals needed, and the monthly trend of the deals closed.
type PerformanceData struct {
	Setup      *ReportSetup
	Period     pipeline.Period
	Owners     pipeline.MetricsReport // by owner ID
	Workgroups []WorkgroupPerformance
	// Funnel is the cohort funnel of the leads created in the period, by
	// owner: its Conversion is the stage-to-stage conversion. Its activity
	// view is not read (only the projects the metrics count are).
	Funnel pipeline.FunnelReport
	// Trend is the metrics by month closed (sold or archived), ascending;
	// each row's WinRate, Sold and SoldValue are that month's.
	Trend pipeline.MetricsReport
	// Quotas is each owner's quota over the months whose first day lies in
	// the period; QuotaTotal their sum.
	Quotas     map[int64]int64
	QuotaTotal int64
	UserNames  map[int64]string
}

// WorkgroupPerformance is the performance of the projects owned by a
// workgroup's members.
type WorkgroupPerformance struct {
	ID      int64
	Name    string
	Metrics pipeline.MetricsRow
	Funnel  pipeline.FunnelRow
	Quota   int64
}

// DealsNeeded is the engine's deals needed for the owner's quota of the
// period at their row's win rate and average deal; ok false when undefined.
func (d PerformanceData) DealsNeeded(r pipeline.MetricsRow) (int64, bool) {
	if r.Key == pipeline.NoGroup {
		return r.DealsNeeded(d.QuotaTotal)
	}
	return r.DealsNeeded(d.Quotas[int64(r.Key)])
}

// Performance computes the Sales performance report over the viewer's
// visible projects of the set for the period (it must be bounded: the trend
// and the quotas need its months), at now.
func (db *DB) Performance(ctx context.Context, v crm.Viewer, rd ReportRead, period pipeline.Period, start func(*ReportSetup) error) (PerformanceData, error) {
	out := PerformanceData{Period: period, Quotas: map[int64]int64{}}
	rd.Counted, rd.AnyOrder = MetricsCounted(period), true
	set := rd.Filter
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		rs := reportBase{e: su.Engine, loc: su.Engine.Location(), scope: su.Scope}
		of, names, err := tx.workgroupsOf(ctx)
		if err != nil {
			return err
		}
		var quotas []pipeline.Quota
		if !period.IsZero() {
			// The months whose first day lies in the period, as the forecast keeps them.
			from := period.From.In(rs.loc)
			first := pipeline.DayStart(from.Year(), from.Month(), 1, rs.loc)
			if first.Before(period.From) {
				first = pipeline.DayStart(from.Year(), from.Month()+1, 1, rs.loc)
			}
			if quotas, err = tx.quotas(ctx, rs.scope, set, first, period.To.In(rs.loc)); err != nil {
				return err
			}
		}
		byOwner := pipeline.NewMetrics(rs.e, pipeline.MetricsOptions{Period: period, Group: rs.e.KeyFunc(pipeline.ByOwner)})
		funnel := pipeline.NewFunnel(rs.e, pipeline.FunnelOptions{Period: period, Group: rs.e.KeyFunc(pipeline.ByOwner)})
		trend := pipeline.NewMetrics(rs.e, pipeline.MetricsOptions{Period: period, Group: rs.e.ByClosedMonth()})
		teamMetrics := newPerWorkgroup(of, set.Workgroup, func(int64) *pipeline.Metrics {
			return pipeline.NewMetrics(rs.e, pipeline.MetricsOptions{Period: period})
		})
		teamFunnel := newPerWorkgroup(of, set.Workgroup, func(int64) *pipeline.Funnel {
			return pipeline.NewFunnel(rs.e, pipeline.FunnelOptions{Period: period})
		})
		b := pipeline.NewBatch(rs.e, byOwner, funnel, trend, teamMetrics, teamFunnel)
		if err := tx.streamReport(ctx, su, rd, func(p *pipeline.Project, _ *ReportNames) error { b.Add(p); return nil }); err != nil {
			return err
		}
		out.Owners, out.Funnel, out.Trend = byOwner.Result(), funnel.Result(), trend.Result()
		trendRows := out.Trend.Groups[:0]
		for _, r := range out.Trend.Groups {
			if r.Key != 0 { // open projects: not closed in any month
				trendRows = append(trendRows, r)
			}
		}
		out.Trend.Groups = trendRows
		for _, q := range quotas {
			out.Quotas[int64(q.Group)] += q.Cents
			out.QuotaTotal += q.Cents
		}
		for _, g := range teamMetrics.ids() {
			w := WorkgroupPerformance{ID: g, Name: names[g], Metrics: teamMetrics.accs[g].Result().Total,
				Funnel: teamFunnel.get(g).Result().Total}
			for user, gs := range of {
				for _, x := range gs {
					if x == g {
						w.Quota += out.Quotas[user]
					}
				}
			}
			out.Workgroups = append(out.Workgroups, w)
		}
		out.UserNames = choiceMap(su.Users)
		return nil
	})
	return out, err
}

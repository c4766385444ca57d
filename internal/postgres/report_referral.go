package postgres

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// ReferralData is the Referral report: the engine's metrics by lead source
// and by referrer — leads created in the period, how many of them were
// qualified, deals sold in the period and their value, win rate.
type ReferralData struct {
	Setup       *ReportSetup
	Sources     pipeline.MetricsReport // by source ID, 0: no source
	SourceNames map[int64]string
	// Referrers is by referrer, in the order of Referrer names (the
	// projects without a referrer first); both reports have the same total.
	Referrers pipeline.MetricsReport
	Referrer  map[pipeline.Key]string
}

// Referral computes the Referral report over the viewer's visible projects
// of the set for the period, at now. Referrers are told apart by their text
// with surrounding spaces removed, case kept.
func (db *DB) Referral(ctx context.Context, v crm.Viewer, rd ReportRead, period pipeline.Period, start func(*ReportSetup) error) (ReferralData, error) {
	var out ReferralData
	rd.Referrer, rd.AnyOrder = true, true
	rd.Counted = MetricsCounted(period)
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		rs := reportBase{e: su.Engine}
		keys := map[string]pipeline.Key{"": 0}
		out.Referrer = map[pipeline.Key]string{}
		var current pipeline.Key
		bySource := pipeline.NewMetrics(rs.e, pipeline.MetricsOptions{Period: period, Group: rs.e.KeyFunc(pipeline.BySource)})
		byReferrer := pipeline.NewMetrics(rs.e, pipeline.MetricsOptions{Period: period,
			Group: func(*pipeline.Project, *pipeline.Facts) pipeline.Key { return current }})
		b := pipeline.NewBatch(rs.e, bySource, byReferrer)
		err := tx.streamReport(ctx, su, rd, func(p *pipeline.Project, n *ReportNames) error {
			name := strings.TrimSpace(n.Referrer)
			k, ok := keys[name]
			if !ok {
				k = pipeline.Key(len(keys))
				keys[name] = k
			}
			out.Referrer[k] = name
			current = k
			b.Add(p)
			return nil
		})
		if err != nil {
			return err
		}
		out.Sources, out.Referrers = bySource.Result(), byReferrer.Result()
		slices.SortFunc(out.Referrers.Groups, func(a, b pipeline.MetricsRow) int {
			x, y := out.Referrer[a.Key], out.Referrer[b.Key]
			return cmp.Or(cmp.Compare(strings.ToLower(x), strings.ToLower(y)), cmp.Compare(x, y))
		})
		out.SourceNames, err = tx.sourceNames(ctx) // inactive sources too
		return err
	})
	return out, err
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// BenchReport reads the named built-in report ("pipeline", "funnel",
// "steps", "late", "qualified", "load", "changes"; "forecast",
// "commission", "referral", "performance", "calibration") with its default
// filters as v
// would, through ReadReport, evaluating every project with the engine: what
// `pipewell bench` compares the report page with. It returns how many
// projects were read.
func (db *DB) BenchReport(ctx context.Context, v crm.Viewer, name string) (int, error) {
	now := time.Now().Truncate(time.Microsecond)
	var rd ReportRead
	var e *pipeline.Engine
	var f pipeline.Facts
	n := 0
	month := func(loc *time.Location) pipeline.Period {
		y, m, _ := now.In(loc).Date()
		return pipeline.Period{From: pipeline.DayStart(y, m, 1, loc), To: pipeline.DayStart(y, m+1, 1, loc)}
	}
	var loc *time.Location
	if err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		t, err := tx.TenantRow(ctx)
		loc = t.Location()
		return err
	}); err != nil {
		return 0, err
	}
	if handled, err := db.benchTableReport(ctx, v, name, now, loc); handled {
		return 0, err // these reports do not count what they read
	}
	switch name {
	case "pipeline":
		rd = ReportRead{Now: now, ActiveOnly: true}
	case "funnel":
		p := month(loc)
		rd = ReportRead{Now: now, Filter: ReportFilter{CreatedFrom: p.From, CreatedTo: p.To}}
	case "steps":
		rd = ReportRead{Now: now, TouchedIn: month(loc)}
	case "late":
		rd = ReportRead{Now: now, Items: true, Names: true, LateOnly: true, ByOwner: true}
	case "qualified":
		rd = ReportRead{Now: now, Names: true, OpenOnly: true, QualifiedOnly: true, ByOwner: true}
	case "load":
		rd = ReportRead{Now: now, Items: true, ActiveOnly: true}
	case "changes": // last month, as the page's default
		y, m, _ := now.In(loc).Date()
		p := pipeline.Period{From: pipeline.DayStart(y, m-1, 1, loc), To: pipeline.DayStart(y, m, 1, loc)}
		rd = ReportRead{Now: now, Since: p.From, OpenSince: p.From, Filter: ReportFilter{CreatedTo: p.To}}
		var ch *pipeline.Changes
		err := db.ReadReport(ctx, v, rd, func(su *ReportSetup) error {
			ch = pipeline.NewChanges(su.Engine, pipeline.ChangesOptions{Period: p})
			return nil
		}, func(p *pipeline.Project, _ *ReportNames) error {
			ch.Add(p)
			n++
			return nil
		})
		return n, err
	default:
		return 0, fmt.Errorf("bench report %q: unknown", name)
	}
	err := db.ReadReport(ctx, v, rd, func(su *ReportSetup) error {
		e = su.Engine
		return nil
	}, func(p *pipeline.Project, _ *ReportNames) error {
		e.Evaluate(p, &f)
		n++
		return nil
	})
	return n, err
}

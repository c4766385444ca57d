package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// CalibrationData is the Probability calibration report: per active
// milestone, its configured and learned probability, how many closed
// projects reached it and how many of those were sold, and the Brier score
// of each set of probabilities (learned scored leave-one-out).
type CalibrationData struct {
	Setup *ReportSetup
	pipeline.LearnedReport
	Milestones     []pipeline.Milestone
	MilestoneNames map[int64]string
	// UsesLearned: the tenant has opted in to learned probabilities.
	UsesLearned bool
}

// Calibration computes the calibration report over the viewer's visible
// closed projects (sold or archived) of the set, whenever they were closed:
// the engine's Learner with the default prior strength. The Learner needs
// only whether each closed project was sold and its last completed
// milestone, so the projects are counted by the stage the engine stored
// with each one (Learner.AddClosed) rather than read one by one.
func (db *DB) Calibration(ctx context.Context, v crm.Viewer, rd ReportRead, start func(*ReportSetup) error) (CalibrationData, error) {
	var out CalibrationData
	rd.Phases = []string{"sold", "archived"} // the Learner counts closed projects only
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		l := pipeline.NewLearner(su.Engine, 0)
		args := []any{}
		where, _ := reportWhere(tx.Tenant, su.Scope, su.Engine, rd, &args)
		rows, err := tx.Query(ctx, `SELECT p.phase = 'sold', COALESCE(p.last_milestone_id, 0), count(*)::bigint FROM projects p WHERE `+
			where+` GROUP BY 1, 2`, args...)
		if err != nil {
			return fmt.Errorf("calibration: %w", err)
		}
		var sold bool
		var last, n int64
		if _, err := pgx.ForEachRow(rows, []any{&sold, &last, &n}, func() error { l.AddClosed(sold, last, int(n)); return nil }); err != nil {
			return fmt.Errorf("calibration: %w", err)
		}
		out.LearnedReport = l.Result()
		out.Milestones, out.MilestoneNames = su.Engine.Milestones(), map[int64]string{}
		for _, m := range su.Options.Milestones {
			out.MilestoneNames[int64(m.ID)] = m.Name
		}
		out.UsesLearned = su.Tenant.LearnedProbabilities
		return nil
	})
	return out, err
}

package postgres

import (
	"context"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// CalibrationData is the Probability calibration report: per active
// milestone, its configured and learned probability, how many closed
// projects reached it and how many of those were sold, and the Brier score
// of each set of probabilities (learned scored leave-one-out).
type CalibrationData struct {
	pipeline.LearnedReport
	Milestones     []pipeline.Milestone
	MilestoneNames map[int64]string
	// UsesLearned: the tenant has opted in to learned probabilities.
	UsesLearned bool
}

// Calibration computes the calibration report over the viewer's visible
// closed projects (sold or archived) of the set, whenever they were closed:
// the engine's Learner with the default prior strength.
func (db *DB) Calibration(ctx context.Context, v crm.Viewer, set ProjectSet, now time.Time) (CalibrationData, error) {
	var out CalibrationData
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		rs, err := tx.reportSetup(ctx, v, now)
		if err != nil {
			return err
		}
		l := pipeline.NewLearner(rs.e, 0)
		b := pipeline.NewBatch(rs.e, l)
		if err := tx.streamProjects(ctx, rs.scope, set, streamOptions{closedOnly: true}, rs.loc, func(r *reportRow) { b.Add(&r.p) }); err != nil {
			return err
		}
		out.LearnedReport = l.Result()
		out.Milestones, out.MilestoneNames = rs.e.Milestones(), rs.milestones
		out.UsesLearned = rs.tenant.LearnedProbabilities
		return nil
	})
	return out, err
}

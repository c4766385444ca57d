package postgres

import (
	"context"

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
// the engine's Learner with the default prior strength.
func (db *DB) Calibration(ctx context.Context, v crm.Viewer, rd ReportRead, start func(*ReportSetup) error) (CalibrationData, error) {
	var out CalibrationData
	rd.Phases = []string{"sold", "archived"} // the Learner counts closed projects only
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		l := pipeline.NewLearner(su.Engine, 0)
		b := pipeline.NewBatch(su.Engine, l)
		if err := tx.streamReport(ctx, su, rd, func(p *pipeline.Project, _ *ReportNames) error { b.Add(p); return nil }); err != nil {
			return err
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

package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// A change of the stage probabilities alone (a milestone definition's
// probability, the switch between configured and learned probabilities,
// probabilities learned again) changes nothing the engine derives but each
// project's weighted value, and only for projects whose last completed
// milestone's probability changed. reweighStages recomputes just that: it
// reads what the engine's rule needs from the stored row (state, value,
// override, last completed milestone), lets the engine compute the value
// (pipeline.Engine.DerivedWeighted) and writes the ones that changed with
// their totals' deltas. Any other change of the definitions recomputes
// everything (deriveWhere).

// reweighBatch is how many weighted values one statement of reweigh writes.
const reweighBatch = 5000

// probabilitiesOnly reports whether a process change changes only the
// probability of existing definitions (defs as they are before it).
func probabilitiesOnly(defs []crm.MilestoneDef, c crm.ProcessChange) bool {
	if c.Delete != 0 || c.Order != nil || c.SkipReached || len(c.Write) == 0 {
		return false
	}
	byID := make(map[crm.MilestoneID]crm.MilestoneDef, len(defs))
	for _, d := range defs {
		byID[d.ID] = d
	}
	for _, m := range c.Write {
		old, ok := byID[m.ID]
		if m.ID == 0 || !ok {
			return false
		}
		m.Probability = old.Probability
		if m.MilestoneSpec != old.MilestoneSpec || m.Active != old.Active || m.Position != old.Position {
			return false
		}
	}
	return true
}

// reweighStages recomputes the weighted value of the projects whose last
// completed milestone has another stage probability in the tenant's engine
// now than in before (the engine before a change of probabilities alone,
// which keeps the same active milestones).
func (tx *Tx) reweighStages(ctx context.Context, before *pipeline.Engine) error {
	tx.forgetEngine()
	after, err := tx.engine(ctx)
	if err != nil {
		return err
	}
	var changed []int64
	for _, m := range after.Milestones() {
		if before.StageProbability(m.ID) != after.StageProbability(m.ID) {
			changed = append(changed, m.ID)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return tx.reweigh(ctx, after, changed)
}

// reweigh recomputes with e the weighted value of the tenant's projects
// whose stored last completed milestone is one of milestones and writes the
// changed ones and the totals' deltas. The projects are read by one
// statement (one pass over them, whatever their number: a keyset batch
// would have to find and sort all of them again, no index leading with the
// last completed milestone and then the ID), keeping only the changed
// values, which are written reweighBatch at a time.
func (tx *Tx) reweigh(ctx context.Context, e *pipeline.Engine, milestones []int64) error {
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.state, p.owner_id, COALESCE(p.pending_milestone_id, 0), COALESCE(p.last_milestone_id, 0), p.active_from,
		       p.value_cents, p.probability_override, p.weighted_cents
		  FROM projects p
		 WHERE p.tenant_id = $1 AND p.last_milestone_id = ANY($2)`, tx.Tenant, milestones)
	if err != nil {
		return fmt.Errorf("reweigh: %w", err)
	}
	var w derivedWrite
	var ids, weighted []int64
	var id int64
	var c contribution
	var override *int
	_, err = pgx.ForEachRow(rows, []any{&id, &c.state, &c.owner, &c.pending, &c.last, &c.activeFrom, &c.value, &override, &c.weighted},
		func() error {
			var o int
			if override != nil {
				o = *override
			}
			now := e.DerivedWeighted(pipeline.StateOf(crm.State(c.state)), c.value, override != nil, o, c.last)
			if now == c.weighted {
				return nil
			}
			ids, weighted = append(ids, id), append(weighted, now)
			w.total(c, -1)
			c.weighted = now
			w.total(c, 1)
			return nil
		})
	if err != nil {
		return fmt.Errorf("reweigh: %w", err)
	}
	b := &pgx.Batch{}
	for i := 0; i < len(ids); i += reweighBatch {
		j := min(i+reweighBatch, len(ids))
		b.Queue(`
			UPDATE projects p SET weighted_cents = v.weighted
			  FROM unnest($2::bigint[], $3::bigint[]) AS v(id, weighted)
			 WHERE p.tenant_id = $1 AND p.id = v.id`, tx.Tenant, ids[i:j], weighted[i:j])
	}
	queueTotals(b, tx.Tenant, w.deltas)
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("reweigh: %w", err)
	}
	return nil
}

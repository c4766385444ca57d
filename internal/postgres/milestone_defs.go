package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// milestoneDefsQuery reads the tenant's milestone definitions in process
// order (position, then ID), inactive ones included (old completions and
// log entries name them): the one query every page and change uses, read
// by scanMilestoneDef.
const milestoneDefsQuery = `SELECT ` + milestoneDefColumns + ` FROM milestone_defs WHERE tenant_id = $1 ORDER BY position, id`

const milestoneDefColumns = `id, position, active, name, criteria, deadline_days IS NOT NULL, COALESCE(deadline_days, 0),
	deadline_from, probability, event_title, COALESCE(event_days, 0), qualifying, won, learned_reached, learned_sold`

func scanMilestoneDef(r pgx.CollectableRow) (crm.MilestoneDef, error) {
	var m crm.MilestoneDef
	err := r.Scan(&m.ID, &m.Position, &m.Active, &m.Name, &m.Criteria, &m.HasDeadline, &m.DeadlineDays,
		&m.DeadlineFrom, &m.Probability, &m.EventTitle, &m.EventDays, &m.Qualifying, &m.Won, &m.LearnedReached, &m.LearnedSold)
	return m, err
}

// MilestoneDefs returns every milestone definition of the tenant in process
// order, inactive ones too.
func (tx *Tx) MilestoneDefs(ctx context.Context) ([]crm.MilestoneDef, error) {
	rows, err := tx.Query(ctx, milestoneDefsQuery, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	defs, err := pgx.CollectRows(rows, scanMilestoneDef)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	return defs, nil
}

// Milestones lists the tenant's milestone definitions in process order with,
// for each, how many projects completed it and how many open projects are
// pending on it now.
func (db *DB) Milestones(ctx context.Context, tenant crm.TenantID) ([]crm.MilestoneDef, map[crm.MilestoneID]crm.MilestoneUse, error) {
	var out []crm.MilestoneDef
	use := map[crm.MilestoneID]crm.MilestoneUse{}
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		if out, err = tx.MilestoneDefs(ctx); err != nil {
			return err
		}
		// Pending from the running totals (open projects by pending
		// milestone); completions counted up to the cap, each an index range.
		rows, err := tx.Query(ctx, `
			WITH pending_count AS (
				SELECT t.pending_milestone_id AS milestone_id, sum(t.projects)::bigint AS n FROM project_totals t
				 WHERE t.tenant_id = $1 AND t.state IN ('active', 'deferred') GROUP BY t.pending_milestone_id
			)
			SELECT d.id, (SELECT count(*) FROM (SELECT 1 FROM milestone_completions c
			                WHERE c.tenant_id = $1 AND c.milestone_id = d.id LIMIT $2) x),
			       COALESCE(pending_count.n, 0)
			  FROM milestone_defs d
			  LEFT JOIN pending_count ON pending_count.milestone_id = d.id
			 WHERE d.tenant_id = $1`, tx.Tenant, crm.UseCountCap+1)
		if err != nil {
			return fmt.Errorf("count milestone use: %w", err)
		}
		var id crm.MilestoneID
		var u crm.MilestoneUse
		_, err = pgx.ForEachRow(rows, []any{&id, &u.Completions, &u.Pending}, func() error { use[id] = u; return nil })
		return err
	})
	return out, use, err
}

// Milestone returns one definition; another tenant's or an unknown ID is crm.ErrNotFound.
func (db *DB) Milestone(ctx context.Context, tenant crm.TenantID, id int64) (crm.MilestoneDef, crm.MilestoneUse, error) {
	ms, use, err := db.Milestones(ctx, tenant)
	if err != nil {
		return crm.MilestoneDef{}, crm.MilestoneUse{}, err
	}
	for _, m := range ms {
		if int64(m.ID) == id {
			return m, use[m.ID], nil
		}
	}
	return crm.MilestoneDef{}, crm.MilestoneUse{}, crm.ErrNotFound
}

// processChanged recomputes what the tenant's projects derive from its
// milestone definitions, in the transaction that changed them; a tenant
// that uses learned probabilities learns them again for the new process.
// before is the engine of the definitions before a change of their
// probabilities alone, which recomputes only the weighted values that
// follow (reweighStages); nil for any other change, which recomputes
// everything.
func (tx *Tx) processChanged(ctx context.Context, before *pipeline.Engine) error {
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return err
	}
	if t.LearnedProbabilities {
		if err := tx.learn(ctx, time.Now()); err != nil {
			return err
		}
	}
	if before != nil {
		return tx.reweighStages(ctx, before)
	}
	tx.forgetEngine()
	return tx.deriveAll(ctx)
}

// DecideProcess is a pure decision on the tenant's sales process
// (crm.DecideNewMilestone ...) over its definitions in order.
type DecideProcess func(ms []crm.MilestoneDef) (crm.ProcessChange, error)

// ChangeProcess changes the tenant's sales process with the shape of every
// change: it locks the definitions (concurrent admin changes queue up
// instead of interleaving), lets decide say what changes, and applies it
// with its audit entries and the projects' derived data in one transaction.
// It returns the ID of a new definition (0 otherwise). A taken name is a
// *crm.ValidationError on "name"; deleting a definition that projects,
// events or subtasks use is one on "".
func (db *DB) ChangeProcess(ctx context.Context, tenant crm.TenantID, actor crm.UserID, decide DecideProcess) (int64, error) {
	var created int64
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		rows, err := tx.Query(ctx, milestoneDefsQuery+` FOR UPDATE`, tx.Tenant)
		if err != nil {
			return fmt.Errorf("load milestones: %w", err)
		}
		ms, err := pgx.CollectRows(rows, scanMilestoneDef)
		if err != nil {
			return fmt.Errorf("load milestones: %w", err)
		}
		c, err := decide(ms)
		if err != nil {
			return err
		}
		if len(c.Write) == 0 && c.Delete == 0 && c.Order == nil {
			return nil
		}
		var before *pipeline.Engine
		if probabilitiesOnly(ms, c) {
			if before, err = tx.engine(ctx); err != nil {
				return err
			}
		}
		if created, err = tx.writeProcess(ctx, c); err != nil {
			return err
		}
		for _, e := range c.Audit {
			id := e.EntityID
			if id == 0 && e.Action == "create" {
				id = created
			}
			if err := tx.audit(ctx, actor, e.Entity, id, e.Action, e.OldValue, e.NewValue); err != nil {
				return err
			}
		}
		return tx.processChanged(ctx, before)
	})
	return created, err
}

// writeProcess writes a process change's definitions and order and returns
// the new definition's ID, if any.
func (tx *Tx) writeProcess(ctx context.Context, c crm.ProcessChange) (int64, error) {
	var created int64
	for _, m := range c.Write {
		var err error
		if m.ID == 0 {
			// The next position is read first: an INSERT with a sub-select
			// in VALUES is refused by a distributed database.
			var next int
			err = tx.QueryRow(ctx, `SELECT COALESCE(max(position), 0) + 1 FROM milestone_defs WHERE tenant_id = $1`, tx.Tenant).Scan(&next)
			if err != nil {
				return 0, fmt.Errorf("write milestone: %w", err)
			}
			err = tx.QueryRow(ctx, `
				INSERT INTO milestone_defs (tenant_id, name, position, criteria, deadline_days, deadline_from, probability,
				                            event_title, event_days, qualifying, won, active)
				VALUES ($1, $2, $12, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
				tx.Tenant, m.Name, m.Criteria, nullDays(m.HasDeadline, m.DeadlineDays), m.DeadlineFrom, m.Probability,
				m.EventTitle, nullDays(m.EventTitle != "", m.EventDays), m.Qualifying, m.Won, m.Active, next).Scan(&created)
		} else {
			_, err = tx.Exec(ctx, `
				UPDATE milestone_defs SET name = $3, criteria = $4, deadline_days = $5, deadline_from = $6, probability = $7,
				       event_title = $8, event_days = $9, qualifying = $10, won = $11, active = $12
				 WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, m.ID, m.Name, m.Criteria, nullDays(m.HasDeadline, m.DeadlineDays), m.DeadlineFrom, m.Probability,
				m.EventTitle, nullDays(m.EventTitle != "", m.EventDays), m.Qualifying, m.Won, m.Active)
		}
		if isUnique(err, "milestone_defs_name_key") {
			return 0, crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return 0, fmt.Errorf("write milestone: %w", err)
		}
	}
	if c.Delete != 0 {
		_, err := tx.Exec(ctx, `DELETE FROM milestone_defs WHERE tenant_id = $1 AND id = $2`, tx.Tenant, c.Delete)
		if isForeignKey(err) {
			return 0, crm.FieldError("", crm.MsgMilestoneUsed)
		}
		if err != nil {
			return 0, fmt.Errorf("delete milestone: %w", err)
		}
	}
	if c.Order != nil {
		order := make([]int64, len(c.Order))
		for i, id := range c.Order {
			order[i] = int64(id)
			if id == 0 {
				order[i] = created
			}
		}
		if err := tx.setPositions(ctx, "milestone_defs", order); err != nil {
			return 0, err
		}
	}
	if c.SkipReached && created != 0 {
		// Every project that has completed an active milestone after the
		// new one skips it, whatever its state (a reopened project must not
		// find it pending either).
		// Read, then written with VALUES (INSERT ... SELECT is not routed
		// to one node on a distributed database).
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT c.tenant_id, c.project_id, $2::bigint
			  FROM milestone_completions c
			  JOIN milestone_defs d ON d.tenant_id = $1 AND d.id = c.milestone_id
			 WHERE c.tenant_id = $1 AND d.active
			   AND d.position > (SELECT n.position FROM milestone_defs n WHERE n.tenant_id = $1 AND n.id = $2)`,
			tx.Tenant, created)
		var skips [][]any
		if err == nil {
			skips, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) {
				var tenant, project, milestone int64
				err := r.Scan(&tenant, &project, &milestone)
				return []any{tenant, project, milestone}, err
			})
		}
		if err == nil {
			err = tx.insertValues(ctx, "milestone_skips", []string{"tenant_id", "project_id", "milestone_id"}, skips)
		}
		if err != nil {
			return 0, fmt.Errorf("skip the new milestone: %w", err)
		}
	}
	return created, nil
}

// MilestonePreview is what adding a milestone after a given one would do
// to the open projects, by the choice of crm.ApplyTo: Pending open projects
// have completed (or skipped) every milestone before it, so with
// ApplyToAll it becomes their next step; Past of them have also completed a
// later milestone, so with ApplyToNotReached they skip it and only
// Pending − Past get it as their next step.
type MilestonePreview struct {
	Pending, Past int64
}

// PreviewNewMilestone counts MilestonePreview for a milestone added after
// the definition after (0: at the end), from the projects' stored pending
// and last completed milestones.
func (db *DB) PreviewNewMilestone(ctx context.Context, tenant crm.TenantID, after crm.MilestoneID) (MilestonePreview, error) {
	var p MilestonePreview
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `
			WITH a AS (SELECT COALESCE((SELECT position FROM milestone_defs WHERE tenant_id = $1 AND id = $2),
			                           (SELECT max(position) FROM milestone_defs WHERE tenant_id = $1 AND active), 0) AS pos)
			SELECT count(*), count(*) FILTER (WHERE ld.position > a.pos)
			  FROM a, projects p
			  LEFT JOIN milestone_defs pd ON pd.tenant_id = $1 AND pd.id = p.pending_milestone_id
			  LEFT JOIN milestone_defs ld ON ld.tenant_id = $1 AND ld.id = p.last_milestone_id
			 WHERE p.tenant_id = $1 AND p.phase = 'open' AND (pd.id IS NULL OR pd.position > a.pos)`,
			tx.Tenant, after).Scan(&p.Pending, &p.Past)
		if err != nil {
			return fmt.Errorf("preview new milestone: %w", err)
		}
		return nil
	})
	return p, err
}

func nullDays(has bool, n int) any {
	if !has {
		return nil
	}
	return n
}

// moved returns order with id moved by delta places (clamped at the ends);
// ok is false when id is not in order.
func moved(order []int64, id int64, delta int) ([]int64, bool) {
	out := append([]int64(nil), order...)
	for i, x := range out {
		if x == id {
			j := i + delta
			if j < 0 || j >= len(out) {
				return out, true
			}
			out[i], out[j] = out[j], out[i]
			return out, true
		}
	}
	return out, false
}

// reorder checks that order is a permutation of current, writes the
// positions and audits the old and new order by name.
func (tx *Tx) reorder(ctx context.Context, actor crm.UserID, table, entity string, byID map[int64]string, current, order []int64) error {
	seen := make(map[int64]bool, len(order))
	for _, id := range order {
		if _, ok := byID[id]; !ok {
			return crm.ErrNotFound // another tenant's or an unknown ID
		}
		if seen[id] {
			return crm.FieldError("", "admin.error.order")
		}
		seen[id] = true
	}
	if len(order) != len(current) {
		return crm.FieldError("", "admin.error.order")
	}
	same := true
	for i := range order {
		same = same && order[i] == current[i]
	}
	if same {
		return nil
	}
	if err := tx.setPositions(ctx, table, order); err != nil {
		return err
	}
	label := func(o []int64) string {
		s := make([]string, len(o))
		for i, id := range o {
			s[i] = byID[id]
		}
		return strings.Join(s, " → ")
	}
	return tx.audit(ctx, actor, entity, 0, "reorder", label(current), label(order))
}

// setPositions numbers the rows of table 1..n in the given order, in one
// statement. table must be a constant. milestone_defs' unique position is
// deferred, so the intermediate states do not matter.
func (tx *Tx) setPositions(ctx context.Context, table string, order []int64) error {
	_, err := tx.Exec(ctx, `
		UPDATE `+table+` t SET position = o.pos
		  FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, pos)
		 WHERE t.tenant_id = $1 AND t.id = o.id AND t.position <> o.pos`, tx.Tenant, order)
	if err != nil {
		return fmt.Errorf("set positions of %s: %w", table, err)
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"strconv"
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
		rows, err := tx.Query(ctx, `
			WITH pending_count AS (
				SELECT pending_milestone_id AS milestone_id, count(*) AS n FROM projects
				 WHERE tenant_id = $1 AND phase = 'open' GROUP BY pending_milestone_id
			), done AS (
				SELECT milestone_id, count(*) AS n FROM milestone_completions WHERE tenant_id = $1 GROUP BY milestone_id
			)
			SELECT d.id, COALESCE(done.n, 0), COALESCE(pending_count.n, 0)
			  FROM milestone_defs d
			  LEFT JOIN done ON done.milestone_id = d.id
			  LEFT JOIN pending_count ON pending_count.milestone_id = d.id
			 WHERE d.tenant_id = $1`, tx.Tenant)
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

// milestonesForUpdate loads the definitions in order, locked, so that
// concurrent admin changes of the process queue up instead of interleaving.
func (tx *Tx) milestonesForUpdate(ctx context.Context) ([]crm.MilestoneDef, error) {
	rows, err := tx.Query(ctx, milestoneDefsQuery+` FOR UPDATE`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	return pgx.CollectRows(rows, scanMilestoneDef)
}

// Milestone returns one definition; another tenant's or an unknown ID is crm.ErrNotFound.
func (db *DB) Milestone(ctx context.Context, tenant crm.TenantID, id int64) (crm.MilestoneDef, crm.MilestoneUse, error) {
	ms, use, err := db.Milestones(ctx, tenant)
	if err != nil {
		return crm.MilestoneDef{}, crm.MilestoneUse{}, err
	}
	if i := find(ms, id); i >= 0 {
		return ms[i], use[ms[i].ID], nil
	}
	return crm.MilestoneDef{}, crm.MilestoneUse{}, crm.ErrNotFound
}

// processChanged recomputes what the tenant's projects derive from its
// milestone definitions, in the transaction that changed them; a tenant
// that uses learned probabilities learns them again for the new process.
func (tx *Tx) processChanged(ctx context.Context) error {
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return err
	}
	if t.LearnedProbabilities {
		if err := tx.learn(ctx, time.Now()); err != nil {
			return err
		}
	}
	tx.forgetEngine()
	return tx.deriveAll(ctx)
}

func find(ms []crm.MilestoneDef, id int64) int {
	for i := range ms {
		if int64(ms[i].ID) == id {
			return i
		}
	}
	return -1
}

func activeCount(ms []crm.MilestoneDef) int {
	n := 0
	for _, m := range ms {
		if m.Active {
			n++
		}
	}
	return n
}

// moveFlags clears the won / qualifying flag of every other milestone when
// spec sets it, so there is always one won milestone and at most one
// qualifying one; each move is audited.
func (tx *Tx) moveFlags(ctx context.Context, actor crm.UserID, ms []crm.MilestoneDef, self int64, spec crm.MilestoneSpec) error {
	for _, m := range ms {
		if int64(m.ID) == self {
			continue
		}
		if spec.Won && m.Won {
			if _, err := tx.Exec(ctx, `UPDATE milestone_defs SET won = false WHERE tenant_id = $1 AND id = $2`, tx.Tenant, m.ID); err != nil {
				return err
			}
			if err := tx.audit(ctx, actor, "milestone", int64(m.ID), "won", "true", "false"); err != nil {
				return err
			}
		}
		if spec.Qualifying && m.Qualifying {
			if _, err := tx.Exec(ctx, `UPDATE milestone_defs SET qualifying = false WHERE tenant_id = $1 AND id = $2`, tx.Tenant, m.ID); err != nil {
				return err
			}
			if err := tx.audit(ctx, actor, "milestone", int64(m.ID), "qualifying", "true", "false"); err != nil {
				return err
			}
		}
	}
	return nil
}

func nullDays(has bool, n int) any {
	if !has {
		return nil
	}
	return n
}

// CreateMilestone adds a definition after the milestone after (0: at the
// end). Flagging it won or qualifying moves that flag from the milestone that
// had it. A taken name is a *crm.ValidationError on "name"; an unknown after
// is crm.ErrNotFound.
func (db *DB) CreateMilestone(ctx context.Context, tenant crm.TenantID, actor crm.UserID, after int64, spec crm.MilestoneSpec) (int64, error) {
	var id int64
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		at := len(ms)
		if after != 0 {
			if at = find(ms, after); at < 0 {
				return crm.ErrNotFound
			}
			at++
		}
		if activeCount(ms) >= pipeline.MaxMilestones {
			return crm.FieldError("", crm.MsgTooMany)
		}
		if err := tx.moveFlags(ctx, actor, ms, 0, spec); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO milestone_defs (tenant_id, name, position, criteria, deadline_days, deadline_from, probability,
			                            event_title, event_days, qualifying, won)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			tx.Tenant, spec.Name, len(ms)+1, spec.Criteria, nullDays(spec.HasDeadline, spec.DeadlineDays), spec.DeadlineFrom,
			spec.Probability, spec.EventTitle, nullDays(spec.EventTitle != "", spec.EventDays), spec.Qualifying, spec.Won).Scan(&id)
		if isUnique(err, "milestone_defs_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("insert milestone: %w", err)
		}
		order := make([]int64, 0, len(ms)+1)
		for i, m := range ms {
			if i == at {
				order = append(order, id)
			}
			order = append(order, int64(m.ID))
		}
		if at == len(ms) {
			order = append(order, id)
		}
		if err := tx.setPositions(ctx, "milestone_defs", order); err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "milestone", id, "create", "", describeSpec(spec, positionOf(order, id))); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
	return id, err
}

func positionOf(order []int64, id int64) int {
	for i, x := range order {
		if x == id {
			return i + 1
		}
	}
	return 0
}

func describeSpec(s crm.MilestoneSpec, pos int) string {
	parts := []string{s.Name, "#" + strconv.Itoa(pos), strconv.Itoa(s.Probability) + "%"}
	if s.HasDeadline {
		parts = append(parts, strconv.Itoa(s.DeadlineDays)+"d from "+s.DeadlineFrom)
	}
	if s.EventTitle != "" {
		parts = append(parts, "event "+s.EventTitle+" +"+strconv.Itoa(s.EventDays)+"d")
	}
	if s.Qualifying {
		parts = append(parts, "qualifying")
	}
	if s.Won {
		parts = append(parts, "won")
	}
	return strings.Join(parts, ", ")
}

func specFields(s crm.MilestoneSpec) []string {
	deadline, event := "", ""
	if s.HasDeadline {
		deadline = strconv.Itoa(s.DeadlineDays)
	}
	if s.EventTitle != "" {
		event = strconv.Itoa(s.EventDays)
	}
	return []string{s.Name, s.Criteria, deadline, s.DeadlineFrom, strconv.Itoa(s.Probability), s.EventTitle, event,
		strconv.FormatBool(s.Qualifying), strconv.FormatBool(s.Won)}
}

var specFieldNames = []string{"name", "criteria", "deadline_days", "deadline_from", "probability", "event_title", "event_days", "qualifying", "won"}

// UpdateMilestone changes every field of a definition. It never touches
// completions: projects keep their history, and the change is audited field
// by field. Unflagging the won milestone is refused (flag another one as won
// instead); an inactive milestone cannot become the won one.
func (db *DB) UpdateMilestone(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64, spec crm.MilestoneSpec) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		i := find(ms, id)
		if i < 0 {
			return crm.ErrNotFound
		}
		old := ms[i]
		var v crm.Validator
		v.Check(!(old.Won && !spec.Won), "won", crm.MsgOneWon)
		v.Check(old.Active || !spec.Won, "won", crm.MsgWonActive)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.moveFlags(ctx, actor, ms, id, spec); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE milestone_defs SET name = $3, criteria = $4, deadline_days = $5, deadline_from = $6, probability = $7,
			       event_title = $8, event_days = $9, qualifying = $10, won = $11
			 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, id, spec.Name, spec.Criteria, nullDays(spec.HasDeadline, spec.DeadlineDays), spec.DeadlineFrom,
			spec.Probability, spec.EventTitle, nullDays(spec.EventTitle != "", spec.EventDays), spec.Qualifying, spec.Won)
		if isUnique(err, "milestone_defs_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("update milestone: %w", err)
		}
		if err := tx.auditDiff(ctx, actor, "milestone", id, specFieldNames, specFields(old.MilestoneSpec), specFields(spec)); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
}

// SetMilestoneActive deactivates (or reactivates) a definition. Deactivating
// keeps every completion; the won milestone cannot be deactivated.
func (db *DB) SetMilestoneActive(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64, active bool) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		i := find(ms, id)
		if i < 0 {
			return crm.ErrNotFound
		}
		if ms[i].Active == active {
			return nil
		}
		if !active && ms[i].Won {
			return crm.FieldError("", crm.MsgWonActive)
		}
		if active && activeCount(ms) >= pipeline.MaxMilestones {
			return crm.FieldError("", crm.MsgTooMany)
		}
		if _, err := tx.Exec(ctx, `UPDATE milestone_defs SET active = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, active); err != nil {
			return fmt.Errorf("set milestone active: %w", err)
		}
		if err := tx.audit(ctx, actor, "milestone", id, "active", strconv.FormatBool(!active), strconv.FormatBool(active)); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
}

// DeleteMilestone removes a definition that no project ever completed and
// nothing refers to. One with completions (or events or subtasks) is refused
// with a *crm.ValidationError: deactivate it instead. The won milestone is
// never deleted.
func (db *DB) DeleteMilestone(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		i := find(ms, id)
		if i < 0 {
			return crm.ErrNotFound
		}
		if ms[i].Won {
			return crm.FieldError("", crm.MsgOneWon)
		}
		var used bool
		err = tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM milestone_completions WHERE tenant_id = $1 AND milestone_id = $2)
			    OR EXISTS (SELECT 1 FROM scheduled_events WHERE tenant_id = $1 AND milestone_id = $2)
			    OR EXISTS (SELECT 1 FROM subtasks WHERE tenant_id = $1 AND milestone_id = $2)`, tx.Tenant, id).Scan(&used)
		if err != nil {
			return fmt.Errorf("check milestone use: %w", err)
		}
		if used {
			return crm.FieldError("", "admin.error.milestone_used")
		}
		_, err = tx.Exec(ctx, `DELETE FROM milestone_defs WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
		if isForeignKey(err) {
			return crm.FieldError("", "admin.error.milestone_used")
		}
		if err != nil {
			return fmt.Errorf("delete milestone: %w", err)
		}
		order := make([]int64, 0, len(ms)-1)
		for _, m := range ms {
			if int64(m.ID) != id {
				order = append(order, int64(m.ID))
			}
		}
		if err := tx.setPositions(ctx, "milestone_defs", order); err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "milestone", id, "delete", describeSpec(ms[i].MilestoneSpec, i+1), ""); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
}

// ReorderMilestones puts the definitions in the given order, which must list
// every milestone of the tenant exactly once (else *crm.ValidationError).
// Completions are not touched.
func (db *DB) ReorderMilestones(ctx context.Context, tenant crm.TenantID, actor crm.UserID, order []int64) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		if err := tx.reorder(ctx, actor, "milestone_defs", "milestone", names(ms), ids(ms), order); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
}

// MoveMilestone moves a definition one place up (delta -1) or down (+1).
func (db *DB) MoveMilestone(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64, delta int) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		ms, err := tx.milestonesForUpdate(ctx)
		if err != nil {
			return err
		}
		order, ok := moved(ids(ms), id, delta)
		if !ok {
			return crm.ErrNotFound
		}
		if err := tx.reorder(ctx, actor, "milestone_defs", "milestone", names(ms), ids(ms), order); err != nil {
			return err
		}
		return tx.processChanged(ctx)
	})
}

func ids(ms []crm.MilestoneDef) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = int64(m.ID)
	}
	return out
}

func names(ms []crm.MilestoneDef) map[int64]string {
	out := make(map[int64]string, len(ms))
	for _, m := range ms {
		out[int64(m.ID)] = m.Name
	}
	return out
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

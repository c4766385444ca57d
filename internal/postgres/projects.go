package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Context is what a project decision may consult besides the project: the
// tenant's milestone definitions and pick-list values.
type Context struct {
	Defs    []crm.MilestoneDef
	Choices crm.Choices
}

// Decide is a pure decision (crm.DecideX) over a locked project.
type Decide func(p crm.Project, c Context) (crm.Change, error)

// ChangeProject runs one command on a project the viewer can see: it locks
// the project (SELECT ... FOR UPDATE), lets decide say what changes, and
// applies the change with its log entries in the same transaction. A project
// outside the viewer's visibility is crm.ErrNotFound; decide's errors are
// returned as they are and nothing is written. It returns the project as
// changed.
func (db *DB) ChangeProject(ctx context.Context, v crm.Viewer, id crm.ProjectID, decide Decide) (crm.Project, error) {
	var out crm.Project
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		p, err := tx.loadProject(ctx, v, id, true)
		if err != nil {
			return err
		}
		c, err := tx.decisionContext(ctx)
		if err != nil {
			return err
		}
		ch, err := decide(p, c)
		if err != nil {
			return err
		}
		out = ch.Project
		if ch.Touch {
			out.Version++
		}
		return tx.apply(ctx, p.Version, ch, db.failAfterFirstWrite)
	})
	return out, err
}

// decisionContext loads milestone definitions and the active pick lists.
func (tx *Tx) decisionContext(ctx context.Context) (Context, error) {
	var c Context
	defs, err := tx.MilestoneDefs(ctx)
	if err != nil {
		return c, err
	}
	c.Defs = defs
	rows, err := tx.Query(ctx, `
		SELECT 's', id FROM lead_sources WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'm', id FROM milestone_statuses WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'r', id FROM archive_reasons WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'u', id FROM users WHERE tenant_id = $1 AND active`, tx.Tenant)
	if err != nil {
		return c, fmt.Errorf("load choices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return c, err
		}
		switch kind {
		case "s":
			c.Choices.Sources = append(c.Choices.Sources, id)
		case "m":
			c.Choices.Statuses = append(c.Choices.Statuses, id)
		case "r":
			c.Choices.Reasons = append(c.Choices.Reasons, id)
		case "u":
			c.Choices.Users = append(c.Choices.Users, crm.UserID(id))
		}
	}
	return c, rows.Err()
}

// MilestoneDefs returns every milestone definition of the tenant (inactive
// ones too: old completions and log entries name them).
func (tx *Tx) MilestoneDefs(ctx context.Context) ([]crm.MilestoneDef, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, name, position, criteria, COALESCE(deadline_days, 0), deadline_from = 'created', probability,
		       event_title, COALESCE(event_days, 0), qualifying, won, active
		  FROM milestone_defs WHERE tenant_id = $1 ORDER BY position, id`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.MilestoneDef, error) {
		var d crm.MilestoneDef
		err := r.Scan(&d.ID, &d.Name, &d.Position, &d.Criteria, &d.DeadlineDays, &d.DeadlineFromCreated, &d.Probability,
			&d.EventTitle, &d.EventDays, &d.Qualifying, &d.Won, &d.Active)
		return d, err
	})
}

const projectColumns = `p.id, p.title, p.account_id, COALESCE(p.contact_id, 0), p.owner_id, COALESCE(p.source_id, 0),
	p.referrer, p.scope, p.value_cents, p.expected_close, COALESCE(p.status_id, 0), p.forecast_category, p.state,
	COALESCE(p.archive_reason_id, 0), p.archive_note, p.archived_at, p.defer_until, p.sold_at, p.resumed_at,
	p.created_at, p.version,
	COALESCE((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM project_members m
	           WHERE m.tenant_id = p.tenant_id AND m.project_id = p.id), '{}')`

func scanProject(row pgx.Row, p *crm.Project) error {
	var expected, archived, deferUntil, sold, resumed *time.Time
	var members []int64
	err := row.Scan(&p.ID, &p.Title, &p.AccountID, &p.ContactID, &p.OwnerID, &p.SourceID, &p.Referrer, &p.Scope, &p.Value,
		&expected, &p.StatusID, &p.Forecast, &p.State, &p.ArchiveReasonID, &p.ArchiveNote, &archived, &deferUntil, &sold,
		&resumed, &p.CreatedAt, &p.Version, &members)
	if err != nil {
		return translate(err)
	}
	p.ExpectedClose, p.DeferUntil = dateOf(expected), dateOf(deferUntil)
	p.ArchivedAt, p.SoldAt, p.ResumedAt = timeOf(archived), timeOf(sold), timeOf(resumed)
	p.Members = p.Members[:0]
	for _, m := range members {
		p.Members = append(p.Members, crm.UserID(m))
	}
	return nil
}

// loadProject reads a project the viewer can see, with its completions;
// lock takes the row lock for a change.
func (tx *Tx) loadProject(ctx context.Context, v crm.Viewer, id crm.ProjectID, lock bool) (crm.Project, error) {
	var p crm.Project
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return p, err
	}
	args := []any{tx.Tenant, id}
	sql := `SELECT ` + projectColumns + ` FROM projects p WHERE p.tenant_id = $1 AND p.id = $2 AND ` + scope.Where("p", &args)
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	if err := scanProject(tx.QueryRow(ctx, sql, args...), &p); err != nil {
		return p, fmt.Errorf("load project %d: %w", id, err)
	}
	comps, err := tx.completions(ctx, id)
	p.Completions = comps
	return p, err
}

func (tx *Tx) completions(ctx context.Context, id crm.ProjectID) ([]crm.Completion, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.milestone_id, c.completed_at, COALESCE(c.completed_by, 0), COALESCE(u.name, ''), c.note
		  FROM milestone_completions c LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.completed_by
		 WHERE c.tenant_id = $1 AND c.project_id = $2 ORDER BY c.completed_at`, tx.Tenant, id)
	if err != nil {
		return nil, fmt.Errorf("load completions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Completion, error) {
		var c crm.Completion
		err := r.Scan(&c.MilestoneID, &c.At, &c.By, &c.ByName, &c.Note)
		return c, err
	})
}

// apply writes a change to a locked project: the project row (version+1,
// only if still at version), completions, events, team and log entries.
func (tx *Tx) apply(ctx context.Context, version int, ch crm.Change, fail error) error {
	p := ch.Project
	now := time.Now()
	if len(ch.Log) > 0 {
		now = ch.Log[0].At
	}
	if ch.Touch {
		tag, err := tx.Exec(ctx, `
			UPDATE projects SET title = $3, source_id = NULLIF($4, 0), referrer = $5, scope = $6, value_cents = $7,
			       expected_close = $8, status_id = NULLIF($9, 0), forecast_category = $10, state = $11,
			       archive_reason_id = NULLIF($12, 0), archive_note = $13, archived_at = $14, defer_until = $15,
			       sold_at = $16, resumed_at = $17, owner_id = $18, version = version + 1, updated_at = $19,
			       last_activity_at = $19, first_touch_at = COALESCE(first_touch_at, $19)
			 WHERE tenant_id = $1 AND id = $2 AND version = $20`,
			tx.Tenant, p.ID, p.Title, p.SourceID, p.Referrer, p.Scope, p.Value, nullDate(p.ExpectedClose), p.StatusID,
			p.Forecast, p.State, p.ArchiveReasonID, p.ArchiveNote, nullTime(p.ArchivedAt), nullDate(p.DeferUntil),
			nullTime(p.SoldAt), nullTime(p.ResumedAt), p.OwnerID, now, version)
		if err != nil {
			return fmt.Errorf("update project %d: %w", p.ID, err)
		}
		if tag.RowsAffected() != 1 {
			return crm.ErrConflict
		}
	}
	if fail != nil {
		return fail
	}
	return tx.applyRows(ctx, ch)
}

// applyRows writes the rows a change adds or removes, in one round trip.
func (tx *Tx) applyRows(ctx context.Context, ch crm.Change) error {
	b := &pgx.Batch{}
	id := ch.Project.ID
	for _, c := range ch.Complete {
		b.Queue(`INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at, completed_by, note)
			VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6)`, tx.Tenant, id, c.MilestoneID, c.At, c.By, c.Note)
	}
	for _, m := range ch.Undo {
		b.Queue(`DELETE FROM milestone_completions WHERE tenant_id = $1 AND project_id = $2 AND milestone_id = $3`, tx.Tenant, id, m)
	}
	for _, e := range ch.Events {
		b.Queue(`INSERT INTO scheduled_events (tenant_id, project_id, milestone_id, title, owner_id, starts_at)
			VALUES ($1, $2, NULLIF($3, 0), $4, NULLIF($5, 0), $6)`, tx.Tenant, id, e.MilestoneID, e.Title, e.OwnerID, e.StartsAt)
	}
	for _, u := range ch.AddMembers {
		b.Queue(`INSERT INTO project_members (tenant_id, project_id, user_id) VALUES ($1, $2, $3)`, tx.Tenant, id, u)
	}
	for _, u := range ch.RemoveMembers {
		b.Queue(`DELETE FROM project_members WHERE tenant_id = $1 AND project_id = $2 AND user_id = $3`, tx.Tenant, id, u)
	}
	tx.appendLog(b, id, ch.Log)
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		if isUnique(err, "milestone_completions_pkey") {
			return crm.ErrConflict
		}
		return fmt.Errorf("apply change to project %d: %w", id, err)
	}
	return nil
}

// appendLog queues log entries: the only way anything is written to the
// project log (which the app role may insert into, never update or delete).
func (tx *Tx) appendLog(b *pgx.Batch, id crm.ProjectID, entries []crm.LogEntry) {
	for _, e := range entries {
		b.Queue(`INSERT INTO project_log (tenant_id, project_id, at, user_id, kind, field, old_value, new_value, body, happened_at)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5, $6, $7, $8, $9, $10)`,
			tx.Tenant, id, e.At, e.UserID, e.Kind, e.Field, e.OldValue, e.NewValue, e.Body, nullTime(e.HappenedAt))
	}
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullDate(d crm.Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time()
	return &t
}

func dateOf(t *time.Time) crm.Date {
	if t == nil {
		return crm.Date{}
	}
	return crm.DateOf(t.UTC())
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// AddNote appends a note to the project's log. Notes do not change the
// project's version (so they never invalidate an open edit form) but count
// as activity.
func (db *DB) AddNote(ctx context.Context, v crm.Viewer, id crm.ProjectID, e crm.LogEntry) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		if _, err := tx.loadProject(ctx, v, id, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET last_activity_at = $3, first_touch_at = COALESCE(first_touch_at, $3)
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, e.At); err != nil {
			return fmt.Errorf("note activity: %w", err)
		}
		if db.failAfterFirstWrite != nil {
			return db.failAfterFirstWrite
		}
		b := &pgx.Batch{}
		tx.appendLog(b, id, []crm.LogEntry{e})
		return tx.SendBatch(ctx, b).Close()
	})
}

// errNoRows reports whether err is a no-rows error translated to ErrNotFound.
func errNoRows(err error) bool { return errors.Is(err, crm.ErrNotFound) }

// DecisionContext loads the tenant's milestone definitions and active pick
// lists, for forms validated outside a project change.
func (db *DB) DecisionContext(ctx context.Context, tenant crm.TenantID) (Context, error) {
	var c Context
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		c, err = tx.decisionContext(ctx)
		return err
	})
	return c, err
}

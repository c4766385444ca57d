package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Every change to a project has one shape: lock and load it (with
// everything a decision needs), let a pure crm decision say what changes,
// apply the change (its rows, the derived data it makes stale, its log
// entries) and commit; validation and writing in one transaction.

// Decide is a pure decision (crm.DecideX) over a locked project.
type Decide func(p crm.Project, s crm.Setup) (crm.Change, error)

// ChangeProject runs one command on a project the viewer can see: it locks
// the project (SELECT ... FOR UPDATE), lets decide say what changes, and
// applies the change in the same transaction. A project outside the
// viewer's visibility is crm.ErrNotFound; decide's errors are returned as
// they are and nothing is written. It returns the project as changed.
func (db *DB) ChangeProject(ctx context.Context, v crm.Viewer, id crm.ProjectID, decide Decide) (crm.Project, error) {
	var out crm.Project
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		p, prior, err := tx.lockProject(ctx, v, id)
		if err != nil {
			return err
		}
		s, err := tx.Setup(ctx)
		if err != nil {
			return err
		}
		ch, err := decide(p, s)
		if err != nil {
			return err
		}
		out = ch.Project
		if ch.Touch {
			out.Version++
		}
		return tx.apply(ctx, p.Version, ch, prior)
	})
	return out, err
}

// Setup loads the milestone definitions and the active pick lists and users.
func (tx *Tx) Setup(ctx context.Context) (crm.Setup, error) {
	var s crm.Setup
	b := &pgx.Batch{}
	b.Queue(milestoneDefsQuery, tx.Tenant)
	b.Queue(`
		SELECT 's', id FROM lead_sources WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'm', id FROM milestone_statuses WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'r', id FROM archive_reasons WHERE tenant_id = $1 AND active
		UNION ALL SELECT 'u', id FROM users WHERE tenant_id = $1 AND active`, tx.Tenant)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var err error
	if s.Defs, err = collect(br, scanMilestoneDef); err != nil {
		return s, fmt.Errorf("load milestones: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return s, fmt.Errorf("load choices: %w", err)
	}
	var kind string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&kind, &id}, func() error {
		switch kind {
		case "s":
			s.Choices.Sources = append(s.Choices.Sources, id)
		case "m":
			s.Choices.Statuses = append(s.Choices.Statuses, id)
		case "r":
			s.Choices.Reasons = append(s.Choices.Reasons, id)
		case "u":
			s.Choices.Users = append(s.Choices.Users, crm.UserID(id))
		}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("load choices: %w", err)
	}
	return s, br.Close()
}

// Setup loads the tenant's milestone definitions and active pick lists, for
// forms decided outside a project change.
func (db *DB) Setup(ctx context.Context, tenant crm.TenantID) (crm.Setup, error) {
	var s crm.Setup
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		s, err = tx.Setup(ctx)
		return err
	})
	return s, err
}

const projectColumns = projectColumnsBefore + `COALESCE((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM project_members m
	           WHERE m.tenant_id = $1 AND m.project_id = p.id), '{}'),` + projectColumnsAfter

// projectColumnsBefore and projectColumnsAfter are projectColumns before
// and after the team's user IDs, for a statement that reads the team
// another way.
const (
	projectColumnsBefore = `p.id, p.title, p.account_id, COALESCE(p.contact_id, 0), p.owner_id, COALESCE(p.source_id, 0),
	p.referrer, p.scope, p.value_cents, p.expected_close, COALESCE(p.status_id, 0), p.forecast_category, p.state,
	COALESCE(p.archive_reason_id, 0), p.archive_note, p.archived_at, p.defer_until, p.sold_at, p.resumed_at,
	p.created_at, p.version,
	`
	projectColumnsAfter = `
	COALESCE(p.pending_milestone_id, 0), p.active_from, p.weighted_cents, p.probability_override,
	COALESCE(p.last_milestone_id, 0)`
)

// scanProject reads projectColumns into p and the project's share of the
// running totals as its row holds it.
func scanProject(row pgx.Row, p *crm.Project) (contribution, error) {
	var expected, archived, deferUntil, sold, resumed *time.Time
	var members []int64
	var override *int16
	var c contribution
	err := row.Scan(&p.ID, &p.Title, &p.AccountID, &p.ContactID, &p.OwnerID, &p.SourceID, &p.Referrer, &p.Scope, &p.Value,
		&expected, &p.StatusID, &p.Forecast, &p.State, &p.ArchiveReasonID, &p.ArchiveNote, &archived, &deferUntil, &sold,
		&resumed, &p.CreatedAt, &p.Version, &members, &c.pending, &c.activeFrom, &c.weighted, &override, &c.last)
	if err != nil {
		return c, translate(err)
	}
	p.HasProbability, p.Probability = override != nil, 0
	if override != nil {
		p.Probability = int(*override)
	}
	p.ExpectedClose, p.DeferUntil = dateOf(expected), dateOf(deferUntil)
	p.ArchivedAt, p.SoldAt, p.ResumedAt = timeOf(archived), timeOf(sold), timeOf(resumed)
	p.Members = p.Members[:0]
	for _, m := range members {
		p.Members = append(p.Members, crm.UserID(m))
	}
	c.state, c.owner, c.value = string(p.State), int64(p.OwnerID), p.Value
	return c, nil
}

// lockProject locks and reads a project the viewer can see, with its
// completions, events and subtasks, and its share of the totals before the
// change.
func (tx *Tx) lockProject(ctx context.Context, v crm.Viewer, id crm.ProjectID) (crm.Project, map[crm.ProjectID]before, error) {
	p, c, err := tx.readProject(ctx, v, id, true)
	if err != nil {
		return p, nil, err
	}
	return p, map[crm.ProjectID]before{id: {c: c}}, nil
}

// readProject reads a project the viewer can see with its completions,
// events and subtasks; lock takes the row lock for a change.
func (tx *Tx) readProject(ctx context.Context, v crm.Viewer, id crm.ProjectID, lock bool) (crm.Project, contribution, error) {
	var p crm.Project
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return p, contribution{}, err
	}
	args := []any{tx.Tenant, id}
	sql := `SELECT ` + projectColumns + ` FROM projects p WHERE p.tenant_id = $1 AND p.id = $2 AND ` + scope.Where("p", &args)
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	queueProjectItems(b, tx.Tenant, id)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	c, err := scanProject(br.QueryRow(), &p)
	if err != nil {
		return p, c, fmt.Errorf("load project %d: %w", id, err)
	}
	if err := readProjectItems(br, &p); err != nil {
		return p, c, err
	}
	return p, c, br.Close()
}

// queueProjectItems queues the reads of a project's completions, events
// and subtasks; readProjectItems reads them.
func queueProjectItems(b *pgx.Batch, tenant crm.TenantID, id crm.ProjectID) {
	b.Queue(`SELECT c.milestone_id, c.completed_at, COALESCE(c.completed_by, 0), COALESCE(u.name, ''), c.note
		  FROM milestone_completions c LEFT JOIN users u ON u.tenant_id = $1 AND u.id = c.completed_by
		 WHERE c.tenant_id = $1 AND c.project_id = $2 ORDER BY c.completed_at`, tenant, id)
	b.Queue(`SELECT e.id, e.project_id, COALESCE(e.milestone_id, 0), e.title, COALESCE(e.owner_id, 0), COALESCE(u.name, ''), e.starts_at, e.done, e.done_at
		  FROM scheduled_events e LEFT JOIN users u ON u.tenant_id = $1 AND u.id = e.owner_id
		 WHERE e.tenant_id = $1 AND e.project_id = $2 ORDER BY e.starts_at, e.id`, tenant, id)
	b.Queue(`SELECT s.id, s.project_id, COALESCE(s.milestone_id, 0), s.title, COALESCE(s.assignee_id, 0), COALESCE(u.name, ''), s.due_date, s.done, s.done_at
		  FROM subtasks s LEFT JOIN users u ON u.tenant_id = $1 AND u.id = s.assignee_id
		 WHERE s.tenant_id = $1 AND s.project_id = $2 ORDER BY s.done, s.due_date NULLS LAST, s.id`, tenant, id)
	b.Queue(`SELECT milestone_id FROM milestone_skips WHERE tenant_id = $1 AND project_id = $2 ORDER BY milestone_id`, tenant, id)
}

func readProjectItems(br pgx.BatchResults, p *crm.Project) error {
	var err error
	if p.Completions, err = collect(br, scanCompletion); err != nil {
		return fmt.Errorf("load completions: %w", err)
	}
	if p.Events, err = collect(br, scanEvent); err != nil {
		return fmt.Errorf("load events: %w", err)
	}
	if p.Subtasks, err = collect(br, scanSubtask); err != nil {
		return fmt.Errorf("load subtasks: %w", err)
	}
	if p.Skipped, err = collect(br, pgx.RowTo[crm.MilestoneID]); err != nil {
		return fmt.Errorf("load skipped milestones: %w", err)
	}
	return nil
}

func collect[T any](br pgx.BatchResults, scan func(pgx.CollectableRow) (T, error)) ([]T, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scan)
}

func scanCompletion(r pgx.CollectableRow) (crm.Completion, error) {
	var c crm.Completion
	err := r.Scan(&c.MilestoneID, &c.At, &c.By, &c.ByName, &c.Note)
	return c, err
}

func scanEvent(r pgx.CollectableRow) (crm.Event, error) {
	var e crm.Event
	var done *time.Time
	err := r.Scan(&e.ID, &e.ProjectID, &e.MilestoneID, &e.Title, &e.OwnerID, &e.OwnerName, &e.StartsAt, &e.Done, &done)
	e.DoneAt = timeOf(done)
	return e, err
}

func scanSubtask(r pgx.CollectableRow) (crm.Subtask, error) {
	var s crm.Subtask
	var due, done *time.Time
	err := r.Scan(&s.ID, &s.ProjectID, &s.MilestoneID, &s.Title, &s.AssigneeID, &s.AssigneeName, &due, &s.Done, &done)
	s.Due, s.DoneAt = dateOf(due), timeOf(done)
	return s, err
}

// apply writes a change to a locked project (write), then the derived data
// it made stale (prior: the project's share of the totals before the change).
func (tx *Tx) apply(ctx context.Context, version int, ch crm.Change, prior map[crm.ProjectID]before) error {
	if ch.Empty() {
		return nil
	}
	if err := tx.write(ctx, version, ch); err != nil {
		return err
	}
	return tx.derive(ctx, []crm.ProjectID{ch.Project.ID}, prior)
}

// write writes a change's rows: the project row (version+1, only if still
// at version), its completions, events, subtasks, team and log entries, in
// one round trip.
func (tx *Tx) write(ctx context.Context, version int, ch crm.Change) error {
	p := ch.Project
	now := time.Now()
	if len(ch.Log) > 0 {
		now = ch.Log[0].At
	}
	b := &pgx.Batch{}
	if ch.Touch {
		b.Queue(`
			UPDATE projects SET title = $3, source_id = NULLIF($4, 0), referrer = $5, scope = $6, value_cents = $7,
			       expected_close = $8, status_id = NULLIF($9, 0), forecast_category = $10, state = $11,
			       archive_reason_id = NULLIF($12, 0), archive_note = $13, archived_at = $14, defer_until = $15,
			       sold_at = $16, resumed_at = $17, owner_id = $18, version = version + 1, updated_at = $19,
			       last_activity_at = $19, first_touch_at = COALESCE(first_touch_at, $19), probability_override = $21
			 WHERE tenant_id = $1 AND id = $2 AND version = $20`,
			tx.Tenant, p.ID, p.Title, p.SourceID, p.Referrer, p.Scope, p.Value, nullDate(p.ExpectedClose), p.StatusID,
			p.Forecast, p.State, p.ArchiveReasonID, p.ArchiveNote, nullTime(p.ArchivedAt), nullDate(p.DeferUntil),
			nullTime(p.SoldAt), nullTime(p.ResumedAt), p.OwnerID, now, version, probabilityOverride(p))
	} else if ch.Activity {
		b.Queue(`UPDATE projects SET last_activity_at = $3, first_touch_at = COALESCE(first_touch_at, $3)
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, p.ID, now)
	}
	queueRows(b, tx.Tenant, ch)
	br := tx.SendBatch(ctx, b)
	if ch.Touch {
		tag, err := br.Exec()
		if err == nil && tag.RowsAffected() != 1 {
			err = crm.ErrConflict
		}
		if err != nil {
			br.Close()
			return fmt.Errorf("update project %d: %w", p.ID, err)
		}
	}
	if err := br.Close(); err != nil {
		if isUnique(err, "milestone_completions_pkey") {
			return crm.ErrConflict
		}
		if isForeignKey(err) {
			return crm.ErrNotFound // a user or milestone removed meanwhile
		}
		return fmt.Errorf("apply change to project %d: %w", p.ID, err)
	}
	return nil
}

// queueRows queues the rows a change adds, changes or removes.
func queueRows(b *pgx.Batch, tenant crm.TenantID, ch crm.Change) {
	id := ch.Project.ID
	for _, c := range ch.Complete {
		b.Queue(`INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at, completed_by, note)
			VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6)`, tenant, id, c.MilestoneID, c.At, c.By, c.Note)
	}
	for _, m := range ch.Undo {
		b.Queue(`DELETE FROM milestone_completions WHERE tenant_id = $1 AND project_id = $2 AND milestone_id = $3`, tenant, id, m)
	}
	for _, e := range ch.Events {
		b.Queue(`INSERT INTO scheduled_events (tenant_id, project_id, milestone_id, title, owner_id, starts_at)
			VALUES ($1, $2, NULLIF($3, 0), $4, NULLIF($5, 0), $6)`, tenant, id, e.MilestoneID, e.Title, e.OwnerID, e.StartsAt)
	}
	for _, e := range ch.EditEvents {
		b.Queue(`UPDATE scheduled_events SET title = $4, owner_id = NULLIF($5, 0), starts_at = $6, done = $7, done_at = $8
			WHERE tenant_id = $1 AND project_id = $2 AND id = $3`, tenant, id, e.ID, e.Title, e.OwnerID, e.StartsAt, e.Done, nullTime(e.DoneAt))
	}
	for _, s := range ch.Subtasks {
		b.Queue(`INSERT INTO subtasks (tenant_id, project_id, milestone_id, title, assignee_id, due_date)
			VALUES ($1, $2, NULLIF($3, 0), $4, NULLIF($5, 0), $6)`, tenant, id, s.MilestoneID, s.Title, s.AssigneeID, nullDate(s.Due))
	}
	for _, s := range ch.EditSubtasks {
		b.Queue(`UPDATE subtasks SET done = $4, done_at = $5 WHERE tenant_id = $1 AND project_id = $2 AND id = $3`,
			tenant, id, s.ID, s.Done, nullTime(s.DoneAt))
	}
	for _, u := range ch.AddMembers {
		b.Queue(`INSERT INTO project_members (tenant_id, project_id, user_id) VALUES ($1, $2, $3)`, tenant, id, u)
	}
	for _, u := range ch.RemoveMembers {
		b.Queue(`DELETE FROM project_members WHERE tenant_id = $1 AND project_id = $2 AND user_id = $3`, tenant, id, u)
	}
	queueLog(b, tenant, id, ch.Log)
}

// queueLog queues log entries of one project. It and linkedLog are the
// only ways a change writes to the project log (which the app role may
// insert into, never update or delete).
func queueLog(b *pgx.Batch, tenant crm.TenantID, id crm.ProjectID, entries []crm.LogEntry) {
	for _, e := range entries {
		b.Queue(`INSERT INTO project_log (tenant_id, project_id, at, user_id, kind, field, old_value, new_value, body, happened_at)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5, $6, $7, $8, $9, $10)`,
			tenant, id, e.At, e.UserID, e.Kind, e.Field, e.OldValue, e.NewValue, e.Body, nullTime(e.HappenedAt))
	}
}

// linkedLog writes the entries of each record (id → entries) on every
// project whose column (a constant: p.account_id, p.contact_id) is that
// record: it reads the projects, then inserts the entries with multi-row
// VALUES (INSERT ... SELECT would be run through the coordinator on a
// distributed database, and refused under row-level security).
func (tx *Tx) linkedLog(ctx context.Context, column string, entries map[int64][]crm.LogEntry) error {
	ids := make([]int64, 0, len(entries))
	for id, list := range entries {
		if len(list) > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT p.id, `+column+` FROM projects p WHERE p.tenant_id = $1 AND `+column+` = ANY($2) ORDER BY p.id`, tx.Tenant, ids)
	if err != nil {
		return err
	}
	var logs [][]any
	var p, record int64
	if _, err := pgx.ForEachRow(rows, []any{&p, &record}, func() error {
		for _, e := range entries[record] {
			logs = append(logs, []any{tx.Tenant, p, e.At, nullID(int64(e.UserID)), string(e.Kind), e.Field, e.OldValue, e.NewValue, e.Body,
				nullTime(e.HappenedAt)})
		}
		return nil
	}); err != nil || len(logs) == 0 {
		return err
	}
	return tx.insertValues(ctx, "project_log", logColumns, logs)
}

// logColumns are the columns a project log entry is written with.
var logColumns = []string{"tenant_id", "project_id", "at", "user_id", "kind", "field", "old_value", "new_value", "body", "happened_at"}

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

// errNoRows reports whether err is a no-rows error translated to ErrNotFound.
func errNoRows(err error) bool { return errors.Is(err, crm.ErrNotFound) }

// probabilityOverride is the project's typed probability for its column
// (nil: none, the stage's applies).
func probabilityOverride(p crm.Project) *int16 {
	if !p.HasProbability {
		return nil
	}
	v := int16(p.Probability)
	return &v
}

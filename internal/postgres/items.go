package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// AddEvent schedules an event on a project the viewer can see.
func (db *DB) AddEvent(ctx context.Context, v crm.Viewer, id crm.ProjectID, e crm.Event, now time.Time) error {
	return db.itemTx(ctx, v, id, func(tx *Tx, b *pgx.Batch) error {
		b.Queue(`INSERT INTO scheduled_events (tenant_id, project_id, title, owner_id, starts_at) VALUES ($1, $2, $3, $4, $5)`,
			tx.Tenant, id, e.Title, e.OwnerID, e.StartsAt)
		tx.appendLog(b, id, []crm.LogEntry{{At: now, UserID: v.UserID, Kind: crm.LogEvent, Field: "created", Body: e.Title, HappenedAt: e.StartsAt}})
		return nil
	})
}

// UpdateEvent changes an event's title, owner and start, or marks it done
// (done) / open again; every change is logged.
func (db *DB) UpdateEvent(ctx context.Context, v crm.Viewer, id crm.ProjectID, e crm.Event, done *bool, now time.Time) error {
	return db.itemTx(ctx, v, id, func(tx *Tx, b *pgx.Batch) error {
		var old crm.Event
		err := tx.QueryRow(ctx, `SELECT title, COALESCE(owner_id, 0), starts_at, done FROM scheduled_events
			WHERE tenant_id = $1 AND project_id = $2 AND id = $3 FOR UPDATE`, tx.Tenant, id, e.ID).
			Scan(&old.Title, &old.OwnerID, &old.StartsAt, &old.Done)
		if err != nil {
			return fmt.Errorf("load event: %w", translate(err))
		}
		var log []crm.LogEntry
		entry := func(field, o, n string) {
			log = append(log, crm.LogEntry{At: now, UserID: v.UserID, Kind: crm.LogEvent, Field: field, OldValue: o, NewValue: n, Body: old.Title})
		}
		if done != nil {
			if *done == old.Done {
				return nil
			}
			b.Queue(`UPDATE scheduled_events SET done = $4, done_at = CASE WHEN $4 THEN $5::timestamptz END
				WHERE tenant_id = $1 AND project_id = $2 AND id = $3`, tx.Tenant, id, e.ID, *done, now)
			if *done {
				entry("done", "", "done")
			} else {
				entry("reopened", "", "")
			}
		} else {
			b.Queue(`UPDATE scheduled_events SET title = $4, owner_id = $5, starts_at = $6 WHERE tenant_id = $1 AND project_id = $2 AND id = $3`,
				tx.Tenant, id, e.ID, e.Title, e.OwnerID, e.StartsAt)
			if e.Title != old.Title {
				entry("title", old.Title, e.Title)
			}
			if e.OwnerID != old.OwnerID {
				entry("owner", fmt.Sprint(old.OwnerID), fmt.Sprint(e.OwnerID))
			}
			if !e.StartsAt.Equal(old.StartsAt) {
				entry("starts_at", old.StartsAt.UTC().Format(time.RFC3339), e.StartsAt.UTC().Format(time.RFC3339))
			}
		}
		tx.appendLog(b, id, log)
		return nil
	})
}

// AddSubtask adds a subtask under a milestone of a project the viewer can see.
func (db *DB) AddSubtask(ctx context.Context, v crm.Viewer, id crm.ProjectID, s crm.Subtask, now time.Time) error {
	return db.itemTx(ctx, v, id, func(tx *Tx, b *pgx.Batch) error {
		b.Queue(`INSERT INTO subtasks (tenant_id, project_id, milestone_id, title, assignee_id, due_date) VALUES ($1, $2, $3, $4, $5, $6)`,
			tx.Tenant, id, s.MilestoneID, s.Title, s.AssigneeID, nullDate(s.Due))
		tx.appendLog(b, id, []crm.LogEntry{{At: now, UserID: v.UserID, Kind: crm.LogSubtask, Field: "created", NewValue: s.Due.String(), Body: s.Title}})
		return nil
	})
}

// SetSubtaskDone marks a subtask done or open again, with a log entry.
func (db *DB) SetSubtaskDone(ctx context.Context, v crm.Viewer, id crm.ProjectID, subtask int64, done bool, now time.Time) error {
	return db.itemTx(ctx, v, id, func(tx *Tx, b *pgx.Batch) error {
		var title string
		var was bool
		err := tx.QueryRow(ctx, `SELECT title, done FROM subtasks WHERE tenant_id = $1 AND project_id = $2 AND id = $3 FOR UPDATE`,
			tx.Tenant, id, subtask).Scan(&title, &was)
		if err != nil {
			return fmt.Errorf("load subtask: %w", translate(err))
		}
		if was == done {
			return nil
		}
		b.Queue(`UPDATE subtasks SET done = $4, done_at = CASE WHEN $4 THEN $5::timestamptz END
			WHERE tenant_id = $1 AND project_id = $2 AND id = $3`, tx.Tenant, id, subtask, done, now)
		field := "done"
		if !done {
			field = "reopened"
		}
		tx.appendLog(b, id, []crm.LogEntry{{At: now, UserID: v.UserID, Kind: crm.LogSubtask, Field: field, Body: title}})
		return nil
	})
}

// itemTx locks a visible project, lets fill queue the item's writes and log
// entries, marks the project active now, and sends everything in one round
// trip. Items have their own rows, so they do not change the project's
// version (an open details form stays valid).
func (db *DB) itemTx(ctx context.Context, v crm.Viewer, id crm.ProjectID, fill func(tx *Tx, b *pgx.Batch) error) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		if _, err := tx.loadProject(ctx, v, id, true); err != nil {
			return err
		}
		b := &pgx.Batch{}
		if err := fill(tx, b); err != nil {
			return err
		}
		if b.Len() == 0 {
			return nil
		}
		b.Queue(`UPDATE projects SET last_activity_at = now(), first_touch_at = COALESCE(first_touch_at, now())
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			if isForeignKey(err) {
				return crm.ErrNotFound
			}
			return fmt.Errorf("change items of project %d: %w", id, err)
		}
		return nil
	})
}

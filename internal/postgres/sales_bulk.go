package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BulkMax is the most projects one bulk action may change.
const BulkMax = 5000

// BulkAction is a change a manager applies to many projects at once.
type BulkAction struct {
	Kind   string // "owner", "archive" or "defer"
	Owner  crm.UserID
	Reason int64
	Until  time.Time // defer-until date (UTC midnight of the date)
	// IDs are the selected projects; when All is set, every project matching
	// Filter is the target instead.
	IDs    []crm.ProjectID
	All    bool
	Filter SalesFilter
}

// BulkResult says how many projects changed and how many already were as asked.
type BulkResult struct {
	Changed, Skipped int
}

// ApplyBulk applies a to the projects v may see, in one transaction, with a
// log entry on each changed project. Any selected ID that v cannot see (or
// that is not in the tenant) makes it crm.ErrNotFound with nothing changed; a
// bad owner, reason or date is a *crm.ValidationError.
func (tx *Tx) ApplyBulk(ctx context.Context, v crm.Viewer, a BulkAction) (BulkResult, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return BulkResult{}, err
	}
	var val crm.Validator
	switch a.Kind {
	case "owner":
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND active)`, tx.Tenant, a.Owner).Scan(&ok)
		if err != nil {
			return BulkResult{}, err
		}
		val.Check(ok, "owner", "sales.bulk.bad_owner")
	case "archive":
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM archive_reasons WHERE tenant_id = $1 AND id = $2 AND active)`, tx.Tenant, a.Reason).Scan(&ok)
		if err != nil {
			return BulkResult{}, err
		}
		val.Check(ok, "reason", "sales.bulk.bad_reason")
	case "defer":
		val.Check(a.Until.After(a.Filter.Today), "until", "sales.bulk.bad_until")
	default:
		val.Add("action", "sales.bulk.bad_action")
	}
	if !a.All && len(a.IDs) == 0 {
		val.Add("", "sales.bulk.none")
	}
	if err := val.Err(); err != nil {
		return BulkResult{}, err
	}

	// The targets, locked: every selected one must be visible.
	var args []any
	var q string
	if a.All {
		q = "SELECT p.id FROM projects p WHERE " + a.Filter.where(tx.Tenant, &args) + " AND " + scope.Where("p", &args) +
			" ORDER BY p.id LIMIT " + strconv.Itoa(BulkMax+1) + " FOR UPDATE"
	} else {
		args = append(args, tx.Tenant, a.IDs)
		q = "SELECT p.id FROM projects p WHERE p.tenant_id = $1 AND p.id = ANY($2) AND p.state <> 'sold' AND " +
			scope.Where("p", &args) + " ORDER BY p.id FOR UPDATE"
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk targets: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk targets: %w", err)
	}
	if len(ids) > BulkMax {
		val.Add("", "sales.bulk.too_many")
		return BulkResult{}, val.Err()
	}
	if !a.All && len(ids) != len(distinct(a.IDs)) {
		return BulkResult{}, fmt.Errorf("bulk: %d of %d selected projects visible: %w", len(ids), len(distinct(a.IDs)), crm.ErrNotFound)
	}

	var change string
	var changeArgs []any
	switch a.Kind {
	case "owner":
		change = `UPDATE projects p SET owner_id = $3, version = p.version + 1, updated_at = now()
			FROM projects o WHERE o.tenant_id = p.tenant_id AND o.id = p.id
			 AND p.tenant_id = $1 AND p.id = ANY($2) AND p.owner_id <> $3
			RETURNING p.id, 'owner_changed', 'owner', o.owner_id::text, p.owner_id::text, ''`
		changeArgs = []any{tx.Tenant, ids, a.Owner}
	case "archive":
		change = `UPDATE projects p SET state = 'archived', archive_reason_id = $3, archived_at = now(), defer_until = NULL,
			       version = p.version + 1, updated_at = now()
			FROM projects o WHERE o.tenant_id = p.tenant_id AND o.id = p.id
			 AND p.tenant_id = $1 AND p.id = ANY($2) AND p.state IN ('active', 'deferred')
			RETURNING p.id, 'state_changed', 'state', o.state, p.state,
			          (SELECT name FROM archive_reasons r WHERE r.tenant_id = p.tenant_id AND r.id = $3)`
		changeArgs = []any{tx.Tenant, ids, a.Reason}
	case "defer":
		change = `UPDATE projects p SET state = 'deferred', defer_until = $3::date, version = p.version + 1, updated_at = now()
			FROM projects o WHERE o.tenant_id = p.tenant_id AND o.id = p.id
			 AND p.tenant_id = $1 AND p.id = ANY($2) AND p.state IN ('active', 'deferred')
			 AND p.defer_until IS DISTINCT FROM $3::date
			RETURNING p.id, 'state_changed', 'state', o.state, p.state, 'until ' || p.defer_until::text`
		changeArgs = []any{tx.Tenant, ids, a.Until.Format(time.DateOnly)}
	}
	rows, err = tx.Query(ctx, change, changeArgs...)
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk %s: %w", a.Kind, err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.LogEntry, error) {
		var e crm.LogEntry
		err := r.Scan(&e.ProjectID, &e.Kind, &e.Field, &e.OldValue, &e.NewValue, &e.Body)
		e.UserID = v.UserID
		return e, err
	})
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk %s: %w", a.Kind, err)
	}
	if err := tx.appendLogs(ctx, entries); err != nil {
		return BulkResult{}, err
	}
	return BulkResult{Changed: len(entries), Skipped: len(ids) - len(entries)}, nil
}

// appendLogs writes project log entries in the current transaction: the one
// place the Sales screen's changes write the log.
func (tx *Tx) appendLogs(ctx context.Context, entries []crm.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ids := make([]int64, len(entries))
	users := make([]int64, len(entries))
	var kinds, fields, olds, news, bodies []string
	for i, e := range entries {
		ids[i], users[i] = int64(e.ProjectID), int64(e.UserID)
		kinds, fields = append(kinds, string(e.Kind)), append(fields, e.Field)
		olds, news, bodies = append(olds, e.OldValue), append(news, e.NewValue), append(bodies, e.Body)
	}
	_, err := tx.Exec(ctx, `INSERT INTO project_log (tenant_id, project_id, user_id, kind, field, old_value, new_value, body)
		SELECT $1, x.project_id, NULLIF(x.user_id, 0), x.kind, x.field, x.old_value, x.new_value, x.body
		  FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
		       AS x(project_id, user_id, kind, field, old_value, new_value, body)`,
		tx.Tenant, ids, users, kinds, fields, olds, news, bodies)
	if err != nil {
		return fmt.Errorf("append project log: %w", err)
	}
	return nil
}

func distinct(ids []crm.ProjectID) map[crm.ProjectID]bool {
	m := make(map[crm.ProjectID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// audit records one change (who, what, old → new) in the transaction that
// makes it, so the change and its record commit together or not at all:
// admin changes, and changes to accounts and contacts.
func (tx *Tx) audit(ctx context.Context, actor crm.UserID, entity string, entityID int64, action, old, new string) error {
	_, err := tx.Exec(ctx, auditInsert, tx.Tenant, actor, entity, entityID, action, old, new)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", entity, action, err)
	}
	return nil
}

// queueAudit is audit queued on b, for many changes in one round trip.
func (tx *Tx) queueAudit(b *pgx.Batch, actor crm.UserID, entity string, entityID int64, action, old, new string) {
	b.Queue(auditInsert, tx.Tenant, actor, entity, entityID, action, old, new)
}

const auditInsert = `
		INSERT INTO audit_log (tenant_id, user_id, entity, entity_id, action, old_value, new_value)
		VALUES ($1, NULLIF($2, 0), $3, NULLIF($4, 0), $5, $6, $7)`

// auditDiff records one entry per changed field of an entity: action is the
// field name, old and new its values.
func (tx *Tx) auditDiff(ctx context.Context, actor crm.UserID, entity string, id int64, fields []string, old, new []string) error {
	for i, f := range fields {
		if old[i] != new[i] {
			if err := tx.audit(ctx, actor, entity, id, f, old[i], new[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// AuditFilter narrows the audit page. Zero fields do not filter.
type AuditFilter struct {
	Entity   string
	UserID   crm.UserID
	From, To time.Time // [From, To)
	Before   int64     // keyset: entries with a smaller ID
	Limit    int
}

// AuditEntities are the kinds of things the audit log records, for the filter.
var AuditEntities = []string{"milestone", "statuses", "reasons", "sources", "user", "workgroup", "quota", "settings", "account", "contact"}

// Audit lists the tenant's audit entries, newest first, one page at a time.
func (db *DB) Audit(ctx context.Context, tenant crm.TenantID, f AuditFilter) ([]crm.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where := []string{"a.tenant_id = $1"}
	args := []any{tenant}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Entity != "" {
		add("a.entity = ?", f.Entity)
	}
	if f.UserID != 0 {
		add("a.user_id = ?", f.UserID)
	}
	if !f.From.IsZero() {
		add("a.at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("a.at < ?", f.To)
	}
	if f.Before > 0 {
		add("a.id < ?", f.Before)
	}
	args = append(args, f.Limit)
	var out []crm.AuditEntry
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT a.id, a.at, COALESCE(a.user_id, 0), COALESCE(u.name, ''), a.entity, COALESCE(a.entity_id, 0),
			       a.action, a.old_value, a.new_value,
			       COALESCE(CASE a.entity
			         WHEN 'milestone' THEN (SELECT name FROM milestone_defs x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'statuses' THEN (SELECT name FROM milestone_statuses x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'reasons' THEN (SELECT name FROM archive_reasons x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'sources' THEN (SELECT name FROM lead_sources x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'user' THEN (SELECT name FROM users x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'quota' THEN (SELECT name FROM users x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'workgroup' THEN (SELECT name FROM workgroups x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'account' THEN (SELECT name FROM accounts x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			         WHEN 'contact' THEN (SELECT name FROM contacts x WHERE x.tenant_id = $1 AND x.id = a.entity_id)
			       END, '')
			  FROM audit_log a LEFT JOIN users u ON u.tenant_id = $1 AND u.id = a.user_id
			 WHERE `+strings.Join(where, " AND ")+`
			 ORDER BY a.id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return fmt.Errorf("list audit: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e crm.AuditEntry
			if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.UserName, &e.Entity, &e.EntityID, &e.Action, &e.OldValue, &e.NewValue, &e.Subject); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

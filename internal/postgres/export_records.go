package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// ExportAccounts streams the accounts v may see (Scope.AccountWhere), in ID
// order, in one statement: one consistent snapshot, rows handed to each
// as they arrive. An error of each ends the export with it.
func (db *DB) ExportAccounts(ctx context.Context, v crm.Viewer, each func(*crm.Account) error) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant}
		rows, err := tx.Query(ctx, `SELECT a.id, a.name, a.email, a.phone, a.address, a.created_at FROM accounts a
			 WHERE a.tenant_id = $1 AND `+scope.AccountWhere("a", &args)+` ORDER BY a.id`, args...)
		if err != nil {
			return fmt.Errorf("export accounts: %w", err)
		}
		defer rows.Close()
		var a crm.Account
		for rows.Next() {
			if err := rows.Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt); err != nil {
				return fmt.Errorf("export accounts: %w", err)
			}
			if err := each(&a); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// ContactRecord is a contact with its account's name, as the contacts file
// holds it.
type ContactRecord struct {
	crm.Contact
	Account string
}

// ExportContacts streams the contacts v may see (Scope.ContactWhere), in
// ID order, like ExportAccounts.
func (db *DB) ExportContacts(ctx context.Context, v crm.Viewer, each func(*ContactRecord) error) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant}
		rows, err := tx.Query(ctx, `SELECT c.id, c.account_id, a.name, c.name, c.email, c.phone, c.created_at FROM contacts c
			  JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
			 WHERE c.tenant_id = $1 AND `+scope.ContactWhere("c", &args)+` ORDER BY c.id`, args...)
		if err != nil {
			return fmt.Errorf("export contacts: %w", err)
		}
		defer rows.Close()
		var c ContactRecord
		for rows.Next() {
			if err := rows.Scan(&c.ID, &c.AccountID, &c.Account, &c.Name, &c.Email, &c.Phone, &c.CreatedAt); err != nil {
				return fmt.Errorf("export contacts: %w", err)
			}
			if err := each(&c); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// LogRecord is one project log entry as the log file holds it: with its
// project's title and external ID, and its author's e-mail.
type LogRecord struct {
	crm.LogEntry
	Project    string
	ExternalID string
	UserEmail  string
}

// ExportLog streams the log entries of the projects v may see, by project
// and time, like ExportAccounts.
func (db *DB) ExportLog(ctx context.Context, v crm.Viewer, each func(*LogRecord) error) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant}
		rows, err := tx.Query(ctx, `SELECT l.project_id, p.title, CASE WHEN p.external_id <> '' THEN p.external_id ELSE p.id::text END,
			       l.at, COALESCE(u.email, ''), l.kind, l.field, l.old_value, l.new_value, l.body, l.happened_at
			  FROM project_log l
			  JOIN projects p ON p.tenant_id = $1 AND p.id = l.project_id
			  LEFT JOIN users u ON u.tenant_id = $1 AND u.id = l.user_id
			 WHERE l.tenant_id = $1 AND `+scope.Where("p", &args)+` ORDER BY l.project_id, l.at, l.id`, args...)
		if err != nil {
			return fmt.Errorf("export log: %w", err)
		}
		defer rows.Close()
		var r LogRecord
		var happened *time.Time
		for rows.Next() {
			if err := rows.Scan(&r.ProjectID, &r.Project, &r.ExternalID, &r.At, &r.UserEmail, &r.Kind, &r.Field, &r.OldValue,
				&r.NewValue, &r.Body, &happened); err != nil {
				return fmt.Errorf("export log: %w", err)
			}
			r.HappenedAt = timeOf(happened)
			if err := each(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

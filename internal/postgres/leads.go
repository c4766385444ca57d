package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// DecideLead is a pure decision on a new lead (crm.DecideLead) given the
// tenant's setup and the existing contacts that share the typed contact's
// e-mail or phone.
type DecideLead func(s crm.Setup, dups []crm.Duplicate) (crm.Lead, crm.Change, error)

// CreateLead creates a lead in one transaction: it loads what the decision
// consults (the setup, and the contacts with the e-mail or phone typed for
// a new contact), lets decide say what is created, and writes it: a new
// account and contact if given, the project, its rows and log, and its
// derived data. An existing account or contact that the viewer cannot see
// (Scope.AccountWhere, ContactWhere), or that is not the tenant's, is
// crm.ErrNotFound: a lead does not attach another rep's customer; a
// contact of another account is a field error.
func (db *DB) CreateLead(ctx context.Context, v crm.Viewer, email, phone string, decide DecideLead) (crm.ProjectID, error) {
	var id crm.ProjectID
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		s, err := tx.Setup(ctx)
		if err != nil {
			return err
		}
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		dups, err := tx.duplicates(ctx, scope, email, phone)
		if err != nil {
			return err
		}
		l, ch, err := decide(s, dups)
		if err != nil {
			return err
		}
		p := &ch.Project
		if l.NewAccount != nil {
			acc, err := tx.insertAccount(ctx, *l.NewAccount)
			if err != nil {
				return err
			}
			p.AccountID = acc.ID
		} else {
			args := []any{tx.Tenant, p.AccountID}
			q := `SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2 AND ` + scope.AccountWhere("a", &args) + ` FOR SHARE OF a`
			if err := tx.QueryRow(ctx, q, args...).Scan(&p.AccountID); err != nil {
				return fmt.Errorf("lead account: %w", translate(err))
			}
		}
		switch {
		case l.NewContact != nil:
			c := *l.NewContact
			c.AccountID = p.AccountID
			c, err := tx.insertContact(ctx, c)
			if err != nil {
				return err
			}
			p.ContactID = c.ID
		case p.ContactID != 0:
			var account int64
			args := []any{tx.Tenant, p.ContactID}
			q := `SELECT c.account_id FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2 AND ` + scope.ContactWhere("c", &args) + ` FOR SHARE OF c`
			if err := tx.QueryRow(ctx, q, args...).Scan(&account); err != nil {
				return fmt.Errorf("lead contact: %w", translate(err))
			}
			if account != p.AccountID {
				return crm.FieldError("contact_id", crm.MsgUnknownChoice)
			}
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO projects (tenant_id, title, account_id, contact_id, owner_id, source_id, referrer, scope, value_cents,
			                      expected_close, state, forecast_category, created_at, created_by, updated_at, last_activity_at)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5, NULLIF($6, 0), $7, $8, $9, $10, $11, $12, $13, $14, $13, $13)
			RETURNING id`,
			tx.Tenant, p.Title, p.AccountID, p.ContactID, p.OwnerID, p.SourceID, p.Referrer, p.Scope, p.Value,
			nullDate(p.ExpectedClose), p.State, p.Forecast, p.CreatedAt, v.UserID).Scan(&id)
		if err != nil {
			if isForeignKey(err) {
				return crm.FieldError("owner_id", crm.MsgUnknownChoice)
			}
			return fmt.Errorf("insert project: %w", err)
		}
		p.ID = id
		ch.Touch = false // the row is written; its rows follow
		b := &pgx.Batch{}
		queueRows(b, tx.Tenant, ch)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("create lead: %w", err)
		}
		return tx.derive(ctx, []crm.ProjectID{id}, map[crm.ProjectID]before{id: {new: true}})
	})
	return id, err
}

// duplicates finds contacts with the same e-mail (case-insensitive: the
// email_key column, which unlike lower(email) an index can answer under
// row-level security) or the same normalised phone number (phone.Normal),
// each an index lookup. Those the viewer cannot see (Scope.ContactWhere) come
// back Hidden, with nothing of them but what matched: their names and IDs
// do not leave the database.
func (tx *Tx) duplicates(ctx context.Context, scope Scope, email, phone string) ([]crm.Duplicate, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	norm, err := tx.normalPhone(ctx, phone)
	if err != nil {
		return nil, err
	}
	if email == "" && norm == "" {
		return nil, nil
	}
	args := []any{tx.Tenant, email, norm, crm.MatchEmail, crm.MatchPhone}
	visible := scope.ContactWhere("c", &args)
	rows, err := tx.Query(ctx, `
		SELECT d.visible, CASE WHEN d.visible THEN d.id ELSE 0 END, CASE WHEN d.visible THEN d.name ELSE '' END,
		       CASE WHEN d.visible THEN d.account_id ELSE 0 END, CASE WHEN d.visible THEN d.account_name ELSE '' END,
		       CASE WHEN d.visible THEN d.email ELSE '' END, CASE WHEN d.visible THEN d.phone ELSE '' END, d.match
		  FROM (SELECT c.id, c.name, a.id AS account_id, a.name AS account_name, c.email, c.phone,
		               CASE WHEN $2 <> '' AND lower(c.email) = $2 THEN $4 ELSE $5 END AS match, `+visible+` AS visible
		          FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
		         WHERE c.tenant_id = $1
		           AND ((c.email_key = lower($2) AND c.email_key <> '')
		             OR (c.phone_norm = $3 AND c.phone_norm <> ''))) d
		 ORDER BY d.visible DESC, d.id LIMIT 10`, args...)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Duplicate, error) {
		var d crm.Duplicate
		var visible bool
		err := r.Scan(&visible, &d.ContactID, &d.ContactName, &d.AccountID, &d.AccountName, &d.Email, &d.Phone, &d.Match)
		d.Hidden = !visible
		return d, err
	})
}

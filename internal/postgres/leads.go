package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Duplicate is an existing contact whose e-mail or phone matches a new lead's.
type Duplicate struct {
	ContactID   int64
	ContactName string
	AccountID   int64
	AccountName string
	Email       string
	Phone       string
}

// DuplicateError says a new lead's contact already exists in the tenant;
// nothing was written. The user may confirm and create the lead anyway.
type DuplicateError struct {
	Matches []Duplicate
}

func (e *DuplicateError) Error() string { return fmt.Sprintf("%d possible duplicates", len(e.Matches)) }

// CreateLead writes a validated lead: a new account and contact if given,
// the project, the first milestone completed at the creation time and the
// log, in one transaction. An existing account or contact that is not the
// tenant's is crm.ErrNotFound; a contact of another account is a field error;
// a new contact whose e-mail or phone exists is *DuplicateError unless
// confirmed.
func (db *DB) CreateLead(ctx context.Context, a crm.Actor, l crm.Lead) (crm.ProjectID, error) {
	var id crm.ProjectID
	err := db.InTenant(ctx, a.Viewer.TenantID, func(tx *Tx) error {
		p := &l.Project
		if l.NewContact != nil && !l.ConfirmDuplicate {
			dups, err := tx.duplicates(ctx, l.NewContact.Email, l.NewContact.Phone)
			if err != nil {
				return err
			}
			if len(dups) > 0 {
				return &DuplicateError{Matches: dups}
			}
		}
		if l.NewAccount != nil {
			acc, err := tx.insertAccount(ctx, *l.NewAccount)
			if err != nil {
				return err
			}
			p.AccountID = acc.ID
		} else if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE tenant_id = $1 AND id = $2`, tx.Tenant, p.AccountID).Scan(&p.AccountID); err != nil {
			return fmt.Errorf("lead account: %w", translate(err))
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
			if err := tx.QueryRow(ctx, `SELECT account_id FROM contacts WHERE tenant_id = $1 AND id = $2`, tx.Tenant, p.ContactID).Scan(&account); err != nil {
				return fmt.Errorf("lead contact: %w", translate(err))
			}
			if account != p.AccountID {
				return crm.FieldError("contact_id", crm.MsgUnknownChoice)
			}
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO projects (tenant_id, title, account_id, contact_id, owner_id, source_id, referrer, scope, value_cents,
			                      expected_close, state, forecast_category, created_at, created_by, updated_at, last_activity_at)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5, NULLIF($6, 0), $7, $8, $9, $10, 'active', 'pipeline', $11, $12, $11, $11)
			RETURNING id`,
			tx.Tenant, p.Title, p.AccountID, p.ContactID, p.OwnerID, p.SourceID, p.Referrer, p.Scope, p.Value,
			nullDate(p.ExpectedClose), a.Now, a.Viewer.UserID).Scan(&id)
		if err != nil {
			if isForeignKey(err) {
				return crm.FieldError("owner_id", crm.MsgUnknownChoice)
			}
			return fmt.Errorf("insert project: %w", err)
		}
		p.ID = id
		defs, err := tx.MilestoneDefs(ctx)
		if err != nil {
			return err
		}
		ch := crm.DecideCreate(l, defs, a)
		ch.Project.ID = id
		for i := range ch.Log {
			ch.Log[i].ProjectID = id
		}
		for i := range ch.Events {
			ch.Events[i].ProjectID = id
		}
		// The project row is written; its rows follow in one round trip.
		if db.failAfterFirstWrite != nil {
			return db.failAfterFirstWrite
		}
		return tx.applyRows(ctx, ch)
	})
	return id, err
}

// duplicates finds contacts with the same e-mail (case-insensitive) or the
// same phone digits.
func (tx *Tx) duplicates(ctx context.Context, email, phone string) ([]Duplicate, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	digits := crm.PhoneDigits(phone)
	if email == "" && len(digits) < 3 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.name, a.id, a.name, c.email, c.phone
		  FROM contacts c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id
		 WHERE c.tenant_id = $1
		   AND (($2 <> '' AND lower(c.email) = $2 AND c.email <> '')
		     OR ($3 <> '' AND c.phone <> '' AND regexp_replace(c.phone, '[^0-9]', '', 'g') = $3))
		 ORDER BY c.id LIMIT 10`, tx.Tenant, email, digits)
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Duplicate, error) {
		var d Duplicate
		err := r.Scan(&d.ContactID, &d.ContactName, &d.AccountID, &d.AccountName, &d.Email, &d.Phone)
		return d, err
	})
}

package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

func (tx *Tx) insertAccount(ctx context.Context, a crm.Account) (crm.Account, error) {
	err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name, email, phone, address) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, created_at`, tx.Tenant, a.Name, a.Email, a.Phone, a.Address).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return a, fmt.Errorf("insert account: %w", err)
	}
	return a, nil
}

func (tx *Tx) insertContact(ctx context.Context, c crm.Contact) (crm.Contact, error) {
	err := tx.QueryRow(ctx, `INSERT INTO contacts (tenant_id, account_id, name, email, phone) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, created_at`, tx.Tenant, c.AccountID, c.Name, c.Email, c.Phone).Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		if isForeignKey(err) {
			return c, crm.ErrNotFound
		}
		return c, fmt.Errorf("insert contact: %w", err)
	}
	return c, nil
}

// AccountRow is an account in a list, with its number of projects.
type AccountRow struct {
	crm.Account
	Contacts int
}

// Accounts lists the tenant's accounts whose name, e-mail or phone contains
// q (all when q is empty), by name, at most limit. Accounts are the tenant's
// customer directory: every user of the tenant may see them; projects keep
// their own visibility.
func (db *DB) Accounts(ctx context.Context, tenant crm.TenantID, q string, limit int) ([]AccountRow, error) {
	var out []AccountRow
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		pattern := "%" + escapeLike(strings.ToLower(strings.TrimSpace(q))) + "%"
		rows, err := tx.Query(ctx, `
			SELECT a.id, a.name, a.email, a.phone, a.address, a.created_at,
			       (SELECT count(*) FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = a.id)
			  FROM accounts a
			 WHERE a.tenant_id = $1 AND ($2 = '%%' OR lower(a.name) LIKE $2 OR lower(a.email) LIKE $2 OR a.phone LIKE $2)
			 ORDER BY lower(a.name), a.id LIMIT $3`, tx.Tenant, pattern, limit)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountRow, error) {
			var a AccountRow
			err := r.Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt, &a.Contacts)
			return a, err
		})
		return err
	})
	return out, err
}

// ProjectRow is a project in a list on an account or contact page.
type ProjectRow struct {
	ID    crm.ProjectID
	Title string
	State crm.State
	Owner string
	Value int64
}

// AccountPage is an account with its contacts and the projects the viewer can see.
type AccountPage struct {
	Account  crm.Account
	Contacts []crm.Contact
	Projects []ProjectRow
}

// Account loads an account of the tenant (crm.ErrNotFound otherwise).
func (db *DB) Account(ctx context.Context, v crm.Viewer, id int64) (AccountPage, error) {
	var out AccountPage
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		a := &out.Account
		err := tx.QueryRow(ctx, `SELECT id, name, email, phone, address, created_at FROM accounts WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, id).Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt)
		if err != nil {
			return fmt.Errorf("load account %d: %w", id, translate(err))
		}
		rows, err := tx.Query(ctx, `SELECT id, account_id, name, email, phone, created_at FROM contacts
			WHERE tenant_id = $1 AND account_id = $2 ORDER BY lower(name), id`, tx.Tenant, id)
		if err != nil {
			return err
		}
		if out.Contacts, err = pgx.CollectRows(rows, scanContact); err != nil {
			return err
		}
		out.Projects, err = tx.visibleProjects(ctx, v, "p.account_id", id)
		return err
	})
	return out, err
}

func scanContact(r pgx.CollectableRow) (crm.Contact, error) {
	var c crm.Contact
	err := r.Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, &c.CreatedAt)
	return c, err
}

func (tx *Tx) visibleProjects(ctx context.Context, v crm.Viewer, column string, id int64) ([]ProjectRow, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	args := []any{tx.Tenant, id}
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.title, p.state, u.name, p.value_cents
		  FROM projects p JOIN users u ON u.tenant_id = $1 AND u.id = p.owner_id
		 WHERE p.tenant_id = $1 AND `+column+` = $2 AND `+scope.Where("p", &args)+`
		 ORDER BY p.created_at DESC, p.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProjectRow, error) {
		var p ProjectRow
		err := r.Scan(&p.ID, &p.Title, &p.State, &p.Owner, &p.Value)
		return p, err
	})
}

// SaveAccount creates (ID 0) or updates an account and returns its ID.
func (db *DB) SaveAccount(ctx context.Context, tenant crm.TenantID, a crm.Account) (int64, error) {
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		if a.ID == 0 {
			var err error
			a, err = tx.insertAccount(ctx, a)
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET name = $3, email = $4, phone = $5, address = $6 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, a.ID, a.Name, a.Email, a.Phone, a.Address)
		if err == nil && tag.RowsAffected() == 0 {
			return crm.ErrNotFound
		}
		if err != nil {
			return err
		}
		return tx.deriveWhere(ctx, "p.account_id = $3", a.ID) // the customer name shown and searched
	})
	return a.ID, err
}

// ContactPage is a contact, its account and the projects the viewer can see.
type ContactPage struct {
	Contact  crm.Contact
	Account  crm.Account
	Projects []ProjectRow
}

// Contact loads a contact of the tenant (crm.ErrNotFound otherwise).
func (db *DB) Contact(ctx context.Context, v crm.Viewer, id int64) (ContactPage, error) {
	var out ContactPage
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		c, a := &out.Contact, &out.Account
		err := tx.QueryRow(ctx, `SELECT c.id, c.account_id, c.name, c.email, c.phone, c.created_at, a.id, a.name
			  FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
			 WHERE c.tenant_id = $1 AND c.id = $2`, tx.Tenant, id).
			Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, &c.CreatedAt, &a.ID, &a.Name)
		if err != nil {
			return fmt.Errorf("load contact %d: %w", id, translate(err))
		}
		out.Projects, err = tx.visibleProjects(ctx, v, "p.contact_id", id)
		return err
	})
	return out, err
}

// SaveContact creates (ID 0, for AccountID) or updates a contact.
func (db *DB) SaveContact(ctx context.Context, tenant crm.TenantID, c crm.Contact) (int64, error) {
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		if c.ID == 0 {
			var err error
			c, err = tx.insertContact(ctx, c)
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE contacts SET name = $3, email = $4, phone = $5 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, c.ID, c.Name, c.Email, c.Phone)
		if err == nil && tag.RowsAffected() == 0 {
			return crm.ErrNotFound
		}
		if err != nil {
			return err
		}
		return tx.deriveWhere(ctx, "p.contact_id = $3", c.ID) // the contact searched
	})
	return c.ID, err
}

package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Accounts and contacts follow project visibility (Scope.AccountWhere and
// Scope.ContactWhere): every read and write here is in the viewer's scope,
// and a record outside it is crm.ErrNotFound, as a missing one is.

// insertAccount writes a new account and audits its creation by its creator.
func (tx *Tx) insertAccount(ctx context.Context, a crm.Account) (crm.Account, error) {
	norm, err := tx.normalPhone(ctx, a.Phone)
	if err != nil {
		return a, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name, email, phone, address, created_by, phone_norm) VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, created_at`, tx.Tenant, a.Name, a.Email, a.Phone, a.Address, nullID(int64(a.CreatedBy)), norm).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return a, fmt.Errorf("insert account: %w", err)
	}
	return a, tx.audit(ctx, a.CreatedBy, "account", a.ID, "created", "", a.Name)
}

// insertContact writes a new contact and audits its creation by its creator.
func (tx *Tx) insertContact(ctx context.Context, c crm.Contact) (crm.Contact, error) {
	norm, err := tx.normalPhone(ctx, c.Phone)
	if err != nil {
		return c, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO contacts (tenant_id, account_id, name, email, phone, created_by, phone_norm) VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, created_at`, tx.Tenant, c.AccountID, c.Name, c.Email, c.Phone, nullID(int64(c.CreatedBy)), norm).Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		if isForeignKey(err) {
			return c, crm.ErrNotFound
		}
		return c, fmt.Errorf("insert contact: %w", err)
	}
	return c, tx.audit(ctx, c.CreatedBy, "contact", c.ID, "created", "", c.Name)
}

// AccountRow is an account in a list, with the number of its contacts the
// viewer can see.
type AccountRow struct {
	crm.Account
	Contacts int
}

// Accounts lists the accounts the viewer can see whose name, e-mail or
// phone contains q (all when q is empty), by name, at most limit.
func (db *DB) Accounts(ctx context.Context, v crm.Viewer, q string, limit int) ([]AccountRow, error) {
	var out []AccountRow
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		out, err = tx.accounts(ctx, scope, q, limit)
		return err
	})
	return out, err
}

// accounts is Accounts in tx for scope.
func (tx *Tx) accounts(ctx context.Context, scope Scope, q string, limit int) ([]AccountRow, error) {
	pattern := "%" + escapeLike(strings.ToLower(strings.TrimSpace(q))) + "%"
	args := []any{tx.Tenant, pattern, limit}
	contacts := scope.ContactWhere("c", &args)
	accounts := scope.AccountWhere("a", &args)
	rows, err := tx.Query(ctx, `
		SELECT a.id, a.name, a.email, a.phone, a.address, a.created_at, COALESCE(a.created_by, 0),
		       (SELECT count(*) FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = a.id AND `+contacts+`)
		  FROM accounts a
		 WHERE a.tenant_id = $1 AND ($2 = '%%' OR lower(a.name) LIKE $2 OR lower(a.email) LIKE $2 OR a.phone LIKE $2)
		   AND `+accounts+`
		 ORDER BY lower(a.name), a.id LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountRow, error) {
		var a AccountRow
		err := r.Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt, &a.CreatedBy, &a.Contacts)
		return a, err
	})
}

// ProjectRow is a project in a list on an account or contact page.
type ProjectRow struct {
	ID    crm.ProjectID
	Title string
	State crm.State
	Owner string
	Value int64
}

// AccountPage is an account with the contacts and projects the viewer can see.
type AccountPage struct {
	Account  crm.Account
	Contacts []crm.Contact
	Projects []ProjectRow
}

const accountColumns = `a.id, a.name, a.email, a.phone, a.address, a.created_at, COALESCE(a.created_by, 0)`

func scanAccount(row pgx.Row, a *crm.Account, more ...any) error {
	return row.Scan(append([]any{&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt, &a.CreatedBy}, more...)...)
}

// Account loads an account the viewer can see (crm.ErrNotFound otherwise).
func (db *DB) Account(ctx context.Context, v crm.Viewer, id int64) (AccountPage, error) {
	var out AccountPage
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant, id}
		q := `SELECT ` + accountColumns + ` FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2 AND ` + scope.AccountWhere("a", &args)
		if err := scanAccount(tx.QueryRow(ctx, q, args...), &out.Account); err != nil {
			return fmt.Errorf("load account %d: %w", id, translate(err))
		}
		args = []any{tx.Tenant, id}
		q = `SELECT ` + contactColumns + ` FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = $2 AND ` +
			scope.ContactWhere("c", &args) + ` ORDER BY lower(c.name), c.id`
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		if out.Contacts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Contact, error) {
			var c crm.Contact
			return c, scanContact(r, &c)
		}); err != nil {
			return err
		}
		out.Projects, err = tx.visibleProjects(ctx, scope, "p.account_id", id)
		return err
	})
	return out, err
}

const contactColumns = `c.id, c.account_id, c.name, c.email, c.phone, c.created_at, COALESCE(c.created_by, 0)`

func scanContact(row pgx.Row, c *crm.Contact, more ...any) error {
	return row.Scan(append([]any{&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, &c.CreatedAt, &c.CreatedBy}, more...)...)
}

func (tx *Tx) visibleProjects(ctx context.Context, scope Scope, column string, id int64) ([]ProjectRow, error) {
	args := []any{tx.Tenant, id}
	q := `
		SELECT p.id, p.title, p.state, u.name, p.value_cents
		  FROM projects p JOIN users u ON u.tenant_id = $1 AND u.id = p.owner_id
		 WHERE p.tenant_id = $1 AND ` + column + ` = $2 AND ` + scope.Where("p", &args) + `
		 ORDER BY p.created_at DESC, p.id DESC LIMIT 200`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProjectRow, error) {
		var p ProjectRow
		err := r.Scan(&p.ID, &p.Title, &p.State, &p.Owner, &p.Value)
		return p, err
	})
}

// DecideAccount is a pure decision on saving an account (crm.DecideAccount)
// over its stored version, the zero Account for a new one.
type DecideAccount func(old crm.Account) (crm.AccountEdit, error)

// SaveAccount creates (id 0) or changes an account the viewer can see and
// returns its ID. A change locks the account, lets decide say what changes
// and writes it with its record in the same transaction: a log entry per
// changed field on every project of the account, the same in the audit log
// (which records changes to accounts without projects too), and the
// derived data of those projects (the customer name shown and searched).
func (db *DB) SaveAccount(ctx context.Context, a crm.Actor, id int64, decide DecideAccount) (int64, error) {
	err := db.InTenant(ctx, a.Viewer.TenantID, func(tx *Tx) error {
		if id == 0 {
			e, err := decide(crm.Account{})
			if err != nil {
				return err
			}
			acc, err := tx.insertAccount(ctx, e.Account)
			id = acc.ID
			return err
		}
		scope, err := tx.Scope(ctx, a.Viewer)
		if err != nil {
			return err
		}
		var old crm.Account
		args := []any{tx.Tenant, id}
		q := `SELECT ` + accountColumns + ` FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2 AND ` +
			scope.AccountWhere("a", &args) + ` FOR UPDATE OF a`
		if err := scanAccount(tx.QueryRow(ctx, q, args...), &old); err != nil {
			return fmt.Errorf("lock account %d: %w", id, translate(err))
		}
		e, err := decide(old)
		if err != nil {
			return err
		}
		return tx.applyAccountEdit(ctx, a, id, e)
	})
	return id, err
}

// applyAccountEdit writes a decided change of the account id, locked by
// the caller (applyCustomerEdits).
func (tx *Tx) applyAccountEdit(ctx context.Context, a crm.Actor, id int64, e crm.AccountEdit) error {
	return tx.applyCustomerEdits(ctx, a.Viewer.UserID, "account", []customerEdit{accountEditOf(a, id, e)})
}

// customerEdit is a decided change of one account or contact: its ID, the
// fields that change with their log entries, and its values after.
type customerEdit struct {
	ID                          int64
	Changes                     []crm.FieldChange
	Log                         []crm.LogEntry
	Name, Email, Phone, Address string
}

func accountEditOf(a crm.Actor, id int64, e crm.AccountEdit) customerEdit {
	n := e.Account
	return customerEdit{ID: id, Changes: e.Changes, Log: e.Log(a.Viewer.UserID, a.Now), Name: n.Name, Email: n.Email, Phone: n.Phone,
		Address: n.Address}
}

func contactEditOf(a crm.Actor, id int64, e crm.ContactEdit) customerEdit {
	n := e.Contact
	return customerEdit{ID: id, Changes: e.Changes, Log: e.Log(a.Viewer.UserID, a.Now), Name: n.Name, Email: n.Email, Phone: n.Phone}
}

// applyCustomerEdits writes decided changes of accounts (entity "account")
// or contacts ("contact"), locked by the caller, by by: their fields with
// the phone's normalised form, the record of each change, and the derived
// data of their projects (the customer name shown and searched). An edit
// without changes writes nothing. Many edits take a few round trips, not a
// few per edit.
func (tx *Tx) applyCustomerEdits(ctx context.Context, by crm.UserID, entity string, edits []customerEdit) error {
	b := &pgx.Batch{}
	var ids []int64
	for _, e := range edits {
		if len(e.Changes) == 0 {
			continue
		}
		norm, err := tx.normalPhone(ctx, e.Phone)
		if err != nil {
			return err
		}
		if entity == "account" {
			b.Queue(`UPDATE accounts SET name = $3, email = $4, phone = $5, address = $6, phone_norm = $7 WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, e.ID, e.Name, e.Email, e.Phone, e.Address, norm)
		} else {
			b.Queue(`UPDATE contacts SET name = $3, email = $4, phone = $5, phone_norm = $6 WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, e.ID, e.Name, e.Email, e.Phone, norm)
		}
		ids = append(ids, e.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("update %s: %w", entity, err)
	}
	if err := tx.recordCustomerChanges(ctx, by, entity, edits); err != nil {
		return err
	}
	return tx.deriveWhere(ctx, "p."+entity+"_id = ANY($3)", ids)
}

// ContactPage is a contact, its account and the projects the viewer can see.
type ContactPage struct {
	Contact crm.Contact
	Account crm.Account
	// AccountVisible: the viewer can see the account too (a contact they
	// created may sit on an account that is now another rep's).
	AccountVisible bool
	Projects       []ProjectRow
}

// Contact loads a contact the viewer can see (crm.ErrNotFound otherwise).
func (db *DB) Contact(ctx context.Context, v crm.Viewer, id int64) (ContactPage, error) {
	var out ContactPage
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant, id}
		contact := scope.ContactWhere("c", &args)
		account := scope.AccountWhere("a", &args)
		a := &out.Account
		q := `SELECT ` + contactColumns + `, a.id, a.name, ` + account + `
			  FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
			 WHERE c.tenant_id = $1 AND c.id = $2 AND ` + contact
		if err := scanContact(tx.QueryRow(ctx, q, args...), &out.Contact, &a.ID, &a.Name, &out.AccountVisible); err != nil {
			return fmt.Errorf("load contact %d: %w", id, translate(err))
		}
		if !out.AccountVisible {
			out.Account = crm.Account{}
		}
		out.Projects, err = tx.visibleProjects(ctx, scope, "p.contact_id", id)
		return err
	})
	return out, err
}

// DecideContact is a pure decision on saving a contact (crm.DecideContact)
// over its stored version; for a new contact, a zero Contact of its account.
type DecideContact func(old crm.Contact) (crm.ContactEdit, error)

// AddContact adds a contact to an account the viewer can see and returns
// its ID; its creation is audited.
func (db *DB) AddContact(ctx context.Context, a crm.Actor, account int64, decide DecideContact) (int64, error) {
	var id int64
	err := db.InTenant(ctx, a.Viewer.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, a.Viewer)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant, account}
		// FOR SHARE: the account stays while its contact is written.
		q := `SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2 AND ` + scope.AccountWhere("a", &args) + ` FOR SHARE OF a`
		if err := tx.QueryRow(ctx, q, args...).Scan(&account); err != nil {
			return fmt.Errorf("contact's account %d: %w", account, translate(err))
		}
		e, err := decide(crm.Contact{AccountID: account})
		if err != nil {
			return err
		}
		c, err := tx.insertContact(ctx, e.Contact)
		id = c.ID
		return err
	})
	return id, err
}

// SaveContact changes a contact the viewer can see, with its record as
// SaveAccount writes it: a log entry per changed field on every project of
// which it is the contact, the audit log, and those projects' derived data.
func (db *DB) SaveContact(ctx context.Context, a crm.Actor, id int64, decide DecideContact) error {
	return db.InTenant(ctx, a.Viewer.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, a.Viewer)
		if err != nil {
			return err
		}
		var old crm.Contact
		args := []any{tx.Tenant, id}
		q := `SELECT ` + contactColumns + ` FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2 AND ` +
			scope.ContactWhere("c", &args) + ` FOR UPDATE OF c`
		if err := scanContact(tx.QueryRow(ctx, q, args...), &old); err != nil {
			return fmt.Errorf("lock contact %d: %w", id, translate(err))
		}
		e, err := decide(old)
		if err != nil {
			return err
		}
		return tx.applyContactEdit(ctx, a, id, e)
	})
}

// applyContactEdit writes a decided change of the contact id, locked by
// the caller (applyCustomerEdits).
func (tx *Tx) applyContactEdit(ctx context.Context, a crm.Actor, id int64, e crm.ContactEdit) error {
	return tx.applyCustomerEdits(ctx, a.Viewer.UserID, "contact", []customerEdit{contactEditOf(a, id, e)})
}

// recordCustomerChanges writes the record of changes to accounts or
// contacts (entity): the log entries on every project linked to each, all
// of them and not only those the editor can see (the change shows on
// each), and one audit entry per changed field, which is the record of a
// change to an account or contact no project links to.
func (tx *Tx) recordCustomerChanges(ctx context.Context, by crm.UserID, entity string, edits []customerEdit) error {
	logs := make(map[int64][]crm.LogEntry, len(edits))
	b := &pgx.Batch{}
	for _, e := range edits {
		logs[e.ID] = append(logs[e.ID], e.Log...)
		for _, c := range e.Changes {
			tx.queueAudit(b, by, entity, e.ID, c.Field, c.Old, c.New)
		}
	}
	if err := tx.linkedLog(ctx, "p."+entity+"_id", logs); err != nil {
		return fmt.Errorf("log %s change: %w", entity, err)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("audit %s changes: %w", entity, err)
	}
	return nil
}

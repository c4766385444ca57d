package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/phone"
)

// PickerResult is what the new-lead form's customer picker finds.
type PickerResult struct {
	// Accounts, Contacts: up to limit+1 each (one more says there are
	// more); an account comes with the number of its contacts the viewer
	// can see, a contact with its account's name.
	Accounts []AccountRow
	Contacts []ContactHit
	// TooSlow: the lookup ran out of its time (searchRecordsFor) and
	// found nothing to show.
	TooSlow bool
}

// PickCustomers finds the accounts and contacts the viewer can see
// (Scope.AccountWhere, Scope.ContactWhere) whose name starts with text
// (case-insensitive), or one of whose later words does (for text of three
// characters or more), whose e-mail is text, or, when text is a phone
// number being typed, whose normalised phone starts with it (phone.Prefix
// in the tenant's country), by name. Each lookup reads an index
// (accounts/contacts_name_prefix_idx in order, the trigram name indexes,
// the e-mail and phone_norm indexes) and stops at limit+1 visible rows;
// the statement is bounded in time as the header search is, so its cost
// does not grow with the tenant. Text that is empty after trimming finds
// nothing.
func (db *DB) PickCustomers(ctx context.Context, v crm.Viewer, text string, limit int) (PickerResult, error) {
	var out PickerResult
	text = strings.ToLower(strings.TrimSpace(text))
	if text == "" {
		return out, nil
	}
	var err error
	out.TooSlow, err = db.bounded(ctx, v, func(tx *Tx, scope Scope) error {
		region, err := tx.phoneRegion(ctx)
		if err != nil {
			return err
		}
		var phonePattern string
		if p := phone.Prefix(text, region); p != "" {
			phonePattern = escapeLike(p) + "%"
		}
		m := pickMatch{prefix: escapeLike(text) + "%", email: text, phone: phonePattern}
		if utf8.RuneCountInString(text) >= 3 { // a trigram
			m.word = "% " + escapeLike(text) + "%"
		}
		if out.Accounts, err = tx.pickAccounts(ctx, scope, m, limit+1); err != nil {
			return err
		}
		out.Contacts, err = tx.pickContacts(ctx, scope, m, limit+1)
		return err
	})
	if out.TooSlow {
		out.Accounts, out.Contacts = nil, nil
	}
	return out, err
}

// pickMatch is what PickCustomers looks for: LIKE patterns of the name's
// start, a later word's start ("" for none) and the normalised phone's
// start ("" for none), and the e-mail.
type pickMatch struct{ prefix, word, phone, email string }

// pickAccounts is the account half of PickCustomers. The visibility
// predicate sits inside each branch, so that a salesperson's matches are
// not cut off by other reps' accounts that sort before them.
func (tx *Tx) pickAccounts(ctx context.Context, scope Scope, m pickMatch, limit int) ([]AccountRow, error) {
	args := []any{tx.Tenant, m.prefix, m.email, m.phone, limit, m.word}
	byName := scope.AccountWhere("a", &args)
	byWord := scope.AccountWhere("a", &args)
	byEmail := scope.AccountWhere("a", &args)
	byPhone := scope.AccountWhere("a", &args)
	contacts := scope.ContactWhere("c", &args)
	q := `
		SELECT ` + accountColumns + `,
		       (SELECT count(*) FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = a.id AND ` + contacts + `)
		  FROM accounts a
		 WHERE a.tenant_id = $1 AND a.id IN (
		       (SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND lower(a.name) COLLATE "C" LIKE $2 AND ` + byName + `
		         ORDER BY lower(a.name) COLLATE "C", a.id LIMIT $5)
		       UNION ALL
		       (SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND $6 <> '' AND lower(a.name) LIKE $6 AND ` + byWord + ` LIMIT $5)
		       UNION ALL
		       (SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND lower(a.email) = $3 AND a.email <> '' AND ` + byEmail + ` LIMIT $5)
		       UNION ALL
		       (SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND $4 <> '' AND a.phone_norm <> '' AND a.phone_norm LIKE $4 AND ` + byPhone + `
		         ORDER BY a.phone_norm, a.id LIMIT $5))
		 ORDER BY lower(a.name) COLLATE "C", a.id LIMIT $5`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pick accounts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountRow, error) {
		var a AccountRow
		return a, scanAccount(r, &a.Account, &a.Contacts)
	})
}

// pickContacts is the contact half of PickCustomers, each contact with its
// account's name.
func (tx *Tx) pickContacts(ctx context.Context, scope Scope, m pickMatch, limit int) ([]ContactHit, error) {
	args := []any{tx.Tenant, m.prefix, m.email, m.phone, limit, m.word}
	byName := scope.ContactWhere("c", &args)
	byWord := scope.ContactWhere("c", &args)
	byEmail := scope.ContactWhere("c", &args)
	byPhone := scope.ContactWhere("c", &args)
	q := `
		SELECT ` + contactColumns + `, a.name
		  FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
		 WHERE c.tenant_id = $1 AND c.id IN (
		       (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND lower(c.name) COLLATE "C" LIKE $2 AND ` + byName + `
		         ORDER BY lower(c.name) COLLATE "C", c.id LIMIT $5)
		       UNION ALL
		       (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND $6 <> '' AND lower(c.name) LIKE $6 AND ` + byWord + ` LIMIT $5)
		       UNION ALL
		       (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND lower(c.email) = $3 AND c.email <> '' AND ` + byEmail + ` LIMIT $5)
		       UNION ALL
		       (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND $4 <> '' AND c.phone_norm <> '' AND c.phone_norm LIKE $4 AND ` + byPhone + `
		         ORDER BY c.phone_norm, c.id LIMIT $5))
		 ORDER BY lower(c.name) COLLATE "C", c.id LIMIT $5`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pick contacts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContactHit, error) {
		var h ContactHit
		return h, scanContact(r, &h.Contact, &h.AccountName)
	})
}

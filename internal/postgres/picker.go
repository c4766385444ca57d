package postgres

import (
	"context"
	"fmt"
	"strings"

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
// (Scope.AccountWhere, Scope.ContactWhere) whose name, the name's second
// word (the surname of "Maria Garcia") or e-mail starts with text
// (case-insensitive), or, when text is a phone number being typed, whose
// normalised phone starts with it (phone.Prefix in the tenant's country),
// by name. Each lookup is an index range read in order (the name_key,
// name_rest_key, email_key and phone_norm indexes: migration 00056 says
// why they are columns) that stops at limit+1 visible rows; the statement
// is bounded in time as the header search is, so its cost does not grow
// with the tenant. Text that is empty after trimming finds nothing.
func (db *DB) PickCustomers(ctx context.Context, v crm.Viewer, text string, limit int) (PickerResult, error) {
	var out PickerResult
	text = strings.TrimSpace(text)
	if text == "" {
		return out, nil
	}
	var err error
	out.TooSlow, err = db.bounded(ctx, v, func(tx *Tx, scope Scope) error {
		// The ranges come from the typed text: plan each statement for it.
		if _, err := tx.Exec(ctx, customPlans); err != nil {
			return err
		}
		region, err := tx.phoneRegion(ctx)
		if err != nil {
			return err
		}
		m := pickMatch{text: text, phone: phone.Prefix(text, region)}
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

// pickMatch is what PickCustomers looks for: the start of the lower-case
// name, second word or e-mail (text, lower-cased by PostgreSQL as the key
// columns are), and of the normalised phone ("" for none).
type pickMatch struct{ text, phone string }

// where is the match on the alias x for arguments $2 (the text) and, when
// there is a phone prefix, one appended to args.
func (m pickMatch) where(x string, args *[]any) string {
	w := fmt.Sprintf(`(starts_with(%[1]s.name_key, lower($2)) OR starts_with(%[1]s.name_rest_key, lower($2))
		OR (%[1]s.email_key <> '' AND starts_with(%[1]s.email_key, lower($2)))`, x)
	if m.phone != "" {
		*args = append(*args, m.phone)
		w += fmt.Sprintf(` OR (%[1]s.phone_norm <> '' AND starts_with(%[1]s.phone_norm, $%[2]d))`, x, len(*args))
	}
	return w + ")"
}

// walk is, for a viewer who sees every record, the ids of table (alias x)
// that match m, found by reading each key's index in order and stopping
// at limit ($3) rows: its cost does not grow with the tenant.
func (m pickMatch) walk(table, x string, args *[]any) string {
	q := ""
	for _, key := range []string{"name_key", "name_rest_key", "email_key"} {
		if q != "" {
			q += " UNION ALL "
		}
		q += fmt.Sprintf(`(SELECT %[1]s.id FROM %[2]s %[1]s WHERE %[1]s.tenant_id = $1 AND %[1]s.%[3]s <> '' AND starts_with(%[1]s.%[3]s, lower($2))
			ORDER BY %[1]s.%[3]s, %[1]s.id LIMIT $3)`, x, table, key)
	}
	if m.phone != "" {
		*args = append(*args, m.phone)
		q += fmt.Sprintf(` UNION ALL (SELECT %[1]s.id FROM %[2]s %[1]s WHERE %[1]s.tenant_id = $1 AND %[1]s.phone_norm <> '' AND starts_with(%[1]s.phone_norm, $%[3]d)
			ORDER BY %[1]s.phone_norm, %[1]s.id LIMIT $3)`, x, table, len(*args))
	}
	return q
}

// PickCustomers reads the records a viewer who does not see every record
// (a salesperson, a manager) may see from that viewer's side: the
// customers of the projects they see (Scope.Where) and the records they
// created, which is where every record Scope.AccountWhere and ContactWhere
// let them see comes from. Walking the tenant's names in order instead
// reads every other rep's match before giving up (3.4 s at a million
// accounts for a name none of the rep's customers has). The visibility
// predicate is still what decides, applied to these candidates.

// seenProjects is the distinct column (account_id or contact_id, as id)
// of the projects the viewer sees, from the indexes of their projects and
// team memberships (Where, in its two halves as linked reads it); OFFSET 0
// keeps it a list read once, which the planner would otherwise hash-join
// against every match of the tenant.
func (s Scope) seenProjects(column string, args *[]any) string {
	return fmt.Sprintf(`SELECT DISTINCT sp.%[1]s AS id FROM (
		SELECT p.%[1]s FROM projects p WHERE p.tenant_id = $1 AND %[2]s
		UNION ALL
		SELECT p.%[1]s FROM projects p WHERE p.tenant_id = $1 AND %[3]s) sp WHERE sp.%[1]s IS NOT NULL OFFSET 0`,
		column, s.owned("p", args), s.member("p", args))
}

// pickAccounts is the account half of PickCustomers.
func (tx *Tx) pickAccounts(ctx context.Context, scope Scope, m pickMatch, limit int) ([]AccountRow, error) {
	args := []any{tx.Tenant, m.text, limit}
	var candidates string
	if scope.All {
		candidates = m.walk("accounts", "a", &args)
	} else {
		match := m.where("a", &args)
		candidates = fmt.Sprintf(`
			SELECT a.id FROM (%[1]s) v JOIN LATERAL (SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND a.id = v.id AND %[2]s) a ON TRUE
			UNION ALL
			SELECT a.id FROM accounts a WHERE a.tenant_id = $1 AND a.created_by = $%[3]d AND %[2]s`,
			scope.seenProjects("account_id", &args), match, scope.me(&args))
	}
	visible := scope.AccountWhere("a", &args)
	contacts := scope.ContactWhere("c", &args)
	q := `
		SELECT ` + accountColumns + `,
		       (SELECT count(*) FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = a.id AND ` + contacts + `)
		  FROM accounts a
		 WHERE a.tenant_id = $1 AND a.id IN (` + candidates + `) AND ` + visible + `
		 ORDER BY a.name_key, a.id LIMIT $3`
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
// account's name. A viewer who does not see every record reads the
// contacts of the projects they see and of those projects' accounts, and
// those they created or that sit on accounts they created.
func (tx *Tx) pickContacts(ctx context.Context, scope Scope, m pickMatch, limit int) ([]ContactHit, error) {
	args := []any{tx.Tenant, m.text, limit}
	var candidates string
	if scope.All {
		candidates = m.walk("contacts", "c", &args)
	} else {
		match := m.where("c", &args)
		me := scope.me(&args)
		candidates = fmt.Sprintf(`
			SELECT c.id FROM (%[1]s) v JOIN LATERAL (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.id = v.id AND %[3]s) c ON TRUE
			UNION ALL
			SELECT c.id FROM (%[2]s) v JOIN LATERAL (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = v.id AND %[3]s) c ON TRUE
			UNION ALL
			SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.created_by = $%[4]d AND %[3]s
			UNION ALL
			SELECT c.id FROM accounts ca JOIN contacts c ON c.tenant_id = $1 AND c.account_id = ca.id
			 WHERE ca.tenant_id = $1 AND ca.created_by = $%[4]d AND %[3]s`,
			scope.seenProjects("contact_id", &args), scope.seenProjects("account_id", &args), match, me)
	}
	visible := scope.ContactWhere("c", &args)
	q := `
		SELECT ` + contactColumns + `, a.name
		  FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
		 WHERE c.tenant_id = $1 AND c.id IN (` + candidates + `) AND ` + visible + `
		 ORDER BY c.name_key, c.id LIMIT $3`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pick contacts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContactHit, error) {
		var h ContactHit
		return h, scanContact(r, &h.Contact, &h.AccountName)
	})
}

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
	// Accounts, Contacts: up to limit+1 each (one more says there are more).
	Accounts []crm.Account
	Contacts []ContactHit
	// TooSlow: a lookup ran out of its time (searchRecordsFor).
	TooSlow bool
}

// PickCustomers finds the accounts and contacts the viewer can see whose
// name starts with text (case-insensitive), whose e-mail is text, or, when
// text is a phone number being typed, whose normalised phone starts with
// it (phone.Prefix). Every lookup is an index range read in order
// (accounts_name_prefix_idx, contacts_name_prefix_idx, the phone_norm and
// e-mail indexes) stopped at limit+1 rows, and bounded in time as the
// header search is: its cost does not grow with the tenant.
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
		prefix := escapeLike(text) + "%"
		phone := phone.Prefix(text, region)
		var phonePattern string
		if phone != "" {
			phonePattern = escapeLike(phone) + "%"
		}
		args := []any{tx.Tenant, prefix, text, phonePattern, limit + 1}
		q := `SELECT ` + accountColumns + ` FROM accounts a
			 WHERE a.tenant_id = $1 AND a.id IN (
			       (SELECT id FROM accounts WHERE tenant_id = $1 AND lower(name) COLLATE "C" LIKE $2
			         ORDER BY lower(name) COLLATE "C", id LIMIT 200)
			       UNION ALL (SELECT id FROM accounts WHERE tenant_id = $1 AND lower(email) = $3 AND email <> '' LIMIT 200)
			       UNION ALL (SELECT id FROM accounts WHERE tenant_id = $1 AND $4 <> '' AND phone_norm <> '' AND phone_norm LIKE $4
			         ORDER BY phone_norm, id LIMIT 200))
			   AND ` + scope.AccountWhere("a", &args) + `
			 ORDER BY lower(a.name) COLLATE "C", a.id LIMIT $5`
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("pick accounts: %w", err)
		}
		if out.Accounts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.Account, error) {
			var a crm.Account
			return a, scanAccount(r, &a)
		}); err != nil {
			return fmt.Errorf("pick accounts: %w", err)
		}
		args = []any{tx.Tenant, prefix, text, phonePattern, limit + 1}
		q = `SELECT ` + contactColumns + `, a.name FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
			 WHERE c.tenant_id = $1 AND c.id IN (
			       (SELECT id FROM contacts WHERE tenant_id = $1 AND lower(name) COLLATE "C" LIKE $2
			         ORDER BY lower(name) COLLATE "C", id LIMIT 200)
			       UNION ALL (SELECT id FROM contacts WHERE tenant_id = $1 AND lower(email) = $3 AND email <> '' LIMIT 200)
			       UNION ALL (SELECT id FROM contacts WHERE tenant_id = $1 AND $4 <> '' AND phone_norm <> '' AND phone_norm LIKE $4
			         ORDER BY phone_norm, id LIMIT 200))
			   AND ` + scope.ContactWhere("c", &args) + `
			 ORDER BY lower(c.name) COLLATE "C", c.id LIMIT $5`
		rows, err = tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("pick contacts: %w", err)
		}
		out.Contacts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContactHit, error) {
			var h ContactHit
			return h, scanContact(r, &h.Contact, &h.AccountName)
		})
		if err != nil {
			return fmt.Errorf("pick contacts: %w", err)
		}
		return nil
	})
	return out, err
}

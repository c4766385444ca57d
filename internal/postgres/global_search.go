package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// SearchResult is what the header's search box finds for a viewer: the
// newest matching projects of each Sales screen view with their counts,
// and the matching contacts (with their account's name). Accounts come
// from Accounts.
type SearchResult struct {
	Projects map[crm.State]SalesPage
	Contacts []ContactHit
}

// ContactHit is a contact found by the search.
type ContactHit struct {
	crm.Contact
	AccountName string
}

// SearchViews are the views the search looks in, in the order it lists them.
var SearchViews = []crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived, crm.StateSold}

// GlobalSearch searches text (lower-case, at least two characters) in the
// projects of every view the viewer can see (as the Sales screen's search
// does, up to limit rows each) and in the names, e-mails and phones of the
// contacts they can see, in one tenant transaction.
func (db *DB) GlobalSearch(ctx context.Context, v crm.Viewer, text string, now time.Time, limit int) (SearchResult, error) {
	out := SearchResult{Projects: map[crm.State]SalesPage{}}
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		for _, st := range SearchViews {
			f := SalesFilter{View: st, Text: text, Now: now}
			page, err := tx.ListSales(ctx, v, f, "created", true, nil, limit)
			if err != nil {
				return err
			}
			out.Projects[st] = page
		}
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		pattern := "%" + escapeLike(strings.ToLower(text)) + "%"
		args := []any{tx.Tenant, pattern, limit}
		rows, err := tx.Query(ctx, `SELECT `+contactColumns+`, a.name
			  FROM contacts c JOIN accounts a ON a.tenant_id = $1 AND a.id = c.account_id
			 WHERE c.tenant_id = $1 AND (lower(c.name) LIKE $2 OR lower(c.email) LIKE $2 OR c.phone LIKE $2)
			   AND `+scope.ContactWhere("c", &args)+`
			 ORDER BY lower(c.name), c.id LIMIT $3`, args...)
		if err != nil {
			return fmt.Errorf("search contacts: %w", err)
		}
		out.Contacts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContactHit, error) {
			var h ContactHit
			err := scanContact(r, &h.Contact, &h.AccountName)
			return h, err
		})
		return err
	})
	return out, err
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pipewell/pipewell/internal/crm"
)

// SearchResult is what the header's search box finds for a viewer: the
// newest matching projects of each Sales screen view with their counts,
// the matching accounts and contacts (with their account's name).
type SearchResult struct {
	Projects map[crm.State]SalesPage
	Contacts []ContactHit
	// Accounts: up to limit+1 (the last says there are more).
	Accounts []AccountRow
	// AccountsTooSlow, ContactsTooSlow: that part of the search ran out of
	// its time (searchRecordsFor) and has nothing to show.
	AccountsTooSlow, ContactsTooSlow bool
}

// searchRecordsFor bounds each of the header search's account and contact
// lookups (DB.searchRecordsFor, when set, replaces it: tests make it tiny).
const searchRecordsFor = 150 * time.Millisecond

// SetRecordSearchTime bounds the header search's and the customer
// picker's account and contact lookups to d instead of searchRecordsFor
// (zero restores it). Call it before the DB serves requests: for tests on
// a loaded machine, where the production budget is no promise.
func (db *DB) SetRecordSearchTime(d time.Duration) { db.searchRecordsFor = d }

// bounded runs fn in a tenant transaction whose statements stop after
// searchRecordsFor; running out of that time is tooSlow, not an error.
func (db *DB) bounded(ctx context.Context, v crm.Viewer, fn func(tx *Tx, scope Scope) error) (tooSlow bool, err error) {
	err = db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		limit := searchRecordsFor
		if db.searchRecordsFor > 0 {
			limit = db.searchRecordsFor
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(limit.Milliseconds(), 10)); err != nil {
			return err
		}
		return fn(tx, scope)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "57014" && ctx.Err() == nil {
		return true, nil
	}
	return false, err
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
// does, up to limit rows each, in one tenant transaction) and in the
// names, e-mails and phones of the accounts and contacts they can see
// (each in a transaction of its own, bounded in time).
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
		return nil
	})
	if err != nil {
		return out, err
	}
	// Accounts and contacts match anywhere in their name, e-mail or phone,
	// which no index answers: each runs in its own transaction that stops
	// after searchRecordsFor, and the page then says it was not searched.
	out.AccountsTooSlow, err = db.bounded(ctx, v, func(tx *Tx, scope Scope) error {
		var err error
		out.Accounts, err = tx.accounts(ctx, scope, text, limit+1)
		return err
	})
	if err != nil {
		return out, err
	}
	out.ContactsTooSlow, err = db.bounded(ctx, v, func(tx *Tx, scope Scope) error {
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

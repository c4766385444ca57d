package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

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
	// CustomersTooSlow: the account and contact lookup ran out of its
	// time (searchRecordsFor) and has nothing to show.
	CustomersTooSlow bool
}

// searchRecordsFor bounds the customer picker's account and contact lookup,
// which the header search uses too (DB.searchRecordsFor, when set, replaces
// it: tests make it tiny).
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

// GlobalSearchDenseCap is how many matches the header search collects
// per view for words that many projects share (SearchDenseCap on the Sales
// screen): it shows five, and "at least 100" is as true a count.
const GlobalSearchDenseCap = 100

// SearchViews are the views the search looks in, in the order it lists them.
var SearchViews = []crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived, crm.StateSold}

// GlobalSearch searches text (lower-case, at least two characters) in the
// projects of every view the viewer can see (as the Sales screen's search
// does, up to limit rows each, in one tenant transaction) and among the
// accounts and contacts they can see, as the customer picker does
// (PickCustomers: names, second words, e-mails and phones that start with
// it, in a transaction of its own bounded in time).
func (db *DB) GlobalSearch(ctx context.Context, v crm.Viewer, text string, now time.Time, limit int) (SearchResult, error) {
	out := SearchResult{Projects: map[crm.State]SalesPage{}}
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		for _, st := range SearchViews {
			f := SalesFilter{View: st, Text: text, Now: now, DenseCap: GlobalSearchDenseCap}
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
	// Accounts and contacts are found as the customer picker finds them:
	// by the start of the name, its second word, the e-mail or the phone,
	// each an index range read in order, bounded in time.
	pick, err := db.PickCustomers(ctx, v, text, limit)
	if err != nil {
		return out, err
	}
	out.Accounts = pick.Accounts
	out.Contacts = pick.Contacts[:min(len(pick.Contacts), limit)]
	out.CustomersTooSlow = pick.TooSlow
	return out, err
}

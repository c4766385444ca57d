package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BulkMax is the most projects one bulk action may change.
const BulkMax = 5000

// BulkAction is a change a manager applies to many projects at once.
type BulkAction struct {
	Kind   string // "owner", "archive" or "defer"
	Owner  crm.UserID
	Reason int64
	Until  time.Time // defer-until date (UTC midnight of the date)
	// IDs are the selected projects; when All is set, every project matching
	// Filter is the target instead.
	IDs    []crm.ProjectID
	All    bool
	Filter SalesFilter
}

// BulkResult says how many projects changed and how many already were as asked.
type BulkResult struct {
	Changed, Skipped int
}

// ApplyBulk applies a to the projects v may see, in one transaction. Each
// project goes through the same decision as the workspace action
// (crm.DecideOwner, DecideArchive, DecideDefer) and is written with its log
// entries by the same code; a project the decision refuses because of its
// state (already archived, already that owner...) is skipped and counted.
// Any selected ID that v cannot see (or that is not in the tenant) makes it
// crm.ErrNotFound with nothing changed; a bad owner, reason or date is a
// *crm.ValidationError on the bulk form's field.
func (tx *Tx) ApplyBulk(ctx context.Context, v crm.Viewer, a BulkAction, loc *time.Location, now time.Time) (BulkResult, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return BulkResult{}, err
	}
	dc, err := tx.decisionContext(ctx)
	if err != nil {
		return BulkResult{}, err
	}
	until := crm.DateOf(a.Until)
	var val crm.Validator
	switch a.Kind {
	case "owner":
		val.Check(slices.Contains(dc.Choices.Users, a.Owner), "owner", "sales.bulk.bad_owner")
	case "archive":
		val.Check(slices.Contains(dc.Choices.Reasons, a.Reason), "reason", "sales.bulk.bad_reason")
	case "defer":
		val.Check(until.After(crm.Today(now, loc)), "until", "sales.bulk.bad_until")
	default:
		val.Add("action", "sales.bulk.bad_action")
	}
	if !a.All && len(a.IDs) == 0 {
		val.Add("", "sales.bulk.none")
	}
	if err := val.Err(); err != nil {
		return BulkResult{}, err
	}

	// One bulk action at a time per tenant. Each project change adds to the
	// running totals of its owner's groups (migration 00008), rows a bulk
	// action holds until it commits; two at once, on different projects of
	// the same owners taken in crossing order, would each hold a row the
	// other waits for (TestConcurrentBulkActions). The second waits instead.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pipewell.bulk', $1))`, tx.Tenant); err != nil {
		return BulkResult{}, fmt.Errorf("bulk: %w", err)
	}

	// The targets, locked: every selected one must be visible.
	var args []any
	var q string
	if a.All {
		q = "SELECT p.id FROM projects p WHERE " + a.Filter.where(tx.Tenant, &args) + " AND " + scope.Where("p", &args) +
			" ORDER BY p.id LIMIT " + strconv.Itoa(BulkMax+1) + " FOR UPDATE"
	} else {
		args = append(args, tx.Tenant, a.IDs)
		q = "SELECT p.id FROM projects p WHERE p.tenant_id = $1 AND p.id = ANY($2) AND " +
			scope.Where("p", &args) + " ORDER BY p.id FOR UPDATE"
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk targets: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk targets: %w", err)
	}
	if len(ids) > BulkMax {
		val.Add("", "sales.bulk.too_many")
		return BulkResult{}, val.Err()
	}
	if !a.All && len(ids) != len(distinct(a.IDs)) {
		return BulkResult{}, fmt.Errorf("bulk: %d of %d selected projects visible: %w", len(ids), len(distinct(a.IDs)), crm.ErrNotFound)
	}

	actor := crm.Actor{Viewer: v, Now: now, Loc: loc}
	var res BulkResult
	for _, id := range ids {
		p, err := tx.loadProject(ctx, v, id, false) // locked above
		if err != nil {
			return BulkResult{}, err
		}
		var ch crm.Change
		switch a.Kind {
		case "owner":
			ch, err = crm.DecideOwner(p, dc.Choices.Users, a.Owner, p.Version, actor)
		case "archive":
			ch, err = crm.DecideArchive(p, dc.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: a.Reason}, actor)
		case "defer":
			ch, err = crm.DecideDefer(p, crm.Defer{Version: p.Version, Until: until}, actor)
		}
		if skippable(err) {
			res.Skipped++
			continue
		}
		if err != nil {
			return BulkResult{}, fmt.Errorf("bulk %s project %d: %w", a.Kind, id, err)
		}
		if err := tx.apply(ctx, p.Version, ch, nil); err != nil {
			return BulkResult{}, err
		}
		res.Changed++
	}
	return res, nil
}

// skippable reports whether a decision refused a project only because of its
// state (nothing to change, not in a state that allows it).
func skippable(err error) bool {
	var ve *crm.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, msg := range ve.Fields {
		if msg != crm.MsgNotInState && msg != crm.MsgNothingToChange {
			return false
		}
	}
	return true
}

func distinct(ids []crm.ProjectID) map[crm.ProjectID]bool {
	m := make(map[crm.ProjectID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

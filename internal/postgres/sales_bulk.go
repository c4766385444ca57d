package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BulkMax is the most projects one bulk action may change.
const BulkMax = 5000

// BulkTarget is the projects a bulk action applies to: the selected IDs,
// or with All every project matching Filter.
type BulkTarget struct {
	IDs    []crm.ProjectID
	All    bool
	Filter SalesFilter
}

// BulkResult says how many projects changed and how many already were as asked.
type BulkResult struct {
	Changed, Skipped int
}

// ChangeProjects runs one decision on many projects the viewer can see, in
// one transaction, with the shape of ChangeProject: check validates the
// action against the tenant's setup, the targets are locked and loaded, each
// goes through decide, and every change is written with the derived data of
// all of them at the end (its totals in one ordered statement, so two bulk
// actions on the same owners never wait on each other in a cycle). A
// project the decision refuses only because of its state
// (crm.ErrSkipped) is counted as skipped. Any selected ID the viewer cannot
// see (or that is not in the tenant) is crm.ErrNotFound with nothing
// changed; more than BulkMax targets is a *crm.ValidationError.
func (db *DB) ChangeProjects(ctx context.Context, v crm.Viewer, t BulkTarget, check func(crm.Setup) error, decide Decide) (BulkResult, error) {
	var res BulkResult
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		s, err := tx.Setup(ctx)
		if err != nil {
			return err
		}
		if err := check(s); err != nil {
			return err
		}
		// The targets, locked in ID order: every selected one must be visible.
		var args []any
		var q string
		if t.All {
			if err := tx.resolveText(ctx, &t.Filter); err != nil {
				return err
			}
			q = "SELECT p.id FROM projects p WHERE " + t.Filter.where(tx.Tenant, &args) + " AND " + scope.Where("p", &args) +
				" ORDER BY p.id LIMIT " + strconv.Itoa(BulkMax+1) + " FOR UPDATE"
		} else {
			args = append(args, tx.Tenant, t.IDs)
			q = "SELECT p.id FROM projects p WHERE p.tenant_id = $1 AND p.id = ANY($2) AND " +
				scope.Where("p", &args) + " ORDER BY p.id FOR UPDATE"
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("bulk targets: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
		if err != nil {
			return fmt.Errorf("bulk targets: %w", err)
		}
		if len(ids) > BulkMax {
			return crm.FieldError("", "sales.bulk.too_many")
		}
		if !t.All && len(ids) != len(distinct(t.IDs)) {
			return fmt.Errorf("bulk: %d of %d selected projects visible: %w", len(ids), len(distinct(t.IDs)), crm.ErrNotFound)
		}
		prior := make(map[crm.ProjectID]before, len(ids))
		var changed []crm.ProjectID
		for _, id := range ids {
			p, c, err := tx.readProject(ctx, v, id, false) // locked above
			if err != nil {
				return err
			}
			ch, err := decide(p, s)
			if errors.Is(err, crm.ErrSkipped) {
				res.Skipped++
				continue
			}
			if err != nil {
				return fmt.Errorf("bulk change of project %d: %w", id, err)
			}
			if ch.Empty() {
				res.Skipped++
				continue
			}
			if err := tx.write(ctx, p.Version, ch); err != nil {
				return err
			}
			prior[id] = before{c: c}
			changed = append(changed, id)
			res.Changed++
		}
		return tx.derive(ctx, changed, prior)
	})
	return res, err
}

func distinct(ids []crm.ProjectID) map[crm.ProjectID]bool {
	m := make(map[crm.ProjectID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

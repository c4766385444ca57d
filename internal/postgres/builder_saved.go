package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// SavedReport is a builder definition saved with a name. Definition is
// the report's URL parameters as they were saved; it is parsed and checked
// again on every run (Damaged: what is stored is not a set of parameters).
type SavedReport struct {
	ID         int64
	Owner      crm.UserID
	OwnerName  string
	Name, Kind string
	Definition url.Values
	Damaged    bool
	Shared     bool
	UpdatedAt  time.Time
}

const savedReportColumns = `r.id, r.owner_id, COALESCE(u.name, ''), r.name, r.kind, r.params, r.shared, r.updated_at`

func scanSavedReport(row pgx.CollectableRow) (SavedReport, error) {
	var r SavedReport
	var raw []byte
	if err := row.Scan(&r.ID, &r.Owner, &r.OwnerName, &r.Name, &r.Kind, &raw, &r.Shared, &r.UpdatedAt); err != nil {
		return r, err
	}
	if json.Unmarshal(raw, &r.Definition) != nil {
		r.Definition, r.Damaged = url.Values{}, true
	}
	return r, nil
}

// SavedReports lists the saved reports v may run: the tenant's shared ones
// and v's own, by name.
func (db *DB) SavedReports(ctx context.Context, v crm.Viewer) ([]SavedReport, error) {
	var out []SavedReport
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+savedReportColumns+` FROM saved_reports r
			LEFT JOIN users u ON u.tenant_id = $1 AND u.id = r.owner_id
			WHERE r.tenant_id = $1 AND (r.shared OR r.owner_id = $2) ORDER BY lower(r.name), r.id`, tx.Tenant, v.UserID)
		if err != nil {
			return fmt.Errorf("saved reports: %w", err)
		}
		out, err = pgx.CollectRows(rows, scanSavedReport)
		return err
	})
	return out, err
}

// SavedReport returns the saved report id if v may run it (crm.ErrNotFound
// otherwise, another tenant's included).
func (db *DB) SavedReport(ctx context.Context, v crm.Viewer, id int64) (SavedReport, error) {
	var r SavedReport
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		var err error
		r, err = tx.savedReport(ctx, v, id, false)
		return err
	})
	return r, err
}

// savedReport reads a saved report v may see, locked for a change.
func (tx *Tx) savedReport(ctx context.Context, v crm.Viewer, id int64, lock bool) (SavedReport, error) {
	q := `SELECT ` + savedReportColumns + ` FROM saved_reports r LEFT JOIN users u ON u.tenant_id = $1 AND u.id = r.owner_id
		WHERE r.tenant_id = $1 AND r.id = $2`
	if lock {
		q += " FOR UPDATE OF r"
	}
	rows, err := tx.Query(ctx, q, tx.Tenant, id)
	if err != nil {
		return SavedReport{}, fmt.Errorf("saved report %d: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanSavedReport)
	if err != nil {
		return r, translate(err)
	}
	if !v.CanSeeReport(r.Owner, r.Shared) {
		return r, crm.ErrNotFound
	}
	return r, nil
}

// CreateReport saves a new report owned by v; f must be valid for v
// (crm.Viewer.ValidateReport).
func (db *DB) CreateReport(ctx context.Context, v crm.Viewer, name, kind string, def url.Values, shared bool) (int64, error) {
	var id int64
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		var err error
		id, err = tx.insertReport(ctx, v.UserID, name, kind, def, shared)
		return err
	})
	return id, err
}

func (tx *Tx) insertReport(ctx context.Context, owner crm.UserID, name, kind string, def url.Values, shared bool) (int64, error) {
	raw, err := json.Marshal(def)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO saved_reports (tenant_id, owner_id, name, kind, params, shared) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		tx.Tenant, owner, name, kind, raw, shared).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save report: %w", err)
	}
	return id, nil
}

// ChangeReport locks the saved report id, asks change (a decision on the
// report as stored) what to do, and writes it: the new name, kind,
// definition and sharing, or, with remove, its deletion. A report v may not
// see is crm.ErrNotFound; change answers crm.ErrForbidden for one v may
// not change.
func (db *DB) ChangeReport(ctx context.Context, v crm.Viewer, id int64, change func(SavedReport) (SavedReport, bool, error)) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		r, err := tx.savedReport(ctx, v, id, true)
		if err != nil {
			return err
		}
		next, remove, err := change(r)
		if err != nil {
			return err
		}
		if remove {
			_, err = tx.Exec(ctx, `DELETE FROM saved_reports WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
			return err
		}
		raw, err := json.Marshal(next.Definition)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE saved_reports SET name = $3, kind = $4, params = $5, shared = $6, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, next.Name, next.Kind, raw, next.Shared)
		return err
	})
}

// exampleReports are the definitions of the two shared reports every new
// tenant starts with, named by crm.Defaults.Reports in the same order.
var exampleReports = []struct {
	kind string
	def  url.Values
}{
	{"detail", url.Values{"kind": {"detail"}, "state": {"active"},
		"cols": {"title,account,owner,pending,pending_due,days_late,status,last_log_at,value,weighted"}, "s1": {"pending_due"}, "d1": {"asc"}}},
	{"summary", url.Values{"kind": {"summary"}, "dim1": {"source"}, "dim2": {"last"},
		"m": {"count,value_sum"}, "chart": {"stacked"}}},
}

// insertExampleReports saves the example reports, shared, owned by the
// tenant's first user, with names in the tenant's language.
func (tx *Tx) insertExampleReports(ctx context.Context, owner crm.UserID, names []string) error {
	for i, e := range exampleReports {
		if _, err := tx.insertReport(ctx, owner, names[i], e.kind, e.def, true); err != nil {
			return err
		}
	}
	return nil
}

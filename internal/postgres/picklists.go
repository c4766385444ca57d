package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
)

// pickTables maps each pick list to its table and the projects column that
// refers to it. Table names come only from here, never from a request.
var pickTables = map[crm.PickList]struct{ table, column string }{
	crm.ListStatuses: {"milestone_statuses", "status_id"},
	crm.ListReasons:  {"archive_reasons", "archive_reason_id"},
	crm.ListSources:  {"lead_sources", "source_id"},
}

func pickTable(l crm.PickList) (string, string, error) {
	t, ok := pickTables[l]
	if !ok {
		return "", "", crm.ErrNotFound
	}
	return t.table, t.column, nil
}

// PickValues lists a pick list in its order, inactive values included, each
// with the number of projects that carry it.
func (db *DB) PickValues(ctx context.Context, tenant crm.TenantID, l crm.PickList) ([]crm.PickValue, error) {
	var out []crm.PickValue
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		out, err = tx.pickValues(ctx, l, true)
		return err
	})
	return out, err
}

func (tx *Tx) pickValues(ctx context.Context, l crm.PickList, counts bool) ([]crm.PickValue, error) {
	table, column, err := pickTable(l)
	if err != nil {
		return nil, err
	}
	use := "0"
	if counts {
		// Up to the cap, each an index range: statuses and sources by phase
		// (three ranges of the phase indexes), archive reasons from theirs.
		use = `(SELECT count(*) FROM (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.phase = ANY ('{open,archived,sold}') AND p.` +
			column + ` = v.id LIMIT ` + strconv.Itoa(crm.UseCountCap+1) + `) x)`
	}
	q := `SELECT v.id, v.name, v.position, v.active, ` + use + ` FROM ` + table + ` v WHERE v.tenant_id = $1 ORDER BY v.position, v.id`
	if !counts {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var out []crm.PickValue
	for rows.Next() {
		var v crm.PickValue
		if err := rows.Scan(&v.ID, &v.Name, &v.Position, &v.Active, &v.InUse); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func pickIndex(vs []crm.PickValue, id int64) int {
	for i := range vs {
		if vs[i].ID == id {
			return i
		}
	}
	return -1
}

// AddPickValue appends a value to a pick list. A name already in the list
// (in any case, active or not) is a *crm.ValidationError on "name".
func (db *DB) AddPickValue(ctx context.Context, tenant crm.TenantID, actor crm.UserID, l crm.PickList, name string) (int64, error) {
	table, _, err := pickTable(l)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.InTenant(ctx, tenant, func(tx *Tx) error {
		vs, err := tx.pickValues(ctx, l, false)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO `+table+` (tenant_id, name, position) VALUES ($1, $2, $3) RETURNING id`,
			tx.Tenant, name, len(vs)+1).Scan(&id)
		if isUnique(err, table+"_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("add to %s: %w", table, err)
		}
		return tx.audit(ctx, actor, string(l), id, "create", "", name)
	})
	return id, err
}

// RenamePickValue renames a value; projects that carry it show the new name.
func (db *DB) RenamePickValue(ctx context.Context, tenant crm.TenantID, actor crm.UserID, l crm.PickList, id int64, name string) error {
	table, _, err := pickTable(l)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT name FROM `+table+` WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tx.Tenant, id).Scan(&old)
		if err != nil {
			return translate(err)
		}
		if old == name {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET name = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, name)
		if isUnique(err, table+"_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("rename in %s: %w", table, err)
		}
		if err := tx.audit(ctx, actor, string(l), id, "name", old, name); err != nil {
			return err
		}
		if l == crm.ListStatuses { // the name the Sales screen shows
			return tx.deriveWhere(ctx, "p.status_id = $3", id)
		}
		return nil
	})
}

// SetPickValueActive deactivates or reactivates a value. An inactive value
// stays on the projects that carry it (and in reports) and is no longer
// offered for new choices.
func (db *DB) SetPickValueActive(ctx context.Context, tenant crm.TenantID, actor crm.UserID, l crm.PickList, id int64, active bool) error {
	table, _, err := pickTable(l)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		var was bool
		err := tx.QueryRow(ctx, `SELECT active FROM `+table+` WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tx.Tenant, id).Scan(&was)
		if err != nil {
			return translate(err)
		}
		if was == active {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET active = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, active); err != nil {
			return fmt.Errorf("set active in %s: %w", table, err)
		}
		return tx.audit(ctx, actor, string(l), id, "active", strconv.FormatBool(was), strconv.FormatBool(active))
	})
}

// MovePickValue moves a value one place up (-1) or down (+1).
func (db *DB) MovePickValue(ctx context.Context, tenant crm.TenantID, actor crm.UserID, l crm.PickList, id int64, delta int) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		vs, err := tx.pickValues(ctx, l, false)
		if err != nil {
			return err
		}
		if pickIndex(vs, id) < 0 {
			return crm.ErrNotFound
		}
		cur, byID := pickOrder(vs)
		order, _ := moved(cur, id, delta)
		table, _, _ := pickTable(l)
		return tx.reorder(ctx, actor, table, string(l), byID, cur, order)
	})
}

// ReorderPickValues puts a pick list in the given order (every value exactly once).
func (db *DB) ReorderPickValues(ctx context.Context, tenant crm.TenantID, actor crm.UserID, l crm.PickList, order []int64) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		vs, err := tx.pickValues(ctx, l, false)
		if err != nil {
			return err
		}
		cur, byID := pickOrder(vs)
		table, _, _ := pickTable(l)
		return tx.reorder(ctx, actor, table, string(l), byID, cur, order)
	})
}

func pickOrder(vs []crm.PickValue) ([]int64, map[int64]string) {
	cur := make([]int64, len(vs))
	byID := make(map[int64]string, len(vs))
	for i, v := range vs {
		cur[i] = v.ID
		byID[v.ID] = v.Name
	}
	return cur, byID
}

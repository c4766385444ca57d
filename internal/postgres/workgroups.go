package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// Workgroups lists the tenant's workgroups by name with member counts and
// managers, and the names of the active managers who manage none of them
// (who, once the tenant has a workgroup, see only their own projects).
func (db *DB) Workgroups(ctx context.Context, tenant crm.TenantID) ([]crm.Workgroup, []string, error) {
	var out []crm.Workgroup
	var idle []string
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT u.name FROM users u
			 WHERE u.tenant_id = $1 AND u.active AND u.role = 'manager'
			   AND NOT EXISTS (SELECT 1 FROM workgroup_members m WHERE m.tenant_id = $1 AND m.user_id = u.id AND m.manager)
			 ORDER BY lower(u.name), u.id`, tx.Tenant)
		if err != nil {
			return fmt.Errorf("list managers: %w", err)
		}
		if idle, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("list managers: %w", err)
		}
		rows, err = tx.Query(ctx, `
			SELECT g.id, g.name,
			       (SELECT count(*) FROM workgroup_members m WHERE m.tenant_id = $1 AND m.workgroup_id = g.id),
			       COALESCE((SELECT array_agg(u.name ORDER BY u.name) FROM workgroup_members m
			                   JOIN users u ON u.tenant_id = $1 AND u.id = m.user_id
			                  WHERE m.tenant_id = $1 AND m.workgroup_id = g.id AND m.manager), '{}')
			  FROM workgroups g WHERE g.tenant_id = $1 ORDER BY lower(g.name), g.id`, tx.Tenant)
		if err != nil {
			return fmt.Errorf("list workgroups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g crm.Workgroup
			if err := rows.Scan(&g.ID, &g.Name, &g.Members, &g.Managers); err != nil {
				return err
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, idle, err
}

// DeleteWorkgroup deletes an empty workgroup (crm.CheckDeleteWorkgroup),
// with an audit entry; unknown is crm.ErrNotFound.
func (db *DB) DeleteWorkgroup(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		g := crm.Workgroup{ID: id}
		err := tx.QueryRow(ctx, `SELECT g.name, (SELECT count(*) FROM workgroup_members m WHERE m.tenant_id = $1 AND m.workgroup_id = g.id)
			  FROM workgroups g WHERE g.tenant_id = $1 AND g.id = $2 FOR UPDATE`, tx.Tenant, id).Scan(&g.Name, &g.Members)
		if err != nil {
			return translate(err)
		}
		if err := crm.CheckDeleteWorkgroup(g); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET workgroup_id = NULL WHERE tenant_id = $1 AND workgroup_id = $2`, tx.Tenant, id); err != nil {
			return fmt.Errorf("delete workgroup: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workgroups WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id); err != nil {
			return fmt.Errorf("delete workgroup: %w", err)
		}
		return tx.audit(ctx, actor, "workgroup", id, "delete", g.Name, "")
	})
}

// Workgroup returns one workgroup and its members; unknown is crm.ErrNotFound.
func (db *DB) Workgroup(ctx context.Context, tenant crm.TenantID, id int64) (crm.Workgroup, []crm.WorkgroupMember, error) {
	var (
		g  crm.Workgroup
		ms []crm.WorkgroupMember
	)
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id, name FROM workgroups WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id).Scan(&g.ID, &g.Name); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, `
			SELECT u.id, u.name, u.email, u.role, u.active, m.manager
			  FROM workgroup_members m JOIN users u ON u.tenant_id = $1 AND u.id = m.user_id
			 WHERE m.tenant_id = $1 AND m.workgroup_id = $2 ORDER BY m.manager DESC, lower(u.name), u.id`, tx.Tenant, id)
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m crm.WorkgroupMember
			if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.Active, &m.Manager); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		g.Members = len(ms)
		return rows.Err()
	})
	return g, ms, err
}

// CreateWorkgroup adds a workgroup; a taken name is a *crm.ValidationError on "name".
func (db *DB) CreateWorkgroup(ctx context.Context, tenant crm.TenantID, actor crm.UserID, name string) (int64, error) {
	var id int64
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, $2) RETURNING id`, tx.Tenant, name).Scan(&id)
		if isUnique(err, "workgroups_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("create workgroup: %w", err)
		}
		return tx.audit(ctx, actor, "workgroup", id, "create", "", name)
	})
	return id, err
}

// RenameWorkgroup renames a workgroup.
func (db *DB) RenameWorkgroup(ctx context.Context, tenant crm.TenantID, actor crm.UserID, id int64, name string) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		var old string
		if err := tx.QueryRow(ctx, `SELECT name FROM workgroups WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tx.Tenant, id).Scan(&old); err != nil {
			return translate(err)
		}
		if old == name {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE workgroups SET name = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, name)
		if isUnique(err, "workgroups_name_key") {
			return crm.FieldError("name", crm.MsgNameTaken)
		}
		if err != nil {
			return fmt.Errorf("rename workgroup: %w", err)
		}
		return tx.audit(ctx, actor, "workgroup", id, "name", old, name)
	})
}

// SetMember adds user to a workgroup or changes whether they manage it.
// An unknown group or user is crm.ErrNotFound.
func (db *DB) SetMember(ctx context.Context, tenant crm.TenantID, actor crm.UserID, group int64, user crm.UserID, manager bool) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		var name string
		err := tx.QueryRow(ctx, `SELECT u.name FROM users u, workgroups g
			WHERE u.tenant_id = $1 AND u.id = $2 AND g.tenant_id = $1 AND g.id = $3`, tx.Tenant, user, group).Scan(&name)
		if err != nil {
			return translate(err)
		}
		var old *bool
		err = tx.QueryRow(ctx, `
			WITH old AS (SELECT manager FROM workgroup_members WHERE tenant_id = $1 AND workgroup_id = $2 AND user_id = $3 FOR UPDATE),
			     up AS (INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager) VALUES ($1, $2, $3, $4)
			            ON CONFLICT (tenant_id, workgroup_id, user_id) DO UPDATE SET manager = EXCLUDED.manager)
			SELECT (SELECT manager FROM old)`, tx.Tenant, group, user, manager).Scan(&old)
		if err != nil {
			return fmt.Errorf("set member: %w", err)
		}
		switch {
		case old == nil:
			return tx.audit(ctx, actor, "workgroup", group, "member_added", "", memberLabel(name, manager))
		case *old != manager:
			return tx.audit(ctx, actor, "workgroup", group, "manager", memberLabel(name, *old), memberLabel(name, manager))
		}
		return nil
	})
}

func memberLabel(name string, manager bool) string {
	if manager {
		return name + " (manager)"
	}
	return name
}

// RemoveMember takes user out of a workgroup.
func (db *DB) RemoveMember(ctx context.Context, tenant crm.TenantID, actor crm.UserID, group int64, user crm.UserID) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		var name string
		var manager bool
		err := tx.QueryRow(ctx, `
			DELETE FROM workgroup_members m USING users u
			 WHERE m.tenant_id = $1 AND m.workgroup_id = $2 AND m.user_id = $3 AND u.tenant_id = $1 AND u.id = m.user_id
			RETURNING u.name, m.manager`, tx.Tenant, group, user).Scan(&name, &manager)
		if err != nil {
			return translate(err)
		}
		return tx.audit(ctx, actor, "workgroup", group, "member_removed", memberLabel(name, manager), "")
	})
}

// QuotaRow is one user's line of the quota grid.
type QuotaRow = crm.QuotaRow

// Quotas returns the quota grid of year: every active user, and inactive
// users who have a quota in that year.
func (db *DB) Quotas(ctx context.Context, tenant crm.TenantID, year int) ([]QuotaRow, error) {
	var out []QuotaRow
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT u.tenant_id, u.id, u.email, u.name, u.role, u.active, u.locale, u.created_at, u.commission_rate_bp,
			       COALESCE(array_agg(extract(month FROM q.month)::int ORDER BY q.month) FILTER (WHERE q.month IS NOT NULL), '{}'),
			       COALESCE(array_agg(q.amount_cents ORDER BY q.month) FILTER (WHERE q.month IS NOT NULL), '{}')
			  FROM users u LEFT JOIN quotas q ON q.tenant_id = $1 AND q.user_id = u.id
			       AND q.month >= make_date($2::int, 1, 1) AND q.month < make_date($2::int + 1, 1, 1)
			 WHERE u.tenant_id = $1
			 GROUP BY u.tenant_id, u.id
			HAVING u.active OR count(q.month) > 0
			 ORDER BY lower(u.name), u.id`, tx.Tenant, year)
		if err != nil {
			return fmt.Errorf("load quotas: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r QuotaRow
			var months []int32
			var cents []int64
			if err := rows.Scan(append(userDest(&r.User), &r.CommissionBP, &months, &cents)...); err != nil {
				return err
			}
			for i, m := range months {
				r.Cents[m-1], r.Set[m-1] = cents[i], true
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// QuotaChange is one user's edited line: quotas per month (nil = none) and
// the commission rate in basis points.
type QuotaChange struct {
	User         crm.UserID
	Cents        [12]*int64
	CommissionBP int
}

// SaveQuotas writes the grid of year: sets, changes or clears each month's
// quota and the commission rates, auditing every cell that changed. A user
// not of this tenant is crm.ErrNotFound.
func (db *DB) SaveQuotas(ctx context.Context, tenant crm.TenantID, actor crm.UserID, year int, changes []QuotaChange) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		for _, c := range changes {
			var oldBP int
			var months []int32
			var cents []int64
			err := tx.QueryRow(ctx, `
				SELECT u.commission_rate_bp,
				       COALESCE(array_agg(extract(month FROM q.month)::int) FILTER (WHERE q.month IS NOT NULL), '{}'),
				       COALESCE(array_agg(q.amount_cents) FILTER (WHERE q.month IS NOT NULL), '{}')
				  FROM users u LEFT JOIN quotas q ON q.tenant_id = $1 AND q.user_id = u.id
				       AND q.month >= make_date($3::int, 1, 1) AND q.month < make_date($3::int + 1, 1, 1)
				 WHERE u.tenant_id = $1 AND u.id = $2 GROUP BY u.commission_rate_bp`, tx.Tenant, c.User, year).Scan(&oldBP, &months, &cents)
			if err != nil {
				return translate(err)
			}
			if oldBP != c.CommissionBP {
				if _, err := tx.Exec(ctx, `UPDATE users SET commission_rate_bp = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, c.User, c.CommissionBP); err != nil {
					return fmt.Errorf("set commission rate: %w", err)
				}
				if err := tx.audit(ctx, actor, "user", int64(c.User), "commission_rate", crm.FormatBP(oldBP)+"%", crm.FormatBP(c.CommissionBP)+"%"); err != nil {
					return err
				}
			}
			var old [12]*int64
			for i, m := range months {
				old[m-1] = &cents[i]
			}
			for m := 0; m < 12; m++ {
				o, n := old[m], c.Cents[m]
				if (o == nil && n == nil) || (o != nil && n != nil && *o == *n) {
					continue
				}
				month := fmt.Sprintf("%04d-%02d", year, m+1)
				if n == nil {
					_, err = tx.Exec(ctx, `DELETE FROM quotas WHERE tenant_id = $1 AND user_id = $2 AND month = make_date($3::int, $4::int, 1)`,
						tx.Tenant, c.User, year, m+1)
				} else {
					_, err = tx.Exec(ctx, `
						INSERT INTO quotas (tenant_id, user_id, month, amount_cents) VALUES ($1, $2, make_date($3::int, $4::int, 1), $5)
						ON CONFLICT (tenant_id, user_id, month) DO UPDATE SET amount_cents = EXCLUDED.amount_cents`,
						tx.Tenant, c.User, year, m+1, *n)
				}
				if err != nil {
					return fmt.Errorf("save quota: %w", err)
				}
				if err := tx.audit(ctx, actor, "quota", int64(c.User), month, centsLabel(o), centsLabel(n)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func centsLabel(c *int64) string {
	if c == nil {
		return ""
	}
	return crm.MoneyInput(*c)
}

// UpdateSettings changes the tenant settings, auditing each changed field.
func (db *DB) UpdateSettings(ctx context.Context, tenant crm.TenantID, actor crm.UserID, s crm.Settings) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		old, err := tx.TenantRow(ctx)
		if err != nil {
			return err
		}
		// A switch of the probabilities alone recomputes only the weighted
		// values that follow, from the engine before it.
		var before *pipeline.Engine
		if s.TimeZone == old.TimeZone && s.LearnedProbabilities != old.LearnedProbabilities {
			if before, err = tx.engine(ctx); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE tenants SET name = $2, currency = $3, time_zone = $4, stagnant_days = $5, learned_probabilities = $6,
			country = $7 WHERE id = $1`, tx.Tenant, s.Name, s.Currency, s.TimeZone, s.StagnantDays, s.LearnedProbabilities, s.Country)
		if err != nil {
			return fmt.Errorf("update settings: %w", err)
		}
		err = tx.auditDiff(ctx, actor, "settings", 0,
			[]string{"name", "currency", "time_zone", "country", "stagnant_days", "learned_probabilities"},
			[]string{old.Name, old.Currency, old.TimeZone, old.Country, strconv.Itoa(old.StagnantDays), strconv.FormatBool(old.LearnedProbabilities)},
			[]string{s.Name, s.Currency, s.TimeZone, s.Country, strconv.Itoa(s.StagnantDays), strconv.FormatBool(s.LearnedProbabilities)})
		if err != nil {
			return err
		}
		// Due and late instants follow the zone; weighted values the
		// probabilities, learned from the closed projects when switched on.
		if s.LearnedProbabilities && !old.LearnedProbabilities {
			if err := tx.learn(ctx, time.Now()); err != nil {
				return err
			}
		}
		// Phone numbers without a country code are read in the country.
		if (crm.Tenant{Country: s.Country, TimeZone: s.TimeZone}).PhoneRegion() != old.PhoneRegion() {
			if err := tx.normalisePhones(ctx); err != nil {
				return err
			}
		}
		if before != nil {
			return tx.reweighStages(ctx, before)
		}
		if s.TimeZone != old.TimeZone {
			tx.forgetEngine()
			return tx.deriveAll(ctx)
		}
		return nil
	})
}

// Settings returns the tenant's settings.
func (db *DB) Settings(ctx context.Context, tenant crm.TenantID) (crm.Tenant, error) {
	var t crm.Tenant
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		t, err = tx.TenantRow(ctx)
		return err
	})
	return t, err
}

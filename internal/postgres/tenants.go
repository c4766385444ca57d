package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// SignUp creates a tenant with PRODUCT.md's defaults (milestones, milestone
// statuses, archive reasons, lead sources, example reports), written in the
// language it signed up in, and its first user, an admin, in one
// transaction: either all of it exists afterwards or none of it does. in must
// be validated; passwordHash is the argon2id hash. A taken e-mail is a
// *crm.ValidationError on "email".
func (db *DB) SignUp(ctx context.Context, in crm.SignUp, passwordHash string) (crm.User, error) {
	var id crm.TenantID
	if err := db.pool.QueryRow(ctx, "SELECT nextval('tenants_id_seq')").Scan(&id); err != nil {
		return crm.User{}, unavailable(fmt.Errorf("new tenant id: %w", err))
	}
	var u crm.User
	err := db.InTenant(ctx, id, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, name, derived_version) VALUES ($1, $2, $3)`, id, in.Company, derivedVersion); err != nil {
			return fmt.Errorf("insert tenant: %w", err)
		}
		var err error
		u, err = tx.insertUser(ctx, in.Email, in.Name, crm.RoleAdmin, passwordHash)
		if err != nil {
			return err
		}
		defaults := crm.DefaultsFor(in.Language)
		if err := tx.insertDefaults(ctx, defaults); err != nil {
			return err
		}
		return tx.insertExampleReports(ctx, u.ID, defaults.Reports)
	})
	return u, err
}

// insertUser adds a user and its global e-mail lookup row.
func (tx *Tx) insertUser(ctx context.Context, email, name string, role crm.Role, hash string) (crm.User, error) {
	u := crm.User{TenantID: tx.Tenant, Email: email, Name: name, Role: role, Active: true}
	err := tx.QueryRow(ctx, `
		INSERT INTO users (tenant_id, email, name, role, password_hash)
		VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
		tx.Tenant, email, name, role, hash).Scan(&u.ID, &u.CreatedAt)
	if err != nil {
		if isUnique(err, "") {
			return u, crm.FieldError("email", crm.MsgEmailTaken)
		}
		return u, fmt.Errorf("insert user: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO login_emails (email, tenant_id, user_id) VALUES ($1, $2, $3)`, email, tx.Tenant, u.ID)
	if isUnique(err, "login_emails_pkey") {
		return u, crm.FieldError("email", crm.MsgEmailTaken)
	}
	if err != nil {
		return u, fmt.Errorf("insert login e-mail: %w", err)
	}
	return u, nil
}

// insertDefaults writes a new tenant's default definitions in one round trip.
func (tx *Tx) insertDefaults(ctx context.Context, d crm.Defaults) error {
	b := &pgx.Batch{}
	for i, m := range d.Milestones {
		b.Queue(`INSERT INTO milestone_defs (tenant_id, name, position, criteria, deadline_days, deadline_from,
		           probability, event_title, event_days, qualifying, won)
		         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			tx.Tenant, m.Name, i+1, m.Criteria, nullDays(m.HasDeadline, m.DeadlineDays), m.DeadlineFrom, m.Probability,
			m.EventTitle, nullDays(m.EventTitle != "", m.EventDays), m.Qualifying, m.Won)
	}
	for table, names := range map[string][]string{
		"milestone_statuses": d.Statuses,
		"archive_reasons":    d.ArchiveReasons,
		"lead_sources":       d.LeadSources,
	} {
		for i, n := range names {
			b.Queue(`INSERT INTO `+table+` (tenant_id, name, position) VALUES ($1, $2, $3)`, tx.Tenant, n, i+1)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("insert tenant defaults: %w", err)
	}
	return nil
}

// TenantRow returns the tenant bound to tx.
func (tx *Tx) TenantRow(ctx context.Context) (crm.Tenant, error) {
	var t crm.Tenant
	var learned *time.Time
	err := tx.QueryRow(ctx, `
		SELECT id, name, currency, time_zone, country, stagnant_days, learned_probabilities, learned_at, created_at
		  FROM tenants WHERE id = $1`, tx.Tenant).
		Scan(&t.ID, &t.Name, &t.Currency, &t.TimeZone, &t.Country, &t.StagnantDays, &t.LearnedProbabilities, &learned, &t.CreatedAt)
	t.LearnedAt, t.Loc = timeOf(learned), tx.db.zone(t.TimeZone)
	return t, translate(err)
}

// AddUser adds an active user to the bound tenant (seeds). A taken e-mail is
// a *crm.ValidationError on "email".
func (tx *Tx) AddUser(ctx context.Context, email, name string, role crm.Role, hash string) (crm.User, error) {
	return tx.insertUser(ctx, email, name, role, hash)
}

// SetTimeZone sets the tenant's time zone (an IANA name the caller has
// checked) and recomputes what its projects derive from it.
func (tx *Tx) SetTimeZone(ctx context.Context, zone string) error {
	tag, err := tx.Exec(ctx, `UPDATE tenants SET time_zone = $2 WHERE id = $1 AND time_zone <> $2`, tx.Tenant, zone)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	tx.forgetEngine()
	return tx.deriveAll(ctx)
}

package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
)

// LoginUser is what log-in needs to decide: the user, whether it is active,
// and its password hash.
type LoginUser struct {
	User         crm.User
	PasswordHash string
	SessionEpoch int // stored in the session at log-in (see Identity)
}

// UserForLogin finds the user with a normalised e-mail across tenants (e-mail
// addresses are unique across tenants). An unknown e-mail is crm.ErrNotFound.
func (db *DB) UserForLogin(ctx context.Context, email string) (LoginUser, error) {
	var (
		tenant crm.TenantID
		id     crm.UserID
	)
	err := db.pool.QueryRow(ctx, `SELECT tenant_id, user_id FROM login_emails WHERE email = $1`, email).Scan(&tenant, &id)
	if err != nil {
		return LoginUser{}, translate(err)
	}
	var lu LoginUser
	err = db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT `+userColumns+`, password_hash, session_epoch FROM users WHERE tenant_id = $1 AND id = $2`, tenant, id).
			Scan(append(userDest(&lu.User), &lu.PasswordHash, &lu.SessionEpoch)...)
		return translate(err)
	})
	return lu, err
}

const userColumns = `tenant_id, id, email, name, role, active, locale, created_at`

func userDest(u *crm.User) []any {
	return []any{&u.TenantID, &u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.Locale, &u.CreatedAt}
}

// Identity is who a request is from: the user and their tenant, loaded on each
// request so a deactivated user or a role change takes effect at once.
type Identity struct {
	User   crm.User
	Tenant crm.Tenant
	// SessionEpoch is the user's current session epoch: a session that
	// stored a smaller one at log-in has been ended (sign out everywhere,
	// deactivation, password reset).
	SessionEpoch int
	// SalesView is the user's last used Sales screen query ("" if none).
	SalesView string
}

// Identity loads the user and tenant for a session. A missing or deactivated
// user is crm.ErrNotFound.
func (db *DB) Identity(ctx context.Context, tenant crm.TenantID, id crm.UserID) (Identity, error) {
	var who Identity
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		who, err = tx.identity(ctx, id)
		return err
	})
	return who, err
}

// IdentityInTenant is Identity, for a request that goes on to read or write
// the same tenant: the transaction it loads the identity in stays open, and
// the first InTenant of that tenant under the returned context runs in it
// (and commits it) instead of beginning another. A page costs one tenant
// transaction instead of two, two round trips less. release ends the
// transaction if nothing took it; call it when the request is done. The
// identity is read on every request all the same: nothing is cached.
func (db *DB) IdentityInTenant(ctx context.Context, tenant crm.TenantID, id crm.UserID) (context.Context, Identity, func(), error) {
	var who Identity
	noop := func() {}
	if tenant <= 0 {
		return ctx, who, noop, fmt.Errorf("load identity: invalid tenant %d", tenant)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return ctx, who, noop, fmt.Errorf("acquire connection: %w", err)
	}
	o := &openTx{tenant: tenant, conn: conn}
	release := func() { o.release(ctx) }
	if _, err := conn.Exec(ctx, "BEGIN; SET LOCAL app.tenant_id = '"+strconv.FormatInt(int64(tenant), 10)+"'"); err != nil {
		release()
		return ctx, who, noop, fmt.Errorf("begin tenant transaction: %w", err)
	}
	who, err = (&Tx{conn: conn, Tenant: tenant}).identity(ctx, id)
	if err != nil {
		release()
		return ctx, who, noop, err
	}
	return context.WithValue(ctx, openTxKey{}, o), who, release, nil
}

// identitySQL reads the active user $2 of tenant $1 and the tenant.
const identitySQL = `
	SELECT u.tenant_id, u.id, u.email, u.name, u.role, u.active, u.locale, u.created_at, u.session_epoch, u.sales_view,
	       t.id, t.name, t.currency, t.time_zone, t.stagnant_days, t.learned_probabilities, t.created_at
	  FROM users u JOIN tenants t ON t.id = u.tenant_id
	 WHERE u.tenant_id = $1 AND u.id = $2 AND u.active`

func identityDest(who *Identity) []any {
	t := &who.Tenant
	return append(userDest(&who.User), &who.SessionEpoch, &who.SalesView, &t.ID, &t.Name, &t.Currency, &t.TimeZone,
		&t.StagnantDays, &t.LearnedProbabilities, &t.CreatedAt)
}

func (tx *Tx) identity(ctx context.Context, id crm.UserID) (Identity, error) {
	var who Identity
	if err := tx.QueryRow(ctx, identitySQL, tx.Tenant, id).Scan(identityDest(&who)...); err != nil {
		return who, fmt.Errorf("load identity: %w", translate(err))
	}
	return who, nil
}

// SetPassword replaces the password hash of the user with a normalised e-mail.
func (db *DB) SetPassword(ctx context.Context, email, hash string) error {
	lu, err := db.UserForLogin(ctx, email)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, lu.User.TenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, lu.User.ID, hash)
		return err
	})
}

// AddUser adds an active user to tenant with a password hash. A taken e-mail
// is a *crm.ValidationError on "email".
func (db *DB) AddUser(ctx context.Context, tenant crm.TenantID, email, name string, role crm.Role, hash string) (crm.User, error) {
	var u crm.User
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var err error
		u, err = tx.insertUser(ctx, email, name, role, hash)
		return err
	})
	return u, err
}

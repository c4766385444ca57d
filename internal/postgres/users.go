package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
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
	learnedAt *time.Time
}

// Identity loads the user and tenant for a session in one round trip: its
// own tenant transaction, begun, bound, read and committed in one pipeline
// (see identityPipeline). A missing or deactivated user is crm.ErrNotFound.
// The identity is read on every request: nothing is cached, so a
// deactivation or a role change takes effect at once.
func (db *DB) Identity(ctx context.Context, tenant crm.TenantID, id crm.UserID) (Identity, error) {
	var who Identity
	defer addDBTime(ctx, time.Now())
	if tenant <= 0 {
		return who, fmt.Errorf("load identity: invalid tenant %d", tenant)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return who, unavailable(fmt.Errorf("acquire connection: %w", err))
	}
	defer conn.Release()
	who, err = identityPipeline(ctx, conn, tenant, id)
	if err == nil {
		who.Tenant.Loc, who.Tenant.LearnedAt = db.zone(who.Tenant.TimeZone), timeOf(who.learnedAt)
	}
	return who, unavailable(err)
}

// identityPipeline reads the identity on conn in one round trip: BEGIN, the
// SET LOCAL binding, the prepared identity query and COMMIT pipelined with a
// single Sync. (The binding has to be a literal, so it is an unnamed
// statement parsed each time; the identity is a prepared statement, planned
// once per connection.) Both IDs are integers formatted by strconv: nothing
// user-typed reaches the SQL.
func identityPipeline(ctx context.Context, conn *pgxpool.Conn, tenant crm.TenantID, id crm.UserID) (Identity, error) {
	var who Identity
	sd, err := conn.Conn().Prepare(ctx, "pipewell_identity", identitySQL)
	if err != nil {
		return who, fmt.Errorf("load identity: %w", err)
	}
	t, u := strconv.FormatInt(int64(tenant), 10), strconv.FormatInt(int64(id), 10)
	p := conn.Conn().PgConn().StartPipeline(ctx)
	p.SendQueryParams("BEGIN", nil, nil, nil, nil)
	p.SendQueryParams(bindTenant(tenant), nil, nil, nil, nil)
	p.SendQueryStatement(sd, [][]byte{[]byte(t), []byte(u)}, nil, nil)
	p.SendQueryParams("COMMIT", nil, nil, nil, nil)
	err = p.Sync()
	var rows *pgconn.Result
	for i := 0; err == nil && i < 4; i++ {
		var res any
		if res, err = p.GetResults(); err == nil {
			rr, ok := res.(*pgconn.ResultReader)
			if !ok {
				err = fmt.Errorf("unexpected pipeline result %T", res)
				break
			}
			r := rr.Read()
			err = r.Err
			if i == 2 {
				rows = r
			}
		}
	}
	if err == nil {
		_, err = p.GetResults() // the Sync
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return who, fmt.Errorf("load identity: %w", translate(err))
	}
	if len(rows.Rows) != 1 {
		return who, fmt.Errorf("load identity: %w", crm.ErrNotFound)
	}
	dest := identityDest(&who)
	m := conn.Conn().TypeMap()
	for i, fd := range rows.FieldDescriptions {
		if i >= len(dest) {
			return who, fmt.Errorf("load identity: %d columns for %d values", len(rows.FieldDescriptions), len(dest))
		}
		if err := m.Scan(fd.DataTypeOID, fd.Format, rows.Rows[0][i], dest[i]); err != nil {
			return who, fmt.Errorf("load identity: column %s: %w", fd.Name, err)
		}
	}
	return who, nil
}

// identitySQL reads the active user $2 of tenant $1 and the tenant.
const identitySQL = `
	SELECT u.tenant_id, u.id, u.email, u.name, u.role, u.active, u.locale, u.created_at, u.session_epoch, u.sales_view,
	       t.id, t.name, t.currency, t.time_zone, t.country, t.stagnant_days, t.learned_probabilities, t.learned_at, t.created_at
	  FROM users u JOIN tenants t ON t.id = u.tenant_id
	 WHERE u.tenant_id = $1 AND u.id = $2 AND u.active`

func identityDest(who *Identity) []any {
	t := &who.Tenant
	return append(userDest(&who.User), &who.SessionEpoch, &who.SalesView, &t.ID, &t.Name, &t.Currency, &t.TimeZone, &t.Country,
		&t.StagnantDays, &t.LearnedProbabilities, &who.learnedAt, &t.CreatedAt)
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

package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TeamUser is one user as the admin's user list shows it.
type TeamUser = crm.TeamUser

// Token kinds of user_tokens.
const (
	TokenInvitation    = "invitation"
	TokenPasswordReset = "password_reset"
)

// Users lists every user of the tenant, active first, then by name.
func (db *DB) Users(ctx context.Context, tenant crm.TenantID) ([]TeamUser, error) {
	var out []TeamUser
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT u.tenant_id, u.id, u.email, u.name, u.role, u.active, u.locale, u.created_at,
			       u.password_hash = '', u.commission_rate_bp,
			       COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM workgroup_members m
			                   JOIN workgroups g ON g.tenant_id = $1 AND g.id = m.workgroup_id
			                  WHERE m.tenant_id = $1 AND m.user_id = u.id), '{}'),
			       COALESCE((SELECT sum(t.projects)::bigint FROM project_totals t WHERE t.tenant_id = $1 AND t.owner_id = u.id
			           AND t.state IN ('active', 'deferred')), 0)
			  FROM users u WHERE u.tenant_id = $1
			 ORDER BY u.active DESC, lower(u.name), u.id`, tx.Tenant)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u TeamUser
			if err := rows.Scan(append(userDest(&u.User), &u.Invited, &u.CommissionBP, &u.Workgroups, &u.OpenProjects)...); err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// TeamMember returns one user of the tenant; an unknown ID is crm.ErrNotFound.
func (db *DB) TeamMember(ctx context.Context, tenant crm.TenantID, id crm.UserID) (TeamUser, error) {
	us, err := db.Users(ctx, tenant)
	if err != nil {
		return TeamUser{}, err
	}
	for _, u := range us {
		if u.ID == id {
			return u, nil
		}
	}
	return TeamUser{}, crm.ErrNotFound
}

// Invite adds a user who has no password yet and an invitation token (its
// hash) valid until expires. The e-mail must not be registered anywhere.
func (db *DB) Invite(ctx context.Context, tenant crm.TenantID, actor crm.UserID, in crm.Invitation, tokenHash []byte, expires time.Time) (crm.User, error) {
	var u crm.User
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		name := in.Email[:strings.IndexByte(in.Email, '@')]
		var err error
		if u, err = tx.insertUser(ctx, in.Email, name, in.Role, ""); err != nil {
			return err
		}
		if err := tx.insertToken(ctx, actor, u.ID, TokenInvitation, tokenHash, expires); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "user", int64(u.ID), "invite", "", in.Email+" ("+string(in.Role)+")")
	})
	return u, err
}

// insertToken stores a new single-use token and retires every unused token
// of the same kind of that user (only the newest link works).
func (tx *Tx) insertToken(ctx context.Context, actor, user crm.UserID, kind string, hash []byte, expires time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = now()
		WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND used_at IS NULL`, tx.Tenant, user, kind)
	if err != nil {
		return fmt.Errorf("retire tokens: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO user_tokens (tenant_id, user_id, kind, token_hash, expires_at, created_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))`, tx.Tenant, user, kind, hash, expires, actor)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// NewUserToken issues a fresh invitation (for a user who has not accepted
// yet) or password-reset link (for an active user who has). Any other case
// is a *crm.ValidationError.
func (db *DB) NewUserToken(ctx context.Context, tenant crm.TenantID, actor, user crm.UserID, kind string, hash []byte, expires time.Time) (crm.User, error) {
	var u crm.User
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var invited bool
		err := tx.QueryRow(ctx, `SELECT `+userColumns+`, password_hash = '' FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
			tx.Tenant, user).Scan(append(userDest(&u), &invited)...)
		if err != nil {
			return translate(err)
		}
		if !u.Active || invited != (kind == TokenInvitation) {
			return crm.FieldError("", "admin.error.token_kind")
		}
		if err := tx.insertToken(ctx, actor, user, kind, hash, expires); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "user", int64(user), kind, "", u.Email)
	})
	return u, err
}

// TokenUser returns the user a valid (unused, unexpired) token of kind
// belongs to; anything else is crm.ErrNotFound.
func (db *DB) TokenUser(ctx context.Context, tenant crm.TenantID, kind string, hash []byte) (crm.User, error) {
	var u crm.User
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT u.tenant_id, u.id, u.email, u.name, u.role, u.active, u.locale, u.created_at
			  FROM user_tokens t JOIN users u ON u.tenant_id = $1 AND u.id = t.user_id
			 WHERE t.tenant_id = $1 AND t.token_hash = $2 AND t.kind = $3 AND t.used_at IS NULL
			   AND t.expires_at > now() AND u.active`, tx.Tenant, hash, kind).Scan(userDest(&u)...)
		return translate(err)
	})
	return u, err
}

// UseToken redeems a valid token once: it sets the password (and, for an
// invitation, the name the invitee chose), marks the token used and raises
// the session epoch so sessions from before a reset end. It returns the user
// and the new epoch. A used, expired or unknown token is crm.ErrNotFound.
func (db *DB) UseToken(ctx context.Context, tenant crm.TenantID, kind string, hash []byte, name, passwordHash string) (crm.User, int, error) {
	var (
		u     crm.User
		epoch int
	)
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		var tokenID int64
		err := tx.QueryRow(ctx, `
			SELECT t.id, t.user_id FROM user_tokens t
			 WHERE t.tenant_id = $1 AND t.token_hash = $2 AND t.kind = $3 AND t.used_at IS NULL AND t.expires_at > now()
			 FOR UPDATE`, tx.Tenant, hash, kind).Scan(&tokenID, &u.ID)
		if err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = now() WHERE tenant_id = $1 AND id = $2`, tx.Tenant, tokenID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			UPDATE users SET password_hash = $3, name = CASE WHEN $4 = '' THEN name ELSE $4 END,
			       session_epoch = session_epoch + 1
			 WHERE tenant_id = $1 AND id = $2 AND active
			 RETURNING `+userColumns+`, session_epoch`, tx.Tenant, u.ID, passwordHash, name).
			Scan(append(userDest(&u), &epoch)...)
		if err != nil {
			return translate(err)
		}
		if err := tx.audit(ctx, u.ID, "user", int64(u.ID), kind+"_used", "", ""); err != nil {
			return err
		}
		if name != "" { // an invitee names themself: projects may already be theirs
			return tx.deriveWhere(ctx, "p.owner_id = $3", u.ID)
		}
		return nil
	})
	return u, epoch, err
}

// lockAdmins locks the tenant's active admins and returns their IDs, so two
// admins demoting each other at once cannot leave the tenant without one.
func (tx *Tx) lockAdmins(ctx context.Context) ([]crm.UserID, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND role = 'admin' AND active ORDER BY id FOR UPDATE`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("lock admins: %w", err)
	}
	defer rows.Close()
	var out []crm.UserID
	for rows.Next() {
		var id crm.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// lastAdmin reports whether user is the only active admin.
func lastAdmin(admins []crm.UserID, user crm.UserID) bool {
	return len(admins) == 1 && admins[0] == user
}

// ChangeRole gives a user another role. Demoting the last active admin is a
// *crm.ValidationError on "role". The user's sessions stay; their next
// request carries the new role (and a renewed session token).
func (db *DB) ChangeRole(ctx context.Context, tenant crm.TenantID, actor, user crm.UserID, role crm.Role) error {
	if !role.Valid() {
		return crm.FieldError("role", crm.MsgInvalidRole)
	}
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		admins, err := tx.lockAdmins(ctx)
		if err != nil {
			return err
		}
		var old crm.Role
		if err := tx.QueryRow(ctx, `SELECT role FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tx.Tenant, user).Scan(&old); err != nil {
			return translate(err)
		}
		if old == role {
			return nil
		}
		if old == crm.RoleAdmin && lastAdmin(admins, user) {
			return crm.FieldError("role", crm.MsgLastAdmin)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, user, role); err != nil {
			return fmt.Errorf("change role: %w", err)
		}
		return tx.audit(ctx, actor, "user", int64(user), "role", string(old), string(role))
	})
}

// SetUserActive deactivates or reactivates a user. A deactivated user cannot
// log in and every session of theirs ends on its next request (the epoch is
// raised too, so reactivation does not revive old sessions); their projects
// stay theirs until reassigned. Deactivating the last active admin is a
// *crm.ValidationError.
func (db *DB) SetUserActive(ctx context.Context, tenant crm.TenantID, actor, user crm.UserID, active bool) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		admins, err := tx.lockAdmins(ctx)
		if err != nil {
			return err
		}
		var was bool
		if err := tx.QueryRow(ctx, `SELECT active FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tx.Tenant, user).Scan(&was); err != nil {
			return translate(err)
		}
		if was == active {
			return nil
		}
		if !active && lastAdmin(admins, user) {
			return crm.FieldError("", crm.MsgLastAdmin)
		}
		_, err = tx.Exec(ctx, `UPDATE users SET active = $3, session_epoch = session_epoch + 1 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, user, active)
		if err != nil {
			return fmt.Errorf("set user active: %w", err)
		}
		if !active {
			if _, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = now() WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL`,
				tx.Tenant, user); err != nil {
				return err
			}
		}
		return tx.audit(ctx, actor, "user", int64(user), "active", strconv.FormatBool(was), strconv.FormatBool(active))
	})
}

// PasswordHash returns a user's password hash (for "current password" checks).
func (db *DB) PasswordHash(ctx context.Context, tenant crm.TenantID, user crm.UserID) (string, error) {
	var h string
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		return translate(tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2`, tx.Tenant, user).Scan(&h))
	})
	return h, err
}

// UpdateAccount sets a user's own name and language preference.
func (db *DB) UpdateAccount(ctx context.Context, tenant crm.TenantID, user crm.UserID, name, locale string) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET name = $3, locale = $4 WHERE tenant_id = $1 AND id = $2 AND (name, locale) IS DISTINCT FROM ($3, $4)`,
			tx.Tenant, user, name, locale)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return tx.deriveWhere(ctx, "p.owner_id = $3", user) // the owner name the Sales screen shows and sorts by
	})
}

// ChangePassword stores a new password hash and raises the session epoch
// (other sessions end); it returns the new epoch for the current session.
func (db *DB) ChangePassword(ctx context.Context, tenant crm.TenantID, user crm.UserID, hash string) (int, error) {
	var epoch int
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1
			WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`, tx.Tenant, user, hash).Scan(&epoch)
		return translate(err)
	})
	return epoch, err
}

// EndSessions raises a user's session epoch: every session started before
// ends on its next request. It returns the new epoch.
func (db *DB) EndSessions(ctx context.Context, tenant crm.TenantID, user crm.UserID) (int, error) {
	var epoch int
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `UPDATE users SET session_epoch = session_epoch + 1
			WHERE tenant_id = $1 AND id = $2 RETURNING session_epoch`, tx.Tenant, user).Scan(&epoch)
		return translate(err)
	})
	return epoch, err
}

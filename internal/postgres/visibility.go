package postgres

import (
	"context"
	"fmt"

	"github.com/pipewell/pipewell/internal/crm"
)

// Scope is the SQL form of crm's visibility rule for one viewer: which
// projects they may see. A project belongs to the workgroups its owner is a
// member or manager of.
//
//   - admin: every project of the tenant;
//   - manager: projects owned by a member of a workgroup they manage, plus
//     their own and those they are a team member of; every project when the
//     tenant has no workgroups;
//   - sales: projects they own or are a team member of.
type Scope struct {
	Viewer crm.Viewer
	All    bool
	// Owners whose projects are visible (the viewer included).
	Owners []int64
	// ManagesNone: a manager of a tenant that has workgroups who manages
	// none of them, and so sees only their own and their team's projects.
	ManagesNone bool
}

// Scope resolves the viewer's visibility with one small query (the members of
// the groups a manager manages), so list queries get a plain predicate.
func (tx *Tx) Scope(ctx context.Context, v crm.Viewer) (Scope, error) {
	s := Scope{Viewer: v, Owners: []int64{int64(v.UserID)}}
	switch v.Role {
	case crm.RoleAdmin:
		s.All = true
	case crm.RoleManager:
		var groups int
		var owners []int64
		err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM workgroups WHERE tenant_id = $1),
			       COALESCE((SELECT array_agg(DISTINCT m.user_id)
			                   FROM workgroup_members g
			                   JOIN workgroup_members m ON m.tenant_id = g.tenant_id AND m.workgroup_id = g.workgroup_id
			                  WHERE g.tenant_id = $1 AND g.user_id = $2 AND g.manager), '{}')`,
			tx.Tenant, v.UserID).Scan(&groups, &owners)
		if err != nil {
			return s, fmt.Errorf("resolve scope: %w", err)
		}
		s.All = groups == 0
		s.ManagesNone = groups > 0 && len(owners) == 0
		s.Owners = append(s.Owners, owners...)
	case crm.RoleSales:
	default:
		return s, crm.ErrForbidden
	}
	return s, nil
}

// Where returns the predicate on the projects alias p (e.g. "p") and appends
// its arguments to args, numbering placeholders after the existing ones. The
// statement's first argument ($1) must be the tenant: the team membership
// sub-select names it, so a distributed database routes it to one node.
func (s Scope) Where(p string, args *[]any) string {
	if s.All {
		return "TRUE"
	}
	*args = append(*args, s.Owners, int64(s.Viewer.UserID))
	n := len(*args)
	return fmt.Sprintf(`(%[1]s.owner_id = ANY($%[2]d) OR EXISTS (SELECT 1 FROM project_members pm
		WHERE pm.tenant_id = $1 AND pm.project_id = %[1]s.id AND pm.user_id = $%[3]d))`, p, n-1, n)
}

// CanSeeOwner reports whether projects owned by owner are visible to s
// (ignoring team membership, which needs the project).
func (s Scope) CanSeeOwner(owner crm.UserID) bool {
	if s.All {
		return true
	}
	for _, o := range s.Owners {
		if o == int64(owner) {
			return true
		}
	}
	return false
}

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
//
// Accounts and contacts follow: AccountWhere and ContactWhere are the SQL
// form of crm.Viewer.CanSeeAccount and CanSeeContact, built on Where.
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
			                   JOIN workgroup_members m ON m.tenant_id = $1 AND m.workgroup_id = g.workgroup_id
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
	return "(" + s.owned(p, args) + " OR " + s.member(p, args) + ")"
}

// owned and member are the two halves of Where: the project's owner is one
// whose projects the viewer sees, or the viewer is on its team. Apart, each
// sub-select over many projects can use an index of its own (owner, or the
// viewer's team memberships) instead of reading every project of the tenant.
func (s Scope) owned(p string, args *[]any) string {
	if len(s.Owners) == 1 {
		// One owner (a salesperson): an equality, so that an index on the
		// owner also gives its rows in order.
		*args = append(*args, s.Owners[0])
		return fmt.Sprintf(`%s.owner_id = $%d`, p, len(*args))
	}
	*args = append(*args, s.Owners)
	return fmt.Sprintf(`%s.owner_id = ANY($%d)`, p, len(*args))
}

func (s Scope) member(p string, args *[]any) string {
	*args = append(*args, int64(s.Viewer.UserID))
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM project_members pm
		WHERE pm.tenant_id = $1 AND pm.project_id = %[1]s.id AND pm.user_id = $%[2]d)`, p, len(*args))
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

// AccountWhere returns the predicate on the accounts alias a that is
// crm.Viewer.CanSeeAccount: an account is visible when a project the
// viewer can see (Where) links to it, or when no project links to it and
// the viewer created it. Like Where it appends its arguments and names the
// tenant as $1 in every sub-select; its own sub-selects use aliases that
// start with a, so the predicates nest. It is TRUE or FALSE, never NULL
// (a record without a creator), so it may be selected as a column too.
//
// Over a list, the planner runs the "visible project" sub-selects once, from
// the indexes of the viewer's projects; "no project links to it" is asked
// only of the viewer's own records, per row (OFFSET 0 keeps the planner
// from hashing every project of the tenant for it).
func (s Scope) AccountWhere(a string, args *[]any) string {
	if s.All {
		return "TRUE"
	}
	return "(" + s.linked(a, "account_id", args) + fmt.Sprintf(`
		OR (COALESCE(%[1]s.created_by = $%[2]d, FALSE)
		    AND NOT EXISTS (SELECT 1 FROM projects %[1]s_np WHERE %[1]s_np.tenant_id = $1 AND %[1]s_np.account_id = %[1]s.id OFFSET 0)))`,
		a, s.me(args))
}

// linked is "a project the viewer can see links to the record r by column":
// Where, split in its halves (owned, member) so that each sub-select can be
// run once for the whole statement from an index.
func (s Scope) linked(r, column string, args *[]any) string {
	owned, member := r+"_vp", r+"_tp"
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM projects %[2]s WHERE %[2]s.tenant_id = $1 AND %[2]s.%[4]s = %[1]s.id AND %[5]s)
		OR EXISTS (SELECT 1 FROM projects %[3]s WHERE %[3]s.tenant_id = $1 AND %[3]s.%[4]s = %[1]s.id AND %[6]s)`,
		r, owned, member, column, s.owned(owned, args), s.member(member, args))
}

// me appends the viewer's ID and returns its placeholder number.
func (s Scope) me(args *[]any) int {
	*args = append(*args, int64(s.Viewer.UserID))
	return len(*args)
}

// ContactWhere returns the predicate on the contacts alias c that is
// crm.Viewer.CanSeeContact: a contact is visible when a project the viewer
// can see has it as its contact, or when no project does and its account
// is visible (AccountWhere) or the viewer created it.
func (s Scope) ContactWhere(c string, args *[]any) string {
	if s.All {
		return "TRUE"
	}
	acc := c + "_a"
	return "(" + s.linked(c, "contact_id", args) + fmt.Sprintf(`
		OR (NOT EXISTS (SELECT 1 FROM projects %[1]s_np WHERE %[1]s_np.tenant_id = $1 AND %[1]s_np.contact_id = %[1]s.id OFFSET 0)
		    AND (COALESCE(%[1]s.created_by = $%[2]d, FALSE)
		         OR EXISTS (SELECT 1 FROM accounts %[3]s WHERE %[3]s.tenant_id = $1 AND %[3]s.id = %[1]s.account_id AND %[4]s))))`,
		c, s.me(args), acc, s.AccountWhere(acc, args))
}

package postgres

import (
	"strconv"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
)

// The running totals (project_totals: projects, value and weighted value by
// state, owner, pending milestone, last completed milestone and the instant
// a deferred group comes back) answer the Sales screen's count and the
// board's column sums without reading projects, for the views that filter
// on nothing but those keys: the default views and those narrowed to an
// owner, a workgroup, a pending or a last completed milestone. derive keeps
// them in the transaction of each change.

// fromTotals reports whether f's matches are groups of project_totals.
func (f SalesFilter) fromTotals() bool {
	return f.Status == 0 && f.Source == 0 && f.Reason == 0 && !f.LateOnly && f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() &&
		f.ValueMin == nil && f.ValueMax == nil && f.Text == ""
}

// totalsSQL returns a statement over the totals that f and scope select,
// with the select list sel (over alias t: t.pending_milestone_id,
// t.last_milestone_id, and sums of
// t.projects, t.value_cents, t.weighted_cents) and group (a GROUP BY clause
// or ""), plus its arguments ($1 the tenant). Projects a viewer sees as a
// team member rather than through their owner are not in the owners'
// totals: extra, over alias p of projects joined to the viewer's
// memberships, selects them (the same list as sel, from p).
func (f SalesFilter) totalsSQL(tenant crm.TenantID, scope Scope, sel, extra, group string) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := []string{"t.tenant_id = " + arg(tenant)}
	switch f.view() {
	case crm.StateActive:
		w = append(w, "(t.state = 'active' OR (t.state = 'deferred' AND t.active_from <= "+arg(f.Now)+"))")
	case crm.StateDeferred:
		w = append(w, "t.state = 'deferred' AND t.active_from > "+arg(f.Now))
	default:
		w = append(w, "t.state = "+arg(string(f.view())))
	}
	if f.Owner != 0 {
		w = append(w, "t.owner_id = "+arg(f.Owner))
	}
	if f.Workgroup != 0 {
		w = append(w, "t.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = "+arg(f.Workgroup)+")")
	}
	if f.Pending != 0 {
		w = append(w, "t.pending_milestone_id = "+arg(f.Pending))
	}
	if f.Last != 0 {
		w = append(w, "t.last_milestone_id = "+arg(f.Last))
	}
	var owners string
	if !scope.All {
		owners = arg(scope.Owners)
		w = append(w, "t.owner_id = ANY ("+owners+")")
	}
	q := "SELECT " + sel + " FROM project_totals t WHERE " + strings.Join(w, " AND ") + " " + group
	if !scope.All {
		// Team memberships on projects of owners outside the scope.
		pw := f.where(tenant, &args)
		q += " UNION ALL SELECT " + extra + ` FROM project_members pm
			JOIN projects p ON p.tenant_id = $1 AND p.id = pm.project_id
			WHERE pm.tenant_id = $1 AND pm.user_id = ` + arg(int64(scope.Viewer.UserID)) +
			" AND NOT (p.owner_id = ANY (" + owners + ")) AND " + pw + " " + group
	}
	return q, args
}

// totalsCountSQL counts f's matches from the totals.
func (f SalesFilter) totalsCountSQL(tenant crm.TenantID, scope Scope) (string, []any) {
	q, args := f.totalsSQL(tenant, scope, "COALESCE(sum(t.projects), 0)::bigint AS n", "count(*)", "")
	return "SELECT sum(n)::bigint FROM (" + q + ") c", args
}

// totalsBoardSQL returns the board's column sums (last completed milestone,
// count, value, weighted value), possibly several rows per column to add up.
func (f SalesFilter) totalsBoardSQL(tenant crm.TenantID, scope Scope) (string, []any) {
	return f.totalsSQL(tenant, scope,
		"t.last_milestone_id, sum(t.projects)::bigint, sum(t.value_cents)::bigint, sum(t.weighted_cents)::bigint",
		`COALESCE(p.last_milestone_id, 0), count(*), COALESCE(sum(p.value_cents), 0)::bigint,
		 COALESCE(sum(p.weighted_cents), 0)::bigint`,
		"GROUP BY 1")
}

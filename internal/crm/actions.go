package crm

import "time"

// Actions is what a viewer may do with a project now: the choices the
// workspace and the other screens offer. It follows the same rules as the
// decisions (a choice it offers is not refused for the project's state or
// the viewer's role, TestActionsAgreeWithDecisions), so no screen decides
// them itself.
type Actions struct {
	Complete   bool        // complete milestones (an active or deferred project)
	Qualify    bool        // the qualifying milestone is open
	Undo       MilestoneID // the milestone that can be undone now; 0: none
	Archive    bool
	Defer      bool
	Reactivate bool // deferred and not back yet
	Reopen     bool // archived
	Reassign   bool // change the owner (managers and admins)
	EditTeam   bool
}

// Allowed returns what viewer v may do with p at now in loc (p is one v can
// see).
func Allowed(p Project, defs []MilestoneDef, v Viewer, now time.Time, loc *time.Location) Actions {
	open := p.State == StateActive || p.State == StateDeferred
	a := Actions{
		Complete:   open,
		Archive:    open,
		Defer:      open,
		Reactivate: p.EffectiveState(now, loc) == StateDeferred,
		Reopen:     p.State == StateArchived,
		Reassign:   v.Role == RoleManager || v.Role == RoleAdmin,
		EditTeam:   true,
	}
	process := Process(defs)
	for _, d := range process {
		if d.Qualifying {
			_, done := p.Completed(d.ID)
			a.Qualify = open && !done
			break
		}
	}
	// The last completed milestone in process order, unless it is the first
	// (the lead's creation); a sold project only its won milestone.
	for i := len(process) - 1; i > 0; i-- {
		if _, done := p.Completed(process[i].ID); done {
			if p.State != StateArchived && (p.State != StateSold || process[i].Won) {
				a.Undo = process[i].ID
			}
			break
		}
	}
	return a
}

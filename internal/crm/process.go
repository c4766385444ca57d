package crm

import (
	"slices"
	"strconv"
	"strings"
)

// MaxActiveMilestones is the most active milestones a tenant's process may
// have (the engine holds a project's completions in a 32-bit set).
const MaxActiveMilestones = 32

// Messages of the process decisions (catalog keys).
const (
	MsgMilestoneUsed = "admin.error.milestone_used"
	MsgOrder         = "admin.error.order"
)

// ProcessChange is what an admin's change of the sales process does: the
// definitions it writes (a new one with ID 0, changed ones whole, by ID),
// the one it deletes, the process's new order (the new one as 0; nil when
// the order stays), and the audit entries that record it (the new one's
// "create" entry names it once it is written). internal/postgres applies it in
// the transaction that locked the definitions, with the projects' derived
// data it makes stale.
type ProcessChange struct {
	Write  []MilestoneDef
	Delete MilestoneID
	Order  []MilestoneID
	Audit  []AuditEntry
	// SkipReached: every project that has completed an active milestone
	// after the new definition skips it (ApplyToNotReached).
	SkipReached bool
}

// ApplyTo says which projects a milestone added to a live process applies to.
type ApplyTo string

// The choices of ApplyTo.
const (
	// ApplyToNotReached: only projects that have not reached a later
	// milestone; the others skip it (never pending, due or late for them).
	ApplyToNotReached ApplyTo = "not_reached"
	// ApplyToAll: every project, so it becomes the next step of every open
	// project that has completed the milestones before it, even one past it.
	ApplyToAll ApplyTo = "all"
)

func (c *ProcessChange) audit(id MilestoneID, action, old, new string) {
	c.Audit = append(c.Audit, AuditEntry{Entity: "milestone", EntityID: int64(id), Action: action, OldValue: old, NewValue: new})
}

// DecideNewMilestone adds a definition after the milestone after (0: at the
// end) of ms, the tenant's definitions in order, for the projects apply
// says. Flagging it won or qualifying moves that flag from the milestone
// that had it, so there is always one won milestone and at most one
// qualifying one. An unknown after is ErrNotFound; a process at
// MaxActiveMilestones, or an unknown apply, is a *ValidationError.
func DecideNewMilestone(ms []MilestoneDef, after MilestoneID, spec MilestoneSpec, apply ApplyTo) (ProcessChange, error) {
	if apply != ApplyToNotReached && apply != ApplyToAll {
		return ProcessChange{}, FieldError("apply", MsgRequired)
	}
	at := len(ms)
	if after != 0 {
		if at = indexOf(ms, after); at < 0 {
			return ProcessChange{}, ErrNotFound
		}
		at++
	}
	if activeCount(ms) >= MaxActiveMilestones {
		return ProcessChange{}, FieldError("", MsgTooMany)
	}
	c := ProcessChange{SkipReached: apply == ApplyToNotReached}
	moveFlags(&c, ms, 0, spec)
	c.Write = append(c.Write, MilestoneDef{Active: true, Position: at + 1, MilestoneSpec: spec})
	c.Order = slices.Insert(ids(ms), at, 0)
	c.audit(0, "create", "", describeSpec(spec, at+1))
	return c, nil
}

// DecideEditMilestone changes every field of a definition; every changed
// field is audited. Unflagging the won milestone is refused (flag another
// one as won instead), and an inactive milestone cannot become the won one.
func DecideEditMilestone(ms []MilestoneDef, id MilestoneID, spec MilestoneSpec) (ProcessChange, error) {
	i := indexOf(ms, id)
	if i < 0 {
		return ProcessChange{}, ErrNotFound
	}
	old := ms[i]
	var v Validator
	v.Check(!(old.Won && !spec.Won), "won", MsgOneWon)
	v.Check(old.Active || !spec.Won, "won", MsgWonActive)
	if err := v.Err(); err != nil {
		return ProcessChange{}, err
	}
	var c ProcessChange
	moveFlags(&c, ms, id, spec)
	n := old
	n.MilestoneSpec = spec
	c.Write = append(c.Write, n)
	of, nf := specFields(old.MilestoneSpec), specFields(spec)
	for k, name := range specFieldNames {
		if of[k] != nf[k] {
			c.audit(id, name, of[k], nf[k])
		}
	}
	return c, nil
}

// DecideMilestoneActive deactivates (or reactivates) a definition. Every
// completion stays; the won milestone cannot be deactivated, and a process
// at MaxActiveMilestones takes no more.
func DecideMilestoneActive(ms []MilestoneDef, id MilestoneID, active bool) (ProcessChange, error) {
	i := indexOf(ms, id)
	if i < 0 {
		return ProcessChange{}, ErrNotFound
	}
	var c ProcessChange
	switch {
	case ms[i].Active == active:
		return c, nil
	case !active && ms[i].Won:
		return c, FieldError("", MsgWonActive)
	case active && activeCount(ms) >= MaxActiveMilestones:
		return c, FieldError("", MsgTooMany)
	}
	n := ms[i]
	n.Active = active
	c.Write = append(c.Write, n)
	c.audit(id, "active", strconv.FormatBool(!active), strconv.FormatBool(active))
	return c, nil
}

// DecideDeleteMilestone removes a definition. The won milestone is never
// deleted; one that a project completed (or that events or subtasks name)
// is refused when the change is written (MsgMilestoneUsed): deactivate it
// instead.
func DecideDeleteMilestone(ms []MilestoneDef, id MilestoneID) (ProcessChange, error) {
	i := indexOf(ms, id)
	if i < 0 {
		return ProcessChange{}, ErrNotFound
	}
	if ms[i].Won {
		return ProcessChange{}, FieldError("", MsgOneWon)
	}
	c := ProcessChange{Delete: id, Order: slices.Delete(ids(ms), i, i+1)}
	c.audit(id, "delete", describeSpec(ms[i].MilestoneSpec, i+1), "")
	return c, nil
}

// DecideMilestoneOrder puts the definitions in order, which must list every
// one of ms exactly once: an ID that is not the tenant's is ErrNotFound,
// another list a *ValidationError. The same order changes nothing.
func DecideMilestoneOrder(ms []MilestoneDef, order []MilestoneID) (ProcessChange, error) {
	seen := make(map[MilestoneID]bool, len(order))
	for _, id := range order {
		if indexOf(ms, id) < 0 {
			return ProcessChange{}, ErrNotFound
		}
		if seen[id] {
			return ProcessChange{}, FieldError("", MsgOrder)
		}
		seen[id] = true
	}
	if len(order) != len(ms) {
		return ProcessChange{}, FieldError("", MsgOrder)
	}
	var c ProcessChange
	if slices.Equal(order, ids(ms)) {
		return c, nil
	}
	c.Order = order
	label := func(o []MilestoneID) string {
		s := make([]string, len(o))
		for i, id := range o {
			s[i] = ms[indexOf(ms, id)].Name
		}
		return strings.Join(s, " → ")
	}
	c.audit(0, "reorder", label(ids(ms)), label(order)) // the whole process: no one milestone
	return c, nil
}

// DecideMoveMilestone moves a definition one place up (delta -1) or down
// (+1); at the ends it stays.
func DecideMoveMilestone(ms []MilestoneDef, id MilestoneID, delta int) (ProcessChange, error) {
	i := indexOf(ms, id)
	if i < 0 {
		return ProcessChange{}, ErrNotFound
	}
	order := ids(ms)
	if j := i + delta; j >= 0 && j < len(order) {
		order[i], order[j] = order[j], order[i]
	}
	return DecideMilestoneOrder(ms, order)
}

// moveFlags clears the won / qualifying flag of every other milestone when
// spec sets it; each move is audited.
func moveFlags(c *ProcessChange, ms []MilestoneDef, self MilestoneID, spec MilestoneSpec) {
	for _, m := range ms {
		if m.ID == self || !(spec.Won && m.Won || spec.Qualifying && m.Qualifying) {
			continue
		}
		n := m
		if spec.Won && m.Won {
			n.Won = false
			c.audit(m.ID, "won", "true", "false")
		}
		if spec.Qualifying && m.Qualifying {
			n.Qualifying = false
			c.audit(m.ID, "qualifying", "true", "false")
		}
		c.Write = append(c.Write, n)
	}
}

func indexOf(ms []MilestoneDef, id MilestoneID) int {
	return slices.IndexFunc(ms, func(m MilestoneDef) bool { return m.ID == id })
}

func ids(ms []MilestoneDef) []MilestoneID {
	out := make([]MilestoneID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func activeCount(ms []MilestoneDef) int {
	n := 0
	for _, m := range ms {
		if m.Active {
			n++
		}
	}
	return n
}

func describeSpec(s MilestoneSpec, pos int) string {
	parts := []string{s.Name, "#" + strconv.Itoa(pos), strconv.Itoa(s.Probability) + "%"}
	if s.HasDeadline {
		parts = append(parts, strconv.Itoa(s.DeadlineDays)+"d from "+s.DeadlineFrom)
	}
	if s.EventTitle != "" {
		parts = append(parts, "event "+s.EventTitle+" +"+strconv.Itoa(s.EventDays)+"d")
	}
	if s.Qualifying {
		parts = append(parts, "qualifying")
	}
	if s.Won {
		parts = append(parts, "won")
	}
	return strings.Join(parts, ", ")
}

var specFieldNames = []string{"name", "criteria", "deadline_days", "deadline_from", "probability", "event_title", "event_days", "qualifying", "won"}

func specFields(s MilestoneSpec) []string {
	deadline, event := "", ""
	if s.HasDeadline {
		deadline = strconv.Itoa(s.DeadlineDays)
	}
	if s.EventTitle != "" {
		event = strconv.Itoa(s.EventDays)
	}
	return []string{s.Name, s.Criteria, deadline, s.DeadlineFrom, strconv.Itoa(s.Probability), s.EventTitle, event,
		strconv.FormatBool(s.Qualifying), strconv.FormatBool(s.Won)}
}

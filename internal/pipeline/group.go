package pipeline

// KeyFunc puts a project in a group. A nil KeyFunc puts every project in
// the single group NoGroup. Custom groupings are any function of this type.
type KeyFunc func(p *Project, f *Facts) Key

// Dimension names a built-in grouping.
type Dimension uint8

// Built-in groupings.
const (
	ByNone             Dimension = iota // one group, NoGroup
	ByOwner                             // Project.OwnerID
	ByWorkgroup                         // Project.WorkgroupID
	BySource                            // Project.SourceID
	ByCreatedMonth                      // month created in the tenant's time zone, as MonthKey
	ByPendingMilestone                  // pending milestone ID, 0 when none
	ByState                             // effective State
	ByArchiveReason                     // Project.ArchiveReasonID, 0 when not archived
)

// dimensionNames lists the names by Dimension.
func dimensionNames() [8]string {
	return [...]string{
		ByNone:             "none",
		ByOwner:            "owner",
		ByWorkgroup:        "workgroup",
		BySource:           "source",
		ByCreatedMonth:     "month",
		ByPendingMilestone: "pending_milestone",
		ByState:            "state",
		ByArchiveReason:    "archive_reason",
	}
}

// String returns the dimension's stable name, as ParseDimension reads it.
func (d Dimension) String() string {
	if names := dimensionNames(); int(d) < len(names) {
		return names[d]
	}
	return "unknown"
}

// KeyFunc returns the grouping function of a built-in dimension.
func (e *Engine) KeyFunc(d Dimension) KeyFunc {
	switch d {
	case ByOwner:
		return func(p *Project, _ *Facts) Key { return Key(p.OwnerID) }
	case ByWorkgroup:
		return func(p *Project, _ *Facts) Key { return Key(p.WorkgroupID) }
	case BySource:
		return func(p *Project, _ *Facts) Key { return Key(p.SourceID) }
	case ByCreatedMonth:
		return func(p *Project, _ *Facts) Key { return e.zone.monthKey(p.CreatedAt) }
	case ByPendingMilestone:
		return func(_ *Project, f *Facts) Key {
			if f.Pending < 0 {
				return 0
			}
			return Key(e.ids[f.Pending])
		}
	case ByState:
		return func(_ *Project, f *Facts) Key { return Key(f.State) }
	case ByArchiveReason:
		return func(p *Project, f *Facts) Key {
			if f.State != StateArchived {
				return 0
			}
			return Key(p.ArchiveReasonID)
		}
	}
	return nil
}

// groupKey applies fn, or gives NoGroup for a nil fn.
func groupKey(fn KeyFunc, p *Project, f *Facts) Key {
	if fn == nil {
		return NoGroup
	}
	return fn(p, f)
}

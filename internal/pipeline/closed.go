package pipeline

// ByClosedMonth returns the grouping of projects by the month they were
// closed in, in the tenant's time zone: the month a sold project was sold
// (SoldAt), the month an archived one was archived; 0 for open projects. With
// Metrics it gives the monthly trend of the deals closed: win rate, deals
// and value sold per month.
func (e *Engine) ByClosedMonth() KeyFunc {
	return func(p *Project, f *Facts) Key {
		switch f.State {
		case StateSold:
			return e.zone.monthKey(f.SoldAt)
		case StateArchived:
			if !p.ArchivedAt.IsZero() {
				return e.zone.monthKey(p.ArchivedAt)
			}
		}
		return 0
	}
}

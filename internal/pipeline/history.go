package pipeline

import (
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// HistoryField is a field of a project whose past the engine rebuilds from
// the project log.
type HistoryField uint8

// The fields the rebuild follows.
const (
	FieldValue         HistoryField = iota + 1 // value in cents
	FieldExpectedClose                         // expected close date
	FieldState                                 // the project's state
	FieldProbability                           // the probability override
	FieldForecast                              // the forecast category
	FieldDeferUntil                            // the defer-until date
)

// LoggedFields are the project log's names of the fields the rebuild
// follows (field_changed entries; state_changed entries carry "state").
var loggedFields = map[string]HistoryField{
	"value": FieldValue, "expected_close": FieldExpectedClose, "state": FieldState,
	"probability": FieldProbability, "forecast": FieldForecast, "defer_until": FieldDeferUntil,
}

// LoggedFields returns the names of the logged fields the rebuild reads.
func LoggedFields() []string {
	return []string{"value", "expected_close", "state", "probability", "forecast", "defer_until"}
}

// FieldChange is one logged change of a project's field: at At, the field
// had the value Old before the change (as logged, old → new).
type FieldChange struct {
	At    time.Time
	Field HistoryField
	// Old is the value before the change: cents for the value, the State
	// for the state, the percentage (-1 for none) for the probability, the
	// ForecastCategory for the forecast.
	Old int64
	// OldDate is the date before the change of a date field (zero: none),
	// as a date (read in its own location).
	OldDate time.Time
}

// ParseFieldChange reads a logged change (the log's field name and old
// value as written by the change decisions) into a FieldChange; false for a
// field the rebuild does not follow or an old value it cannot read.
func ParseFieldChange(at time.Time, field, old string) (FieldChange, bool) {
	f, ok := loggedFields[field]
	if !ok {
		return FieldChange{}, false
	}
	c := FieldChange{At: at, Field: f}
	switch f {
	case FieldValue:
		if old == "" {
			return c, true
		}
		n, err := strconv.ParseInt(old, 10, 64)
		c.Old = n
		return c, err == nil
	case FieldExpectedClose, FieldDeferUntil:
		if old == "" {
			return c, true
		}
		d, err := time.Parse(time.DateOnly, old)
		c.OldDate = d
		return c, err == nil
	case FieldState:
		s := StateOf(crm.State(old))
		c.Old = int64(s)
		return c, old != "" && s.String() == old
	case FieldProbability:
		c.Old = -1
		if old == "" {
			return c, true
		}
		n, err := strconv.Atoi(old)
		c.Old = int64(n)
		return c, err == nil && n >= 0 && n <= 100
	case FieldForecast:
		c.Old = int64(categoryOf(crm.ForecastCategory(old)))
		return c, true
	}
	return FieldChange{}, false
}

// AsOf rebuilds into dst the project p as it stood at the instant t (for
// "the end of a day", the first instant of the next day): p as it is now,
// with every logged change at or after t undone, newest first, each field
// set back to its old value, and only the milestone completions before t.
// It reports false when p did not exist yet at t (created at or after t).
// p.Changes must hold every logged change at or after t, oldest first.
// What the log does not hold is kept as it is now: the owner and team
// (reports filter by today's owner), and the activity dates, which only
// move a project's stagnation. dst's slices are reused; p is not changed.
func (e *Engine) AsOf(dst, p *Project, t time.Time) bool {
	if !p.CreatedAt.Before(t) {
		return false
	}
	comps, skips, items := dst.Completions[:0], dst.Skipped[:0], dst.Items[:0]
	*dst = *p
	for _, c := range p.Completions {
		if c.At.Before(t) {
			comps = append(comps, c)
		}
	}
	dst.Completions = comps
	dst.Skipped = append(skips, p.Skipped...)
	dst.Items = items // what was open then is not known: nothing is late
	dst.Changes = nil
	for i := len(p.Changes) - 1; i >= 0; i-- {
		c := &p.Changes[i]
		if c.At.Before(t) {
			break
		}
		switch c.Field {
		case FieldValue:
			dst.Value = c.Old
		case FieldExpectedClose:
			dst.ExpectedClose = c.OldDate
		case FieldState:
			dst.State = State(c.Old)
		case FieldProbability:
			dst.HasOverride, dst.ProbabilityOverride = c.Old >= 0, int(max(c.Old, 0))
		case FieldForecast:
			dst.Forecast = ForecastCategory(c.Old)
		case FieldDeferUntil:
			dst.DeferUntil = time.Time{}
			if !c.OldDate.IsZero() {
				y, m, d := c.OldDate.Date()
				dst.DeferUntil = DayStart(y, m, d, e.loc)
			}
		}
	}
	if dst.State != StateArchived || !dst.ArchivedAt.Before(t) {
		dst.ArchivedAt = time.Time{}
	}
	if !dst.ResumedAt.Before(t) {
		dst.ResumedAt = time.Time{}
	}
	if !dst.FirstTouchAt.Before(t) {
		dst.FirstTouchAt = time.Time{}
	}
	if !dst.LastActivityAt.Before(t) {
		dst.LastActivityAt = time.Time{}
	}
	return true
}

package crm

import (
	"strings"
	"time"
)

// Layouts of the date and time inputs (HTML date and datetime-local).
const (
	DateLayout      = "2006-01-02"
	LocalTimeLayout = "2006-01-02T15:04"
)

// Date and time messages (catalog keys).
const (
	MsgDateInvalid   = "error.date_invalid"
	MsgTimeInvalid   = "error.time_invalid"
	MsgTimeFuture    = "error.time_future"
	MsgBeforeCreated = "error.before_created"
	MsgDateNotFuture = "error.date_not_future"
)

// ParseLocalTime reads "2006-01-02T15:04" (seconds allowed) as a wall-clock
// time in loc, the tenant's time zone.
func ParseLocalTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{LocalTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
			return t, true
		}
	}
	return time.Time{}, false
}

// Date is a calendar date without a time zone ("2026-03-15").
type Date struct {
	Y int
	M time.Month
	D int
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil || t.Year() < 1900 || t.Year() > 9999 {
		return Date{}, false
	}
	return DateOf(t), true
}

// DateOf is the calendar date t carries in its own location.
func DateOf(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Y == 0 }

// String is the ISO form, "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(DateLayout)
}

// Time is midnight UTC of the date (how a SQL date is carried).
func (d Date) Time() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC) }

// Start is the first instant of the date in loc.
func (d Date) Start(loc *time.Location) time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, loc) }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.Time().After(o.Time()) }

// Today is the calendar date of now in loc.
func Today(now time.Time, loc *time.Location) Date { return DateOf(now.In(loc)) }

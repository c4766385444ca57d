package pipeline

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrParse is wrapped by every parse error of this package.
var ErrParse = errors.New("pipeline: cannot parse")

// normalise lowercases s and turns spaces and hyphens into underscores.
func normalise(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// ParseForecastCategory reads a category name: "pipeline", "best_case"
// ("best case", "Best-Case"), "commit", "closed_won" ("closed won"). The
// empty string is CategoryNone.
func ParseForecastCategory(s string) (ForecastCategory, error) {
	switch normalise(s) {
	case "":
		return CategoryNone, nil
	case "pipeline":
		return CategoryPipeline, nil
	case "best_case", "bestcase":
		return CategoryBestCase, nil
	case "commit":
		return CategoryCommit, nil
	case "closed_won", "closedwon", "closed":
		return CategoryClosedWon, nil
	}
	return CategoryNone, fmt.Errorf("%w forecast category %q", ErrParse, s)
}

// ParseDimension reads a grouping name as Dimension.String writes it
// ("owner", "workgroup", "source", "month", "pending_milestone", "state",
// "archive_reason", "none"); the empty string is ByNone.
func ParseDimension(s string) (Dimension, error) {
	n := normalise(s)
	if n == "" {
		return ByNone, nil
	}
	for d, name := range dimensionNames() {
		if n == name {
			return Dimension(d), nil
		}
	}
	return ByNone, fmt.Errorf("%w grouping %q", ErrParse, s)
}

// ParseState reads a state name ("active", "deferred", "archived", "sold").
func ParseState(s string) (State, error) {
	switch normalise(s) {
	case "active":
		return StateActive, nil
	case "deferred":
		return StateDeferred, nil
	case "archived":
		return StateArchived, nil
	case "sold":
		return StateSold, nil
	}
	return StateUnknown, fmt.Errorf("%w state %q", ErrParse, s)
}

// Period is the half-open interval [From, To). The zero Period is "all
// time": it contains every instant.
type Period struct {
	From, To time.Time
}

// IsZero reports whether p is the all-time period.
func (p Period) IsZero() bool { return p.From.IsZero() && p.To.IsZero() }

// Contains reports whether t is in p. A zero From or To leaves that side open.
func (p Period) Contains(t time.Time) bool {
	if !p.From.IsZero() && t.Before(p.From) {
		return false
	}
	if !p.To.IsZero() && !t.Before(p.To) {
		return false
	}
	return true
}

// ParsePeriod reads a period in the tenant's time zone:
//
//	2026          the year
//	2026-Q1       a quarter
//	2026-03       a month
//	2026-03-15    a day
//	2026-03-01..2026-03-31   from the first day to the last day, both included
//
// Every period runs from the start of its first local day to the start of
// the day after its last one. The empty string is the all-time period.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Period{}, nil
	}
	if a, b, ok := strings.Cut(s, ".."); ok {
		from, _, err := parseDay(a, loc)
		if err != nil {
			return Period{}, err
		}
		_, to, err := parseDay(b, loc)
		if err != nil {
			return Period{}, err
		}
		if !from.Before(to) {
			return Period{}, fmt.Errorf("%w period %q: end before start", ErrParse, s)
		}
		return Period{From: from, To: to}, nil
	}
	bad := fmt.Errorf("%w period %q", ErrParse, s)
	switch {
	case len(s) == 4:
		y, err := parseYear(s)
		if err != nil {
			return Period{}, bad
		}
		return Period{From: DayStart(y, 1, 1, loc), To: DayStart(y+1, 1, 1, loc)}, nil
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q') && s[4] == '-':
		y, err := parseYear(s[:4])
		if err != nil || s[6] < '1' || s[6] > '4' {
			return Period{}, bad
		}
		m := time.Month(3*int(s[6]-'1') + 1)
		return Period{From: DayStart(y, m, 1, loc), To: DayStart(y, m+3, 1, loc)}, nil
	case len(s) == 7 && s[4] == '-':
		y, err := parseYear(s[:4])
		if err != nil {
			return Period{}, bad
		}
		m, err := parseDigits(s[5:], 1, 12)
		if err != nil {
			return Period{}, bad
		}
		return Period{From: DayStart(y, time.Month(m), 1, loc), To: DayStart(y, time.Month(m)+1, 1, loc)}, nil
	case len(s) == 10:
		from, to, err := parseDay(s, loc)
		if err != nil {
			return Period{}, err
		}
		return Period{From: from, To: to}, nil
	}
	return Period{}, bad
}

// parseDay reads YYYY-MM-DD and returns the start of that day and of the next.
func parseDay(s string, loc *time.Location) (from, to time.Time, err error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%w date %q", ErrParse, s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return from, to, bad
	}
	y, err1 := parseYear(s[:4])
	m, err2 := parseDigits(s[5:7], 1, 12)
	d, err3 := parseDigits(s[8:], 1, 31)
	if err1 != nil || err2 != nil || err3 != nil {
		return from, to, bad
	}
	if time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return from, to, bad // 2026-02-30
	}
	return DayStart(y, time.Month(m), d, loc), DayStart(y, time.Month(m), d+1, loc), nil
}

func parseYear(s string) (int, error) { return parseDigits(s, 1, 9999) }

// parseDigits reads only ASCII digits (no sign, no spaces) within [lo, hi].
func parseDigits(s string, lo, hi int) (int, error) {
	if s == "" {
		return 0, ErrParse
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrParse
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, ErrParse
	}
	return n, nil
}

func errParse(what, s string) error { return fmt.Errorf("%w %s %q", ErrParse, what, s) }

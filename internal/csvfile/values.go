package csvfile

import (
	"strings"
	"time"
	"unicode"

	"github.com/pipewell/pipewell/internal/crm"
)

// Messages of a value that cannot be read (catalog keys).
const (
	MsgValueMoney   = "import.value.money"   // not an amount
	MsgValueDate    = "import.value.date"    // not a date
	MsgValueInstant = "import.value.instant" // not a date and time
)

// DateOrder says how to read a date written with slashes whose day and
// month could be either (03/04/2026): month first (as in the United
// States) or day first. A date with dots (03.04.2026) is always day first,
// and one whose first number is over 12 is read day first whatever the order.
type DateOrder string

// Date orders.
const (
	MonthFirst DateOrder = "mdy"
	DayFirst   DateOrder = "dmy"
)

// ParseAmount reads an amount as spreadsheets and other CRMs write it into
// integer cents: "1,234.56", "1.234,56", "1 234,56", "$1,234", "1234.5 EUR",
// "(250.00)" for a negative amount. Of two separators the last one is the
// decimal point; a single one followed by exactly three digits groups
// thousands ("1,234" and "1.234" are 1234), else it is the decimal point.
// More than two decimals are rounded half away from zero. The empty
// string is 0. The amount is at most crm.MaxMoneyCents either way.
func ParseAmount(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	// Currency signs and codes (three letters at most, before or after the
	// number), spaces and apostrophes grouping thousands.
	var b strings.Builder
	letters, signs, ended := 0, 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c == '.', c == ',':
			if ended {
				return 0, MsgValueMoney
			}
			b.WriteRune(c)
		case c == '-' || c == '−':
			if b.Len() > 0 || neg {
				return 0, MsgValueMoney
			}
			neg = true
		case c == '+':
			if b.Len() > 0 {
				return 0, MsgValueMoney
			}
		case unicode.IsLetter(c) && c < 0x80:
			if letters++; letters > 3 {
				return 0, MsgValueMoney
			}
			ended = b.Len() > 0
		case unicode.Is(unicode.Sc, c):
			signs++
			ended = b.Len() > 0
		case unicode.IsSpace(c), c == '\'', c == '’':
		default:
			return 0, MsgValueMoney
		}
	}
	digits := b.String()
	if letters != 0 && letters != 3 && signs == 0 { // a code has three letters (EUR); US$ has a sign
		return 0, MsgValueMoney
	}
	if digits == "" {
		return 0, MsgValueMoney
	}
	dec := -1
	lastDot, lastComma := strings.LastIndexByte(digits, '.'), strings.LastIndexByte(digits, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = max(lastDot, lastComma)
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		at := lastDot
		if lastComma >= 0 {
			sep, at = ',', lastComma
		}
		if strings.Count(digits, string(sep)) == 1 && !(len(digits)-at-1 == 3 && at > 0) {
			dec = at
		}
	}
	intPart, frac := digits, ""
	if dec >= 0 {
		intPart, frac = digits[:dec], digits[dec+1:]
		if strings.ContainsAny(frac, ".,") || frac == "" && intPart == "" {
			return 0, MsgValueMoney
		}
	}
	// Grouping separators: groups of three after the first.
	if strings.ContainsAny(intPart, ".,") {
		groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == '.' || r == ',' })
		if len(groups) != strings.Count(intPart, ".")+strings.Count(intPart, ",")+1 {
			return 0, MsgValueMoney
		}
		for i, g := range groups {
			if len(g) > 3 || (i > 0 && len(g) != 3) {
				return 0, MsgValueMoney
			}
		}
		intPart = strings.Join(groups, "")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 13 {
		return 0, crm.MsgMoneyTooLarge
	}
	var cents int64
	for _, c := range intPart {
		cents = cents*10 + int64(c-'0')
	}
	cents *= 100
	for i := 0; i < len(frac) && i < 2; i++ {
		d := int64(frac[i] - '0')
		if i == 0 {
			d *= 10
		}
		cents += d
	}
	if len(frac) > 2 && frac[2] >= '5' {
		cents++
	}
	if cents > crm.MaxMoneyCents {
		return 0, crm.MsgMoneyTooLarge
	}
	if neg {
		cents = -cents
	}
	return cents, ""
}

// dateLayouts are the calendar dates read, after the ISO form; slashes
// come in two orders.
var (
	isoLayouts   = []string{"2006-01-02", "2006/01/02", "2006.01.02", "20060102"}
	dotLayouts   = []string{"02.01.2006", "2.1.2006", "02.01.06", "2.1.06"}
	mdyLayouts   = []string{"01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "01-02-2006", "1-2-2006"}
	dmyLayouts   = []string{"02/01/2006", "2/1/2006", "02/01/06", "2/1/06", "02-01-2006", "2-1-2006"}
	namedLayouts = []string{"Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "2 January 2006", "02-Jan-2006", "2-Jan-2006",
		"Jan 2 2006", "Mon, Jan 2, 2006", "Monday, January 2, 2006", "2. January 2006"}
	clockLayouts = []string{"15:04:05.999999999", "15:04:05", "15:04", "3:04:05 PM", "3:04 PM", "3:04:05PM", "3:04PM",
		"3:04:05 pm", "3:04 pm"}
)

// ParseDay reads a calendar date: 2026-03-04, 2026/03/04, 04.03.2026,
// 03/04/2026 (in order's order), 4 Mar 2026, Mar 4, 2026; a date with a
// time (an export's instant) is its calendar day as written.
func ParseDay(s string, order DateOrder) (crm.Date, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return crm.Date{}, ""
	}
	if t, ok := parseDate(s, order); ok {
		return crm.DateOf(t), ""
	}
	if t, ok := parseInstant(s, time.UTC, order); ok {
		return crm.DateOf(t), ""
	}
	return crm.Date{}, MsgValueDate
}

// ParseInstant reads a date and time: RFC 3339 with its offset
// (2026-03-04T09:30:00+01:00, or Z), or a wall-clock time in loc, the
// tenant's zone (2026-03-04 09:30, 03/04/2026 9:30 AM, 04.03.2026 09:30:15);
// a date alone is the start of that day in loc. "UTC" or "Z" after a
// wall-clock time makes it UTC.
func ParseInstant(s string, loc *time.Location, order DateOrder) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, ""
	}
	if t, ok := parseInstant(s, loc, order); ok {
		return t, ""
	}
	if t, ok := parseDate(s, order); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc), ""
	}
	return time.Time{}, MsgValueInstant
}

func inRange(t time.Time) bool { return t.Year() >= 1900 && t.Year() <= 9999 }

func parseDate(s string, order DateOrder) (time.Time, bool) {
	if len(s) < 6 || len(s) > 40 {
		return time.Time{}, false
	}
	for _, group := range dateGroups(s, order) {
		for _, layout := range group {
			if t, err := time.Parse(layout, s); err == nil && inRange(t) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// dateGroups are the layouts to try for s, in order: ISO first, then the
// form its separators name.
func dateGroups(s string, order DateOrder) [][]string {
	switch {
	case len(s) >= 5 && (s[4] == '-' || s[4] == '/' || s[4] == '.') || len(s) == 8 && isDigits(s):
		return [][]string{isoLayouts}
	case strings.Contains(s, "."):
		return [][]string{dotLayouts, namedLayouts}
	case strings.ContainsAny(s, "/-") && startsDigit(s):
		first := s
		if i := strings.IndexAny(s, "/-"); i >= 0 {
			first = s[:i]
		}
		if order == DayFirst || len(first) == 2 && first > "12" {
			return [][]string{dmyLayouts, mdyLayouts, namedLayouts}
		}
		return [][]string{mdyLayouts, dmyLayouts, namedLayouts}
	}
	return [][]string{namedLayouts}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func startsDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func parseInstant(s string, loc *time.Location, order DateOrder) (time.Time, bool) {
	if len(s) > 60 {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05 -0700 MST", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil && inRange(t) {
			return t, true
		}
	}
	// A wall-clock time: the date, then the clock after a space or a T.
	zone := loc
	for _, suffix := range []string{" UTC", "Z", " GMT"} {
		if strings.HasSuffix(s, suffix) {
			s, zone = strings.TrimSuffix(s, suffix), time.UTC
			break
		}
	}
	for cut := 1; cut < len(s)-1; cut++ {
		if s[cut] != ' ' && s[cut] != 'T' {
			continue
		}
		d, ok := parseDate(strings.TrimSuffix(s[:cut], ","), order)
		if !ok {
			continue
		}
		clock := strings.TrimSpace(s[cut+1:])
		for _, layout := range clockLayouts {
			if c, err := time.Parse(layout, clock); err == nil {
				return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), zone), true
			}
		}
	}
	return time.Time{}, false
}

package pipeline

import "time"

// DayStart returns the first instant of the calendar day y-m-d in loc
// (out-of-range months and days are normalised: month 13 is January of the
// next year). On a day whose midnight is skipped by a daylight-saving
// change, it is the first instant that exists.
func DayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	y, m, d = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	// time.Date normalises a skipped midnight forward into the day; a day
	// that starts at 01:00 then yields 01:00, which is right. If it landed on
	// the previous day (never for real zones), step forward.
	if ty, tm, td := t.Date(); ty != y || tm != m || td != d {
		t = time.Date(y, m, d, 1, 0, 0, 0, loc)
	}
	return t
}

// civilDay numbers calendar days: consecutive days get consecutive numbers.
func civilDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// localDay returns the civil day number of t in loc.
func localDay(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return civilDay(y, m, d)
}

// dayFromCivil converts a civil day number back to a date.
func dayFromCivil(n int64) (int, time.Month, int) {
	return time.Unix(n*86400, 0).UTC().Date()
}

// startOfCivilDay is the first instant of civil day n in loc.
func startOfCivilDay(n int64, loc *time.Location) time.Time {
	y, m, d := dayFromCivil(n)
	return DayStart(y, m, d, loc)
}

// MonthOf splits a month key made by the month grouping (202603) into its
// year and month.
func MonthOf(k Key) (year int, month time.Month) {
	return int(k / 100), time.Month(k % 100)
}

// MonthKey builds the key of a calendar month.
func MonthKey(year int, month time.Month) Key { return Key(year*100 + int(month)) }

// dateDay is the civil day number of t's calendar date read in t's own
// location, for values that are dates rather than instants.
func dateDay(t time.Time) int64 {
	y, m, d := t.Date()
	return civilDay(y, m, d)
}

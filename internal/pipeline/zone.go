package pipeline

import (
	"sort"
	"time"
)

// zoneTable answers "which local day is this instant in" without the cost
// of time.Time.In(loc).Date(): it holds the tenant zone's UTC offsets over a
// span of years around the report's moment and falls back to the time
// package outside it. Local day numbers are days since 1970-01-01 of the
// local calendar date (the same numbering as civilDay).
type zoneTable struct {
	loc    *time.Location
	spans  []zoneSpan // ascending, contiguous, covering [lo, hi)
	lo, hi int64
}

type zoneSpan struct {
	start  int64 // Unix seconds; the span runs to the next span's start
	offset int64 // seconds east of UTC
}

const zoneYears = 30 // years covered before the report's moment; 10 after

func newZoneTable(loc *time.Location, around time.Time) zoneTable {
	z := zoneTable{loc: loc}
	from := around.AddDate(-zoneYears, 0, 0).In(loc)
	to := around.AddDate(10, 0, 0)
	z.lo, z.hi = from.Unix(), to.Unix()
	t := from
	for len(z.spans) < 4096 {
		_, off := t.Zone()
		_, end := t.ZoneBounds()
		z.spans = append(z.spans, zoneSpan{start: t.Unix(), offset: int64(off)})
		if end.IsZero() || !end.Before(to) {
			return z
		}
		t = end
	}
	z.hi = t.Unix() // a pathological zone: cover what was read
	return z
}

// offset returns the UTC offset at sec, and whether sec is covered.
func (z *zoneTable) offset(sec int64) (int64, bool) {
	if sec < z.lo || sec >= z.hi {
		return 0, false
	}
	i := sort.Search(len(z.spans), func(i int) bool { return z.spans[i].start > sec }) - 1
	if i < 0 {
		return 0, false
	}
	return z.spans[i].offset, true
}

// day is the local day number of the instant sec.
func (z *zoneTable) day(sec int64) int64 {
	if off, ok := z.offset(sec); ok {
		return floorDiv(sec+off, 86400)
	}
	return localDay(time.Unix(sec, 0), z.loc)
}

// dayOf is day for a time.Time.
func (z *zoneTable) dayOf(t time.Time) int64 { return z.day(t.Unix()) }

// dayStart is the first instant of local day n.
func (z *zoneTable) dayStart(n int64) time.Time {
	mid := n * 86400
	// The offset in force around local midnight; check that the candidate
	// really is midnight of day n and that the second before is day n-1
	// (it is not on a day whose midnight a clock change skips or repeats).
	if off, ok := z.offset(mid - 43200); ok {
		cand := mid - off
		if o2, ok := z.offset(cand); ok && o2 == off && z.day(cand-1) == n-1 {
			return time.Unix(cand, 0).In(z.loc)
		}
	}
	return startOfCivilDay(n, z.loc)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// monthKey is the MonthKey of the local month of t.
func (z *zoneTable) monthKey(t time.Time) Key {
	y, m, _ := dayFromCivil(z.dayOf(t))
	return MonthKey(y, m)
}

package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The zone table agrees with the time package everywhere, including around
// clock changes, in zones with half-hour DST and odd offsets.
func TestZoneTableMatchesTimePackage(t *testing.T) {
	zones := []*time.Location{time.UTC, berlin, newYork, mustLoc("America/Santiago"),
		mustLoc("Australia/Lord_Howe"), mustLoc("Asia/Kathmandu"), mustLoc("Pacific/Apia"), mustLoc("America/Havana")}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(3, 4))
	for _, loc := range zones {
		z := newZoneTable(loc, now)
		check := func(sec int64) {
			tm := time.Unix(sec, 0)
			if got, want := z.day(sec), localDay(tm, loc); got != want {
				t.Fatalf("%v %v: day %d, want %d", loc, tm.In(loc), got, want)
			}
			y, m, _ := tm.In(loc).Date()
			if got := z.monthKey(tm); got != MonthKey(y, m) {
				t.Fatalf("%v %v: month %d", loc, tm.In(loc), got)
			}
		}
		for i := 0; i < 20000; i++ {
			// Spread over 60 years around now (the table and the fallback).
			check(now.Unix() + r.Int64N(60*365*86400) - 45*365*86400)
		}
		// Every second around each transition in range.
		for _, s := range z.spans[1:] {
			for d := int64(-3); d <= 3; d++ {
				check(s.start + d)
			}
		}
		// Day starts, including skipped and repeated midnights.
		base := localDay(now, loc)
		for n := base - 800; n < base+800; n++ {
			got := z.dayStart(n)
			want := startOfCivilDay(n, loc)
			if !got.Equal(want) {
				t.Fatalf("%v day %d: start %v, want %v", loc, n, got, want)
			}
		}
	}
}

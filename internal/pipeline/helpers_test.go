package pipeline

import (
	"testing"
	"time"
	_ "time/tzdata" // time zones in tests do not depend on the machine
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	berlin  = mustLoc("Europe/Berlin")
	newYork = mustLoc("America/New_York")
)

// Default process of a new tenant, with deadlines and probabilities.
const (
	mCreated   int64 = 11
	mQualified int64 = 12
	mProposed  int64 = 13
	mSold      int64 = 14
)

func defaultDefs() []MilestoneDef {
	return []MilestoneDef{
		{ID: mQualified, Position: 2, DeadlineDays: 2, Probability: 20, Qualifying: true, Active: true},
		{ID: mCreated, Position: 1, Probability: 10, Active: true},
		{ID: mSold, Position: 4, DeadlineDays: 60, DeadlineFrom: FromCreation, Probability: 100, Won: true, Active: true},
		{ID: mProposed, Position: 3, DeadlineDays: 7, Probability: 50, Active: true},
		{ID: 99, Position: 5, DeadlineDays: 1, Probability: 70, Active: false}, // inactive: ignored
	}
}

func at(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func engine(t testing.TB, defs []MilestoneDef, s Settings) *Engine {
	t.Helper()
	e, err := NewEngine(defs, s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func done(id int64, t time.Time) Completion { return Completion{MilestoneID: id, At: t} }

package pipeline

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// Milestones the engine must never see: one defined but inactive (flagged
// qualifying and won, with a deadline and a probability, so that any use of
// it would show) and one nobody defined.
const (
	inactiveID int64 = 900
	unknownID  int64 = 901
)

// withInactive returns defs with the inactive milestone placed in the middle
// of the process.
func withInactive(defs []MilestoneDef) []MilestoneDef {
	return append(slices.Clone(defs), MilestoneDef{
		ID: inactiveID, Position: len(defs)/2 + 1, DeadlineDays: 1, Probability: 99,
		Qualifying: true, Won: true, Active: false,
	})
}

// withoutWon drops, from some sold projects, the completion of the won
// milestone (or every completion), so that sold at falls back to the latest
// completion or to creation; genProject always completes the won milestone
// of a sold project.
func withoutWon(r *rand.Rand, ps []Project, won int64) {
	for i := range ps {
		p := &ps[i]
		if p.State != StateSold {
			continue
		}
		switch r.IntN(10) {
		case 0:
			p.Completions = nil
		case 1, 2, 3, 4:
			p.Completions = slices.DeleteFunc(slices.Clone(p.Completions),
				func(c Completion) bool { return c.MilestoneID == won })
		}
	}
}

// addIgnored returns a copy of ps in which about half the projects have one
// to three completions of the inactive or the unknown milestone, at any time
// from before creation to after now, anywhere in their list.
func addIgnored(r *rand.Rand, ps []Project) []Project {
	out := slices.Clone(ps)
	span := genNow.Add(60*24*time.Hour).Unix() - genBase.Unix()
	for i := range out {
		p := &out[i]
		comps := slices.Clone(p.Completions)
		if r.IntN(2) == 0 {
			for n := 1 + r.IntN(3); n > 0; n-- {
				id := inactiveID
				if r.IntN(3) == 0 {
					id = unknownID
				}
				at := genBase.Add(time.Duration(r.Int64N(span)) * time.Second)
				if r.IntN(4) == 0 && len(comps) > 0 {
					at = comps[len(comps)-1].At.Add(time.Duration(1+r.IntN(3600)) * time.Second) // just after the last
				}
				comps = slices.Insert(comps, r.IntN(len(comps)+1), Completion{MilestoneID: id, At: at})
			}
		}
		p.Completions = comps
	}
	return out
}

func TestPropertyInactiveMilestonesChangeNothing(t *testing.T) {
	for i, n := range []int{2, 4, 6} {
		defs := genDefs(n)
		for j, loc := range []*time.Location{time.UTC, berlin} {
			seed := uint64(100 + 10*i + j)
			r := rand.New(rand.NewPCG(seed, 3))
			ps := genProjects(seed, 3000, defs, 7)
			withoutWon(r, ps, defs[n-1].ID)
			qs := addIgnored(r, ps)
			s := Settings{Location: loc, Now: genNow, StagnantDays: 14}
			e, e2 := engine(t, defs, s), engine(t, withInactive(defs), s)
			name := func(what string) string { return fmt.Sprintf("%s, %d milestones: %s", loc, n, what) }

			changed := 0
			for k := range ps {
				f, f2 := e.Facts(&ps[k]), e2.Facts(&qs[k])
				if f != f2 {
					if changed++; changed <= 3 {
						t.Errorf("%s: project %d facts\n%+v\nwith ignored completions\n%+v\n%+v",
							name("facts"), ps[k].ID, f, f2, qs[k].Completions)
					}
				}
				if a, b := e.LateItems(&ps[k], nil), e2.LateItems(&qs[k], nil); !reflect.DeepEqual(a, b) {
					t.Errorf("%s: project %d late items %+v, with ignored completions %+v", name("late"), ps[k].ID, a, b)
				}
			}
			if changed > 0 {
				t.Errorf("%s: %d of %d projects changed", name("facts"), changed, len(ps))
			}

			year, _ := ParsePeriod("2025", loc)
			q2, _ := ParsePeriod("2025-Q2", loc)
			for _, period := range []Period{{}, year, q2} {
				for _, d := range []Dimension{ByNone, ByOwner, ByCreatedMonth, ByPendingMilestone, ByState} {
					a := runAll(e, ps, e.KeyFunc(d), period)
					b := runAll(e2, qs, e2.KeyFunc(d), period)
					what := name(d.String() + " " + period.From.Format(time.DateOnly))
					for _, c := range []struct {
						report string
						a, b   any
					}{
						{"funnel", a.Funnel, b.Funnel}, {"step times", a.Steps, b.Steps},
						{"pipeline", a.Pipeline, b.Pipeline}, {"forecast", a.Forecast, b.Forecast},
						{"metrics", a.Metrics, b.Metrics}, {"learned", a.Learned, b.Learned},
					} {
						if !reflect.DeepEqual(c.a, c.b) {
							t.Errorf("%s: %s changed by ignored completions", what, c.report)
						}
					}
				}
			}
		}
	}
}

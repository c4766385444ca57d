package postgres_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// historyEvent is one logged change of the model, forward: at at, field
// took the value new (old is what it had).
type historyEvent struct {
	at        time.Time
	field     string // value, expected_close, state
	old, new  string
	projectID int64
}

// giveHistory writes, for the model tenant's projects, logged changes of
// value, expected close and state that end in each project's row as it is
// (so the log and the row agree), spread over the weeks before now, and
// returns them by project, oldest first. Some changes fall on the same
// instant; some are of projects created and closed within the weeks.
func giveHistory(t *testing.T, db *pgtest.DB, et engineTenant, m model, rng *rand.Rand) map[int64][]historyEvent {
	t.Helper()
	ctx := context.Background()
	out := map[int64][]historyEvent{}
	var rows [][]any
	states := []string{"active", "deferred", "archived", "sold"}
	date := func() string {
		if rng.IntN(5) == 0 {
			return ""
		}
		l := et.now.In(et.loc)
		return time.Date(l.Year(), l.Month()+time.Month(rng.IntN(10)-3), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	for _, p := range m.projects {
		n := rng.IntN(6)
		var ats []time.Time
		for range n {
			span := et.now.Sub(p.created)
			ats = append(ats, p.created.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second))
		}
		slices.SortFunc(ats, func(a, b time.Time) int { return a.Compare(b) })
		if n > 1 && rng.IntN(3) == 0 {
			ats[1] = ats[0] // two fields changed at one instant
		}
		// Backwards from the row: each change's new value is what the
		// field had after it, the old one a random earlier value.
		cur := map[string]string{"value": strconv.FormatInt(p.value, 10), "state": p.state, "expected_close": ""}
		if p.expected != nil {
			cur["expected_close"] = p.expected.Format(time.DateOnly)
		}
		evs := make([]historyEvent, n)
		for i := n - 1; i >= 0; i-- {
			f := []string{"value", "value", "expected_close", "state"}[rng.IntN(4)]
			if i == 1 && ats[1].Equal(ats[0]) {
				f = "state"
			}
			old := ""
			switch f {
			case "value":
				old = strconv.Itoa(rng.IntN(3_000_000))
			case "expected_close":
				old = date()
			case "state":
				old = states[rng.IntN(4)]
				for old == cur["state"] {
					old = states[rng.IntN(4)]
				}
			}
			evs[i] = historyEvent{at: ats[i], field: f, old: old, new: cur[f], projectID: p.id}
			cur[f] = old
		}
		for _, e := range evs { // written in the order they happened, as the app writes them
			kind := "field_changed"
			if e.field == "state" {
				kind = "state_changed"
			}
			rows = append(rows, []any{et.admin.TenantID, p.id, e.at, kind, e.field, e.old, e.new})
		}
		out[p.id] = evs
	}
	// A log entry of another field, and an older one, change nothing.
	rows = append(rows, []any{et.admin.TenantID, m.projects[0].id, et.now.Add(-time.Hour), "field_changed", "title", "a", "b"})
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		return tx.InsertValues(ctx, "project_log", []string{"tenant_id", "project_id", "at", "kind", "field", "old_value", "new_value"}, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// modelState is a project's value, expected close and state at an
// instant, replayed forward from its first logged old values.
type modelState struct {
	exists           bool
	value            int64
	state, closeDate string
}

func replay(p modelProject, evs []historyEvent, t time.Time, through bool) modelState {
	if p.created.After(t) || !through && p.created.Equal(t) {
		return modelState{}
	}
	s := modelState{exists: true, value: p.value, state: p.state}
	if p.expected != nil {
		s.closeDate = p.expected.Format(time.DateOnly)
	}
	first := map[string]bool{}
	for _, e := range evs { // the value before the first change of each field
		if !first[e.field] {
			first[e.field] = true
			s.set(e.field, e.old)
		}
	}
	for _, e := range evs {
		if e.at.Before(t) || through && e.at.Equal(t) {
			s.set(e.field, e.new)
		}
	}
	return s
}

func (s *modelState) set(field, v string) {
	switch field {
	case "value":
		s.value, _ = strconv.ParseInt(v, 10, 64)
	case "state":
		s.state = v
	case "expected_close":
		s.closeDate = v
	}
}

// TestPipelineChangesAgreeWithLog: the waterfall read from the database
// equals a forward replay of the generated log, for each role and with and
// without a window of close dates; it balances to the cent; another
// tenant's projects never count.
func TestPipelineChangesAgreeWithLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	hist := giveHistory(t, db, et, m, rand.New(rand.NewPCG(9, 9)))
	period := pipeline.Period{From: pipeline.DayStart(2026, 10, 12, et.loc), To: pipeline.DayStart(2026, 11, 2, et.loc)}
	window := pipeline.Period{From: pipeline.DayStart(2026, 11, 1, et.loc), To: pipeline.DayStart(2027, 2, 1, et.loc)}
	for _, withWindow := range []bool{false, true} {
		for _, v := range []crm.User{et.admin, et.manager, et.rep1} {
			var w pipeline.Period
			if withWindow {
				w = window
			}
			inPipeline := func(s modelState) (int64, bool) {
				if !s.exists || s.state == "archived" || s.state == "sold" {
					return 0, false
				}
				if withWindow {
					if s.closeDate == "" {
						return 0, false
					}
					d, _ := time.Parse(time.DateOnly, s.closeDate)
					lo, hi := window.From.In(et.loc), window.To.In(et.loc)
					if d.Before(time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)) ||
						!d.Before(time.Date(hi.Year(), hi.Month(), hi.Day(), 0, 0, 0, 0, time.UTC)) {
						return 0, false
					}
				}
				return max(s.value, 0), true
			}
			var want pipeline.ChangesReport
			for _, p := range m.projects {
				if !m.visible(v, p) {
					continue
				}
				evs := hist[p.id]
				if x, ok := inPipeline(replay(p, evs, period.From, false)); ok {
					want.Start.Count++
					want.Start.Value += x
				}
				if x, ok := inPipeline(replay(p, evs, period.To, false)); ok {
					want.End.Count++
					want.End.Value += x
				}
				instants := []time.Time{p.created}
				for _, e := range evs {
					instants = append(instants, e.at)
				}
				slices.SortFunc(instants, func(a, b time.Time) int { return a.Compare(b) })
				instants = slices.Compact(instants)
				var seen [pipeline.NumBuckets]bool
				for _, at := range instants {
					if at.Before(period.From) || !at.Before(period.To) {
						continue
					}
					a, b := replay(p, evs, at, false), replay(p, evs, at, true)
					av, ain := inPipeline(a)
					bv, bin := inPipeline(b)
					var k pipeline.Bucket
					var amount int64
					switch {
					case ain && bin && bv == av:
						continue
					case ain && bin && bv > av:
						k, amount = pipeline.BucketIncreased, bv-av
					case ain && bin:
						k, amount = pipeline.BucketDecreased, bv-av
					case bin && !a.exists:
						k, amount = pipeline.BucketCreated, bv
					case bin && (a.state == "archived" || a.state == "sold"):
						k, amount = pipeline.BucketReopened, bv
					case bin:
						k, amount = pipeline.BucketPulledIn, bv
					case ain && b.state == "sold":
						k, amount = pipeline.BucketWon, -av
					case ain && b.state == "archived":
						k, amount = pipeline.BucketLost, -av
					case ain:
						k, amount = pipeline.BucketPushedOut, -av
					default:
						continue
					}
					want.Buckets[k].Value += amount
					if !seen[k] {
						seen[k] = true
						want.Buckets[k].Count++
					}
				}
			}
			var ch *pipeline.Changes
			rd := postgres.ReportRead{Now: et.now, Since: period.From, OpenSince: period.From, Filter: postgres.ReportFilter{CreatedTo: period.To}}
			err := db.ReadReport(ctx, viewerOfUser(v), rd, func(su *postgres.ReportSetup) error {
				ch = pipeline.NewChanges(su.Engine, pipeline.ChangesOptions{Period: period, Close: w})
				return nil
			}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
				ch.Add(p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got := ch.Result()
			if got != want {
				t.Errorf("%s window %v:\n got %+v\nwant %+v", describe(v), withWindow, got, want)
			}
			if got.Balance() != 0 {
				t.Errorf("%s: off balance by %d", describe(v), got.Balance())
			}
			if v.ID == et.admin.ID {
				for k := range pipeline.NumBuckets {
					if got.Buckets[k].Count == 0 && (withWindow || k != pipeline.BucketPulledIn && k != pipeline.BucketPushedOut) {
						t.Errorf("window %v: no project %s: the data lacks the case", withWindow, k)
					}
				}
			}
		}
	}
}

// TestBenchReportChanges: the bench's read of the Pipeline changes runs
// and reads the tenant's projects.
func TestBenchReportChanges(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	n, err := db.BenchReport(context.Background(), viewerOfUser(et.admin), "changes")
	if err != nil || n == 0 {
		t.Fatalf("%d projects, %v", n, err)
	}
}

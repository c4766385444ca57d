package postgres_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// reportTenant is the engine tenant's generated data with what reports
// also read: last activity around the stagnant boundary, lead sources,
// archived-then-reopened projects; and another tenant with projects of
// its own, which must never count.
type reportTenant struct {
	engineTenant
	raw      []rawProject
	activity map[int64]time.Time
	source   map[int64]int64
	sources  []int64
	defs     []pipeline.MilestoneDef
}

func newReportTenant(t *testing.T, db *pgtest.DB, n int) *reportTenant {
	t.Helper()
	ctx := context.Background()
	rt := &reportTenant{engineTenant: newEngineTenant(t, db)}
	rt.generate(t, db, n, rand.New(rand.NewPCG(3, 11)))
	err := db.InTenant(ctx, rt.admin.TenantID, func(tx *postgres.Tx) error {
		// Last activity from 20 days before now to now, often at a local
		// 23:59 or 00:01, so stagnation is judged at its day boundary;
		// sources on two thirds; some active projects archived and reopened.
		return execEach(tx, []any{tx.Tenant, rt.now}, `
			UPDATE projects SET last_activity_at = GREATEST(created_at, $2::timestamptz - (id % 21) * interval '1 day'
			       + CASE id % 3 WHEN 0 THEN interval '0' WHEN 1 THEN interval '11 hours 59 minutes' ELSE interval '12 hours 1 minute' END
			       - interval '12 hours') WHERE tenant_id = $1;
			UPDATE projects SET source_id = (SELECT min(id) FROM lead_sources WHERE tenant_id = $1) WHERE tenant_id = $1 AND id % 3 = 1;
			UPDATE projects SET source_id = (SELECT max(id) FROM lead_sources WHERE tenant_id = $1) WHERE tenant_id = $1 AND id % 3 = 2;
			UPDATE projects SET archived_at = created_at + interval '1 hour',
			       archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1)
			 WHERE tenant_id = $1 AND state = 'active' AND id % 7 = 0`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, rt.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, rt.admin.TenantID, func(tx *postgres.Tx) error {
		rt.raw = readRaw(t, tx, rt.loc)
		rt.defs, _ = rawDefs(t, tx)
		rt.activity, rt.source = map[int64]time.Time{}, map[int64]int64{}
		rows, err := tx.Query(ctx, `SELECT id, last_activity_at, COALESCE(source_id, 0) FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[int64]bool{}
		for rows.Next() {
			var id, src int64
			var at time.Time
			if err := rows.Scan(&id, &at, &src); err != nil {
				return err
			}
			rt.activity[id], rt.source[id] = at, src
			if src != 0 && !seen[src] {
				seen[src] = true
				rt.sources = append(rt.sources, src)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another tenant with projects of its own.
	other := db.Tenant(t, "Other Solar")
	for i := range 5 {
		db.Lead(t, pgtest.ActorOf(other), "Other lead "+string(rune('A'+i)))
	}
	return rt
}

// localDate is the tenant-local calendar date of t as a day number.
func (rt *reportTenant) localDate(t time.Time) int {
	l := t.In(rt.loc)
	return int(time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, time.UTC).Unix() / 86400)
}

// activeDefs are the active milestone definitions in process order.
func (rt *reportTenant) activeDefs() []pipeline.MilestoneDef {
	var out []pipeline.MilestoneDef
	for _, d := range rt.defs {
		if d.Active {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// stageRow is the test's own pipeline row.
type stageRow struct{ count, value, weighted, stagnant int64 }

// expectPipeline is the Pipeline report written out plainly: the active
// projects (deferred ones back from the start of their defer-until day) v
// may see that match f, by their last completed active milestone (-1:
// none), with configured probabilities, at now.
func (rt *reportTenant) expectPipeline(v crm.User, f postgres.ReportFilter, now time.Time, stagnantDays int) map[int]stageRow {
	defs := rt.activeDefs()
	out := map[int]stageRow{}
	for _, r := range rt.raw {
		if !rt.canSee(v, r) || (f.Owner != 0 && r.p.OwnerID != int64(f.Owner)) || (f.Source != 0 && rt.source[r.p.ID] != f.Source) ||
			(!f.CreatedFrom.IsZero() && r.p.CreatedAt.Before(f.CreatedFrom)) || (!f.CreatedTo.IsZero() && !r.p.CreatedAt.Before(f.CreatedTo)) {
			continue
		}
		active := r.state == "active" || (r.state == "deferred" && !now.Before(r.p.DeferUntil))
		if !active {
			continue
		}
		last := -1
		for i, d := range defs {
			for _, c := range r.p.Completions {
				if c.MilestoneID == d.ID {
					last = i
				}
			}
		}
		pct := int64(0)
		if last >= 0 {
			pct = int64(defs[last].Probability)
		}
		if r.p.HasOverride {
			pct = int64(r.p.ProbabilityOverride)
		}
		s := out[last]
		s.count++
		s.value += r.p.Value
		s.weighted += (r.p.Value*pct + 50) / 100
		since := r.p.CreatedAt
		if a := rt.activity[r.p.ID]; a.After(since) {
			since = a
		}
		if rt.localDate(now)-rt.localDate(since) >= stagnantDays {
			s.stagnant++
		}
		out[last] = s
	}
	return out
}

// readPipeline reads the Pipeline report through ReadReport and the engine.
func readPipeline(t *testing.T, db *pgtest.DB, v crm.User, f postgres.ReportFilter, now time.Time, active bool) (pipeline.PipelineReport, *postgres.ReportSetup) {
	t.Helper()
	var pl *pipeline.Pipeline
	var b *pipeline.Batch
	var setup *postgres.ReportSetup
	err := db.ReadReport(context.Background(), crm.Viewer{TenantID: v.TenantID, UserID: v.ID, Role: v.Role},
		postgres.ReportRead{Filter: f, Now: now, Items: true, ActiveOnly: active}, func(su *postgres.ReportSetup) error {
			setup = su
			pl = pipeline.NewPipeline(su.Engine, pipeline.PipelineOptions{ByReached: true})
			b = pipeline.NewBatch(su.Engine, pl)
			return nil
		}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
			b.Add(p)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return pl.Result(), setup
}

// TestPipelineReportAgreesWithRows: the Pipeline report read through
// ReadReport equals the test's own computation from the rows, for an
// admin, a manager and a salesperson, unfiltered and filtered by owner,
// source and creation period, at moments around a local midnight; the
// other tenant's projects never count.
func TestPipelineReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rt := newReportTenant(t, db, 300)
	d := rt.now.In(rt.loc)
	period := postgres.ReportFilter{CreatedFrom: time.Date(d.Year(), d.Month(), d.Day()-20, 0, 0, 0, 0, rt.loc),
		CreatedTo: time.Date(d.Year(), d.Month(), d.Day()-5, 0, 0, 0, 0, rt.loc)}
	filters := []postgres.ReportFilter{{}, {Owner: rt.rep1.ID}, {Source: rt.sources[0]}, period}
	moments := []time.Time{rt.now,
		time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 0, 0, rt.loc),
		time.Date(d.Year(), d.Month(), d.Day()+1, 0, 1, 0, 0, rt.loc)}
	total := 0
	for _, now := range moments {
		for _, v := range []crm.User{rt.admin, rt.manager, rt.rep1} {
			for _, f := range filters {
				got, setup := readPipeline(t, db, v, f, now, true)
				if all, _ := readPipeline(t, db, v, f, now, false); !samePipeline(all, got) {
					t.Errorf("%s %v at %s: reading only the active projects changes the report", v.Name, f, now)
				}
				want := rt.expectPipeline(v, f, now, setup.Tenant.StagnantDays)
				defs := rt.activeDefs()
				if len(got.Total.Stages) != len(defs)+1 {
					t.Fatalf("stages %d, want %d", len(got.Total.Stages), len(defs)+1)
				}
				var sum stageRow
				for i, st := range got.Total.Stages {
					k := i
					if i == len(defs) {
						k = -1
					}
					w := want[k]
					g := stageRow{int64(st.Count), st.Value, st.Weighted, int64(st.Stagnant)}
					if g != w {
						t.Errorf("%s %v at %s, stage %d: got %+v, want %+v", v.Name, f, now, k, g, w)
					}
					sum.count += w.count
					sum.value += w.value
				}
				if int64(got.Total.Total.Count) != sum.count || got.Total.Total.Value != sum.value {
					t.Errorf("%s %v: total %+v, want %+v", v.Name, f, got.Total.Total, sum)
				}
				total += int(sum.count)
			}
		}
	}
	if total == 0 {
		t.Fatal("no active project counted: the data does not test anything")
	}
}

func samePipeline(a, b pipeline.PipelineReport) bool {
	if len(a.Total.Stages) != len(b.Total.Stages) || a.Total.Total != b.Total.Total {
		return false
	}
	for i := range a.Total.Stages {
		if a.Total.Stages[i] != b.Total.Stages[i] {
			return false
		}
	}
	return true
}

// TestReportTimeout: a report whose statement runs out of time is
// ErrReportTimeout, not a database error.
func TestReportTimeout(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rt := newReportTenant(t, db, 300)
	err := db.ReadReport(context.Background(), crm.Viewer{TenantID: rt.admin.TenantID, UserID: rt.admin.ID, Role: rt.admin.Role},
		postgres.ReportRead{Now: rt.now, Items: true, Timeout: time.Millisecond}, func(*postgres.ReportSetup) error { return nil },
		func(*pipeline.Project, *postgres.ReportNames) error { time.Sleep(0); return nil })
	if !errors.Is(err, postgres.ErrReportTimeout) {
		t.Fatalf("err = %v, want ErrReportTimeout", err)
	}
}

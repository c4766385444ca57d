package postgres_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
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
	archived map[int64]time.Time // archived_at, also of reopened projects
	reason   map[int64]int64
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
		// Instants are computed from seconds (to_timestamp is immutable), as a
		// distributed database evaluates an UPDATE's expressions on its shards;
		// a searched CASE, as Citus 13 rewrites a simple CASE wrongly there.
		err := execEach(tx, []any{tx.Tenant, float64(rt.now.UnixMicro()) / 1e6}, `
			UPDATE projects SET last_activity_at = GREATEST(created_at, to_timestamp($2::float8 - (id % 21) * 86400
			       + CASE WHEN id % 3 = 0 THEN 0 WHEN id % 3 = 1 THEN 43140 ELSE 43260 END - 43200)) WHERE tenant_id = $1;
			UPDATE projects SET source_id = (SELECT min(id) FROM lead_sources WHERE tenant_id = $1) WHERE tenant_id = $1 AND id % 3 = 1;
			UPDATE projects SET source_id = (SELECT max(id) FROM lead_sources WHERE tenant_id = $1) WHERE tenant_id = $1 AND id % 3 = 2`)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, created_at FROM projects WHERE tenant_id = $1 AND state = 'active' AND id % 7 = 0`, tx.Tenant)
		if err != nil {
			return err
		}
		type idAt struct {
			id int64
			at time.Time
		}
		var archive []idAt
		for rows.Next() {
			var x idAt
			if err := rows.Scan(&x.id, &x.at); err != nil {
				rows.Close()
				return err
			}
			archive = append(archive, x)
		}
		rows.Close()
		for _, x := range archive {
			if _, err := tx.Exec(ctx, `UPDATE projects SET archived_at = $3,
			       archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1) WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, x.id, x.at.Add(time.Hour)); err != nil {
				return err
			}
		}
		return rows.Err()
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
		rt.archived, rt.reason = map[int64]time.Time{}, map[int64]int64{}
		rows, err := tx.Query(ctx, `SELECT id, last_activity_at, COALESCE(source_id, 0), archived_at, COALESCE(archive_reason_id, 0)
			FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[int64]bool{}
		for rows.Next() {
			var id, src, reason int64
			var at time.Time
			var archived *time.Time
			if err := rows.Scan(&id, &at, &src, &archived, &reason); err != nil {
				return err
			}
			rt.activity[id], rt.source[id], rt.reason[id] = at, src, reason
			if archived != nil {
				rt.archived[id] = *archived
			}
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

// funnelRow is the test's own funnel row of one owner.
type funnelRow struct {
	created, qualified, archUnq, archQ, untriaged, deferred, open, sold int
	reasons                                                             map[int64]int
	reached, completed                                                  []int
	archivedIn, soldIn                                                  int
}

// expectFunnel is the funnel written out plainly from the rows: per owner,
// the cohort (created in [from, to)) as it stands at now, and the activity
// in the period, over the active milestones.
func (rt *reportTenant) expectFunnel(v crm.User, from, to, now time.Time) map[int64]*funnelRow {
	defs := rt.activeDefs()
	qual, won := -1, -1
	for i, d := range defs {
		if d.Qualifying && qual < 0 {
			qual = i
		}
		if d.Won && won < 0 {
			won = i
		}
	}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	out := map[int64]*funnelRow{}
	for _, r := range rt.raw {
		if !rt.canSee(v, r) {
			continue
		}
		done := make([]time.Time, len(defs))
		last := -1
		for i, d := range defs {
			for _, c := range r.p.Completions {
				if c.MilestoneID == d.ID {
					done[i] = c.At
					last = i
				}
			}
		}
		qualified := qual >= 0 && last >= qual
		state := r.state
		if state == "deferred" && !now.Before(r.p.DeferUntil) {
			state = "active"
		}
		row := out[r.p.OwnerID]
		if row == nil {
			row = &funnelRow{reasons: map[int64]int{}, reached: make([]int, len(defs)), completed: make([]int, len(defs))}
			out[r.p.OwnerID] = row
		}
		if in(r.p.CreatedAt) {
			row.created++
			for i := 0; i <= last; i++ {
				row.reached[i]++
			}
			if qualified {
				row.qualified++
			}
			switch state {
			case "archived":
				if qualified {
					row.archQ++
				} else {
					row.archUnq++
				}
				row.reasons[rt.reason[r.p.ID]]++
			case "deferred":
				row.deferred++
			case "sold":
				row.sold++
			default:
				row.open++
			}
			if !qualified && state != "archived" {
				row.untriaged++
			}
		}
		for i := range defs {
			if in(done[i].Truncate(time.Second)) {
				row.completed[i]++
			}
		}
		if state == "archived" && in(rt.archived[r.p.ID].Truncate(time.Second)) {
			row.archivedIn++
		}
		if state == "sold" {
			soldAt := r.p.CreatedAt
			latest := time.Time{}
			for i := range defs {
				if done[i].After(latest) {
					latest = done[i]
				}
			}
			switch {
			case won >= 0 && !done[won].IsZero():
				soldAt = done[won]
			case !latest.IsZero():
				soldAt = latest
			}
			if in(soldAt.Truncate(time.Second)) {
				row.soldIn++
			}
		}
	}
	return out
}

// TestFunnelReportAgreesWithRows: the funnel by owner read through
// ReadReport (cohort from the projects created in the period, activity
// from those touched in it, as the report reads them) equals the test's
// own count from the rows, for each role, over a period that starts and
// ends at local midnights around a daylight-saving change; the cohort
// check holds; another tenant never counts.
func TestFunnelReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rt := newReportTenant(t, db, 300)
	d := rt.now.In(rt.loc)
	period := pipeline.Period{From: time.Date(d.Year(), d.Month(), d.Day()-12, 0, 0, 0, 0, rt.loc),
		To: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, rt.loc)}
	checked := 0
	for _, v := range []crm.User{rt.admin, rt.manager, rt.rep1} {
		want := rt.expectFunnel(v, period.From, period.To, rt.now)
		for _, activity := range []bool{false, true} {
			rd := postgres.ReportRead{Now: rt.now}
			if activity {
				rd.TouchedIn = period
			} else {
				rd.Filter.CreatedFrom, rd.Filter.CreatedTo = period.From, period.To
			}
			var fu *pipeline.Funnel
			var b *pipeline.Batch
			err := db.ReadReport(context.Background(), crm.Viewer{TenantID: v.TenantID, UserID: v.ID, Role: v.Role}, rd,
				func(su *postgres.ReportSetup) error {
					fu = pipeline.NewFunnel(su.Engine, pipeline.FunnelOptions{Period: period, Group: su.Engine.KeyFunc(pipeline.ByOwner)})
					b = pipeline.NewBatch(su.Engine, fu)
					return nil
				}, func(p *pipeline.Project, _ *postgres.ReportNames) error { b.Add(p); return nil })
			if err != nil {
				t.Fatal(err)
			}
			res := fu.Result()
			for _, g := range res.Groups {
				w := want[int64(g.Key)]
				if w == nil {
					t.Errorf("%s: unexpected owner %d", v.Name, g.Key)
					continue
				}
				if !activity {
					got := [8]int{g.Created, g.Qualified, g.ArchivedUnqualified, g.ArchivedQualified, g.Untriaged, g.Deferred, g.Open, g.Sold}
					exp := [8]int{w.created, w.qualified, w.archUnq, w.archQ, w.untriaged, w.deferred, w.open, w.sold}
					if got != exp || !slices.Equal(g.Reached, w.reached) {
						t.Errorf("%s owner %d cohort: got %v %v, want %v %v", v.Name, g.Key, got, g.Reached, exp, w.reached)
					}
					if g.Qualified+g.ArchivedUnqualified+g.Untriaged != g.Created {
						t.Errorf("check fails: %+v", g)
					}
					for _, rc := range g.ArchivedByReason {
						if w.reasons[rc.ReasonID] != rc.Count {
							t.Errorf("%s owner %d reason %d: %d, want %d", v.Name, g.Key, rc.ReasonID, rc.Count, w.reasons[rc.ReasonID])
						}
					}
					checked += g.Created
				} else {
					if !slices.Equal(g.Completed, w.completed) || g.ArchivedInPeriod != w.archivedIn || g.SoldInPeriod != w.soldIn {
						t.Errorf("%s owner %d activity: got %v %d %d, want %v %d %d", v.Name, g.Key, g.Completed, g.ArchivedInPeriod,
							g.SoldInPeriod, w.completed, w.archivedIn, w.soldIn)
					}
					checked += g.ArchivedInPeriod + g.SoldInPeriod
				}
			}
			// Owners the test counts but the report does not.
			for owner, w := range want {
				found := false
				for _, g := range res.Groups {
					found = found || int64(g.Key) == owner
				}
				if !found && (w.created > 0 && !activity || activity && (w.archivedIn > 0 || w.soldIn > 0 || slices.Max(w.completed) > 0)) {
					t.Errorf("%s: owner %d missing from the report (activity %v): %+v", v.Name, owner, activity, w)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing counted: the data tests nothing")
	}
}

// TestReportPrefiltersKeepEveryCountedProject: reading only the projects
// the stored data says are active, late, open or qualified, or those the
// forecast, commission and metrics can count, gives the reports exactly
// the projects the engine counts among all of them.
func TestReportPrefiltersKeepEveryCountedProject(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rt := newReportTenant(t, db, 300)
	v := crm.Viewer{TenantID: rt.admin.TenantID, UserID: rt.admin.ID, Role: rt.admin.Role}
	read := func(rd postgres.ReportRead, keep func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool) []int64 {
		var e *pipeline.Engine
		var f pipeline.Facts
		var ids []int64
		err := db.ReadReport(context.Background(), v, rd, func(su *postgres.ReportSetup) error { e = su.Engine; return nil },
			func(p *pipeline.Project, _ *postgres.ReportNames) error {
				e.Evaluate(p, &f)
				if keep(e, p, &f) {
					ids = append(ids, p.ID)
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	for _, now := range rt.moments() {
		// Periods around now (this month, the last 12 months, the
		// forecast's window), and whether the engine's accumulators of them
		// count a project: each is fed the project alone.
		l := now.In(rt.loc)
		month := pipeline.Period{From: pipeline.DayStart(l.Year(), l.Month(), 1, rt.loc), To: pipeline.DayStart(l.Year(), l.Month()+1, 1, rt.loc)}
		year := pipeline.Period{From: pipeline.DayStart(l.Year(), l.Month()-11, 1, rt.loc), To: month.To}
		window := postgres.ForecastMonths(now, rt.loc)
		metricsCount := func(period pipeline.Period) func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool {
			return func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool {
				m := pipeline.NewMetrics(e, pipeline.MetricsOptions{Period: period})
				fu := pipeline.NewFunnel(e, pipeline.FunnelOptions{Period: period})
				m.Add(p, f)
				fu.Add(p, f)
				r, c := m.Result().Total, fu.Result().Total
				return r.Created+r.Sold+r.LostQualified+r.Open+c.Created > 0
			}
		}
		for _, c := range []struct {
			name string
			rd   postgres.ReportRead
			keep func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool
		}{
			{"forecast", postgres.ReportRead{Counted: []postgres.ReportSet{{Kind: postgres.ActiveNow}, {Kind: postgres.SoldIn, Period: window}}},
				func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool {
					fc := pipeline.NewForecast(e, pipeline.ForecastOptions{Months: window})
					fc.Add(p, f)
					return len(fc.Result().Total.Months) > 0
				}},
			{"commission", postgres.ReportRead{Counted: []postgres.ReportSet{{Kind: postgres.SoldIn, Period: year}}},
				func(e *pipeline.Engine, p *pipeline.Project, f *pipeline.Facts) bool {
					c := pipeline.NewCommissions(e, pipeline.CommissionOptions{Period: year})
					c.Add(p, f)
					return c.Result().Total.Deals > 0
				}},
			{"metrics of the month", postgres.ReportRead{Counted: postgres.MetricsCounted(month)}, metricsCount(month)},
			{"metrics of 12 months", postgres.ReportRead{Counted: postgres.MetricsCounted(year)}, metricsCount(year)},
			{"active", postgres.ReportRead{ActiveOnly: true}, func(_ *pipeline.Engine, _ *pipeline.Project, f *pipeline.Facts) bool {
				return f.State == pipeline.StateActive
			}},
			{"late", postgres.ReportRead{LateOnly: true, Items: true}, func(e *pipeline.Engine, p *pipeline.Project, _ *pipeline.Facts) bool {
				return len(e.LateItems(p, nil)) > 0
			}},
			{"qualified open", postgres.ReportRead{OpenOnly: true, QualifiedOnly: true}, func(_ *pipeline.Engine, _ *pipeline.Project, f *pipeline.Facts) bool {
				return f.Qualified && (f.State == pipeline.StateActive || f.State == pipeline.StateDeferred)
			}},
		} {
			all := c.rd
			all.ActiveOnly, all.LateOnly, all.OpenOnly, all.QualifiedOnly, all.Counted = false, false, false, false, nil
			all.Items = true
			c.rd.Now, all.Now = now, now
			want, got := read(all, c.keep), read(c.rd, c.keep)
			if !slices.Equal(got, want) {
				t.Errorf("%s at %s: prefiltered %v, all %v", c.name, now, got, want)
			}
			if len(want) == 0 {
				t.Errorf("%s at %s: nothing counted: the data tests nothing", c.name, now)
			}
		}
	}
}

// TestReportRowsDecodeAsScanned: every shape of the report statement is
// decoded from its binary values, into what pgx's Scan gives for each row.
func TestReportRowsDecodeAsScanned(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rt := newReportTenant(t, db, 200)
	ctx := context.Background()
	month := rt.now.AddDate(0, -1, 0)
	for _, u := range []crm.User{rt.admin, rt.rep1} {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		for i, rd := range []postgres.ReportRead{
			{},
			{ActiveOnly: true},
			{Names: true, ByOwner: true},
			{Items: true},
			{Items: true, Names: true, ByOwner: true},
			{Since: month, OpenSince: month},
			{Since: month, Names: true, ByOwner: true},
			{AsOf: month},
			{Referrer: true, AnyOrder: true},
			{Referrer: true, Items: true, ByOwner: true},
		} {
			rd.Now = rt.now
			n, err := db.ReportDecodingForTest(ctx, v, rd)
			if err != nil {
				t.Fatalf("%s, read %d: %v", describe(u), i, err)
			}
			if n == 0 {
				t.Errorf("%s, read %d: no rows: the data tests nothing", describe(u), i)
			}
		}
	}
}

package postgres_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// cell is one forecast cell as the model computes it.
type cell struct {
	count                                            int
	weighted, pipeline, bestCase, commit, won, quota int64
}

func cellOf(c pipeline.ForecastCell) cell {
	return cell{c.Count, c.Weighted, c.Pipeline, c.BestCase, c.Commit, c.ClosedWon, c.Quota}
}

// TestForecastReportAgreesWithRows: every cell of the forecast (per owner,
// per workgroup, in total) equals the model's, for each role, another
// tenant's projects never counting; the window is the months around now.
func TestForecastReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	// At the data's moment and at 23:59 the evening before, when a project
	// deferred until today is not back yet.
	for _, now := range et.moments()[:2] {
		checkForecast(t, db, et, m, now)
	}
}

func checkForecast(t *testing.T, db *pgtest.DB, et engineTenant, m model, now time.Time) {
	ctx := context.Background()
	months := postgres.ForecastMonths(now, et.loc)
	if got := months.From.In(et.loc).Format(time.DateOnly) + ".." + months.To.In(et.loc).Format(time.DateOnly); got != "2026-08-01..2027-11-01" {
		t.Fatalf("window %s", got)
	}
	kept := func(k pipeline.Key) bool {
		if k == 0 {
			return true
		}
		y, mo := pipeline.MonthOf(k)
		return in(months, pipeline.DayStart(y, mo, 1, et.loc))
	}
	for _, v := range []crm.User{et.admin, et.manager, et.rep1} {
		t.Run(describe(v)+" "+now.In(et.loc).Format("15:04"), func(t *testing.T) {
			want := map[[2]int64]cell{} // (owner or -1 for East or 0 for total, month)
			add := func(owner int64, month pipeline.Key, f func(c *cell)) {
				for _, k := range [][2]int64{{owner, int64(month)}, {0, int64(month)}} {
					c := want[k]
					f(&c)
					want[k] = c
				}
				if slices_contains(m.east, owner) {
					c := want[[2]int64{-1, int64(month)}]
					f(&c)
					want[[2]int64{-1, int64(month)}] = c
				}
			}
			for _, p := range m.projects {
				if !m.visible(v, p) {
					continue
				}
				f := m.facts(p, now)
				var month pipeline.Key
				switch f.state {
				case "active":
					if p.expected != nil {
						month = pipeline.MonthKey(p.expected.Year(), p.expected.Month())
					}
				case "sold":
					month = m.month(f.soldAt)
				default:
					continue
				}
				if !kept(month) {
					continue
				}
				add(p.owner, month, func(c *cell) {
					c.count++
					if f.state == "sold" {
						c.weighted += p.value
						c.won += p.value
						return
					}
					c.weighted += f.weighted
					switch p.category {
					case "best_case":
						c.bestCase += p.value
					case "commit", "closed_won":
						c.commit += p.value
					default:
						c.pipeline += p.value
					}
				})
			}
			for k, cents := range m.quotas {
				if m.quotaOwner(v, k[0]) && kept(pipeline.Key(k[1])) {
					add(k[0], pipeline.Key(k[1]), func(c *cell) { c.quota += cents })
				}
			}
			got := map[[2]int64]cell{}
			fc := must(db.Forecast(ctx, viewerOfUser(v), postgres.ReportRead{Now: now}, pipeline.Period{}, nil)).of(t)
			for _, row := range fc.Owners.Groups {
				for _, c := range row.Months {
					got[[2]int64{int64(row.Key), int64(c.Month)}] = cellOf(c)
				}
			}
			var sum cell
			for _, c := range fc.Owners.Total.Months {
				got[[2]int64{0, int64(c.Month)}] = cellOf(c)
				if c.Gap() != max(c.Quota-c.ClosedWon, 0) || c.Open() != c.Pipeline+c.BestCase+c.Commit {
					t.Errorf("month %d: gap %d open %d", c.Month, c.Gap(), c.Open())
				}
				if c.Gap() > 0 && !near(c.Coverage(), float64(c.Open())/float64(c.Gap())) {
					t.Errorf("month %d: coverage %v", c.Month, c.Coverage())
				}
				sum.count += c.Count
				sum.won += c.ClosedWon
			}
			if sum.count != fc.Owners.Total.Total.Count || sum.won != fc.Owners.Total.Total.ClosedWon {
				t.Errorf("total row %+v, months add up to %+v", fc.Owners.Total.Total, sum)
			}
			for _, w := range fc.Workgroups {
				if w.Name != "East" {
					t.Errorf("workgroup %q", w.Name)
				}
				for _, c := range w.Row.Months {
					got[[2]int64{-1, int64(c.Month)}] = cellOf(c)
				}
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("owner %d month %d: got %+v, want %+v", k[0], k[1], got[k], w)
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok && g != (cell{}) {
					t.Errorf("owner %d month %d: unexpected %+v", k[0], k[1], g)
				}
			}
			if len(want) < 20 {
				t.Errorf("only %d cells: the data misses the point", len(want))
			}
		})
	}
}

func slices_contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestCommissionReportAgreesWithRows: per owner, the deals sold in the
// period, their value and Σ round(value × rate) equal the model's; the
// deals listed add up to each line; each role sees only its own.
func TestCommissionReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	ctx := context.Background()
	period := must(pipeline.ParsePeriod("2026-10-20..2026-11-02", et.loc)).of(t)
	for _, v := range []crm.User{et.admin, et.manager, et.rep1} {
		t.Run(describe(v), func(t *testing.T) {
			type line struct {
				deals             int
				value, commission int64
			}
			want := map[int64]line{}
			for _, p := range m.projects {
				f := m.facts(p, et.now)
				if !m.visible(v, p) || p.state != "sold" || !in(period, f.soldAt) {
					continue
				}
				l := want[p.owner]
				l.deals++
				l.value += p.value
				l.commission += (p.value*int64(m.rates[p.owner]) + 5000) / 10000
				want[p.owner] = l
			}
			got := must(db.Commission(ctx, viewerOfUser(v), postgres.ReportRead{Now: et.now}, period, nil)).of(t)
			deals := must(db.Commission(ctx, viewerOfUser(v), postgres.ReportRead{Now: et.now, Names: true}, period, nil)).of(t).Deals
			listed := map[int64]line{}
			for _, d := range deals {
				l := listed[d.OwnerID]
				l.deals++
				l.value += d.Value
				l.commission += d.Commission
				listed[d.OwnerID] = l
			}
			var total line
			for _, r := range got.Groups {
				g := line{r.Deals, r.SoldValue, r.Commission}
				if g != want[int64(r.Key)] || listed[int64(r.Key)] != g || r.RateBP != m.rates[int64(r.Key)] {
					t.Errorf("owner %d: got %+v, listed %+v, want %+v", r.Key, g, listed[int64(r.Key)], want[int64(r.Key)])
				}
				total.deals += g.deals
				total.value += g.value
				total.commission += g.commission
			}
			if len(got.Groups) != len(want) || total != (line{got.Total.Deals, got.Total.SoldValue, got.Total.Commission}) {
				t.Errorf("lines %d, want %d; total %+v, sum %+v", len(got.Groups), len(want), got.Total, total)
			}
			if v.Role == crm.RoleAdmin && got.Total.Deals < 5 {
				t.Errorf("only %d deals sold in the period", got.Total.Deals)
			}
		})
	}
}

// metricsModel is one row of the engine's metrics, computed by the model.
type metricsModel struct {
	sold                     int
	soldValue, cycle         int64
	lost, created, qualified int
	touched, open            int
	openValue                int64
}

func (m model) metricsOf(p modelProject, period pipeline.Period, now time.Time, r *metricsModel) {
	f := m.facts(p, now)
	if in(period, p.created) {
		r.created++
		if f.qualified {
			r.qualified++
		}
		if p.firstTouch != nil {
			r.touched++
		}
	}
	if f.state == "sold" && in(period, f.soldAt) {
		r.sold++
		r.soldValue += p.value
		r.cycle += max(f.soldAt.Unix()-p.created.Unix(), 0)
	}
	if f.state == "archived" && f.qualified && p.archivedAt != nil && in(period, *p.archivedAt) {
		r.lost++
	}
	if f.state == "active" {
		r.open++
		r.openValue += p.value
	}
}

func metricsOfRow(r pipeline.MetricsRow) metricsModel {
	return metricsModel{r.Sold, r.SoldValue, r.CycleSeconds, r.LostQualified, r.Created, r.Qualified, r.Touched, r.Open, r.OpenValue}
}

// checkRatios checks a row's ratios against its own counts.
func checkRatios(t *testing.T, what string, r pipeline.MetricsRow) {
	t.Helper()
	if !near(r.WinRate, ratioOf(r.Sold, r.Sold+r.LostQualified)) || !near(r.LeadToQualified, ratioOf(r.Qualified, r.Created)) {
		t.Errorf("%s: win rate %v lead to qualified %v of %+v", what, r.WinRate, r.LeadToQualified, metricsOfRow(r))
	}
	if r.Sold > 0 && r.AvgDeal != int64(math.Floor(float64(r.SoldValue)/float64(r.Sold)+0.5)) {
		t.Errorf("%s: average deal %d of %d / %d", what, r.AvgDeal, r.SoldValue, r.Sold)
	}
}

// TestReferralReportAgreesWithRows: by lead source and by referrer (spaces
// trimmed), leads created in the period, qualified of those, sold in the
// period and its value, win rate, for each role.
func TestReferralReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	ctx := context.Background()
	period := must(pipeline.ParsePeriod("2026-10", et.loc)).of(t)
	for _, v := range []crm.User{et.admin, et.manager, et.rep2} {
		t.Run(describe(v), func(t *testing.T) {
			bySource, byReferrer := map[int64]metricsModel{}, map[string]metricsModel{}
			var total metricsModel
			for _, p := range m.projects {
				if !m.visible(v, p) {
					continue
				}
				s, r := bySource[p.source], byReferrer[strings.TrimSpace(p.referrer)]
				m.metricsOf(p, period, et.now, &s)
				m.metricsOf(p, period, et.now, &r)
				m.metricsOf(p, period, et.now, &total)
				bySource[p.source], byReferrer[strings.TrimSpace(p.referrer)] = s, r
			}
			got := must(db.Referral(ctx, viewerOfUser(v), postgres.ReportRead{Now: et.now}, period, nil)).of(t)
			seen := 0
			for _, r := range got.Sources.Groups {
				checkRatios(t, "source", r)
				if metricsOfRow(r) != bySource[int64(r.Key)] {
					t.Errorf("source %d: got %+v, want %+v", r.Key, metricsOfRow(r), bySource[int64(r.Key)])
				}
				seen++
			}
			var names []string
			for _, r := range got.Referrers.Groups {
				checkRatios(t, "referrer", r)
				name := got.Referrer[r.Key]
				names = append(names, name)
				if metricsOfRow(r) != byReferrer[name] {
					t.Errorf("referrer %q: got %+v, want %+v", name, metricsOfRow(r), byReferrer[name])
				}
			}
			if v.Role == crm.RoleAdmin && strings.Join(names, "|") != `|=HYPERLINK("x")|Ann Lee|Bob Builder` {
				t.Errorf("referrers %q", names)
			}
			if metricsOfRow(got.Sources.Total) != total || metricsOfRow(got.Referrers.Total) != total {
				t.Errorf("total %+v / %+v, want %+v", metricsOfRow(got.Sources.Total), metricsOfRow(got.Referrers.Total), total)
			}
			if seen != len(bySource) && total.created > 0 {
				t.Errorf("%d sources, want %d", seen, len(bySource))
			}
			if v.Role == crm.RoleAdmin && (total.created < 20 || total.sold < 3) {
				t.Errorf("thin data: %+v", total)
			}
		})
	}
}

// TestCalibrationReportAgreesWithRows: per active milestone, the closed
// projects that reached it, how many were sold, and the Brier scores of
// configured and (leave-one-out) learned probabilities, for each role.
func TestCalibrationReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	ctx := context.Background()
	const s = 10.0
	for _, v := range []crm.User{et.admin, et.manager, et.rep1} {
		t.Run(describe(v), func(t *testing.T) {
			reached, sold := make([]int, len(m.defs)), make([]int, len(m.defs))
			type pair struct {
				stage int
				sold  bool
			}
			var pairs []pair
			for _, p := range m.projects {
				if !m.visible(v, p) || (p.state != "sold" && p.state != "archived") {
					continue
				}
				f := m.facts(p, et.now)
				for i := 0; i <= f.last; i++ {
					reached[i]++
					if p.state == "sold" {
						sold[i]++
					}
					pairs = append(pairs, pair{i, p.state == "sold"})
				}
			}
			bc, bl := make([]float64, len(m.defs)), make([]float64, len(m.defs))
			var allC, allL float64
			var n int
			for _, x := range pairs {
				if m.defs[x.stage].Won {
					continue
				}
				p0 := float64(m.defs[x.stage].Probability) / 100
				o := 0.0
				if x.sold {
					o = 1
				}
				loo := (float64(sold[x.stage]) - o + s*p0) / (float64(reached[x.stage]) - 1 + s)
				bc[x.stage] += (p0 - o) * (p0 - o)
				bl[x.stage] += (loo - o) * (loo - o)
				allC += (p0 - o) * (p0 - o)
				allL += (loo - o) * (loo - o)
				n++
			}
			got := must(db.Calibration(ctx, viewerOfUser(v), postgres.ReportRead{Now: et.now}, nil)).of(t)
			if len(got.Stages) != len(m.defs) {
				t.Fatalf("%d stages, want %d", len(got.Stages), len(m.defs))
			}
			for i, st := range got.Stages {
				d := m.defs[i]
				if st.MilestoneID != d.ID || st.N != reached[i] || st.Sold != sold[i] {
					t.Errorf("stage %d: got %d/%d, want %d/%d", i, st.Sold, st.N, sold[i], reached[i])
				}
				learned := (float64(sold[i]) + s*float64(d.Probability)/100) / (float64(reached[i]) + s)
				if math.Abs(st.Learned.Float()-learned) > 0.00005 {
					t.Errorf("stage %d: learned %v, want %v", i, st.Learned.Float(), learned)
				}
				if d.Won || reached[i] == 0 {
					continue
				}
				if !near(st.BrierConfigured, bc[i]/float64(reached[i])) || !near(st.BrierLearned, bl[i]/float64(reached[i])) {
					t.Errorf("stage %d: Brier %v/%v, want %v/%v", i, st.BrierConfigured, st.BrierLearned,
						bc[i]/float64(reached[i]), bl[i]/float64(reached[i]))
				}
			}
			if got.Backtest.Predictions != n || !near(got.Backtest.BrierConfigured, allC/float64(max(n, 1))) ||
				!near(got.Backtest.BrierLearned, allL/float64(max(n, 1))) {
				t.Errorf("backtest %+v, want %d %v %v", got.Backtest, n, allC/float64(n), allL/float64(n))
			}
			if v.Role == crm.RoleAdmin && n < 30 {
				t.Errorf("only %d predictions", n)
			}
		})
	}
}

// TestPerformanceReportAgreesWithRows: per owner, per workgroup and in
// total, the metrics' counts and sums and their ratios; the monthly trend
// of deals closed; deals needed for the quota of the period's months.
func TestPerformanceReportAgreesWithRows(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	period := must(pipeline.ParsePeriod("2026-09-01..2026-11-30", et.loc)).of(t)
	for _, now := range et.moments()[:2] {
		checkPerformance(t, db, et, m, period, now)
	}
}

func checkPerformance(t *testing.T, db *pgtest.DB, et engineTenant, m model, period pipeline.Period, now time.Time) {
	ctx := context.Background()
	for _, v := range []crm.User{et.admin, et.manager, et.rep1} {
		t.Run(describe(v)+" "+now.In(et.loc).Format("15:04"), func(t *testing.T) {
			byOwner, trend := map[int64]metricsModel{}, map[pipeline.Key]metricsModel{}
			var east, total metricsModel
			for _, p := range m.projects {
				if !m.visible(v, p) {
					continue
				}
				r := byOwner[p.owner]
				m.metricsOf(p, period, now, &r)
				byOwner[p.owner] = r
				m.metricsOf(p, period, now, &total)
				if slices_contains(m.east, p.owner) {
					m.metricsOf(p, period, now, &east)
				}
				f := m.facts(p, now)
				var closed pipeline.Key
				switch {
				case f.state == "sold":
					closed = m.month(f.soldAt)
				case f.state == "archived" && p.archivedAt != nil:
					closed = m.month(*p.archivedAt)
				}
				if closed != 0 {
					r := trend[closed]
					m.metricsOf(p, period, now, &r)
					trend[closed] = r
				}
			}
			var quota int64
			quotas := map[int64]int64{}
			for k, c := range m.quotas {
				y, mo := pipeline.MonthOf(pipeline.Key(k[1]))
				if m.quotaOwner(v, k[0]) && in(period, pipeline.DayStart(y, mo, 1, et.loc)) {
					quota += c
					quotas[k[0]] += c
				}
			}
			got := must(db.Performance(ctx, viewerOfUser(v), postgres.ReportRead{Now: now}, period, nil)).of(t)
			for _, r := range got.Owners.Groups {
				checkRatios(t, "owner", r)
				if metricsOfRow(r) != byOwner[int64(r.Key)] {
					t.Errorf("owner %d: got %+v, want %+v", r.Key, metricsOfRow(r), byOwner[int64(r.Key)])
				}
				if got.Quotas[int64(r.Key)] != quotas[int64(r.Key)] {
					t.Errorf("owner %d: quota %d, want %d", r.Key, got.Quotas[int64(r.Key)], quotas[int64(r.Key)])
				}
			}
			if len(got.Owners.Groups) != len(byOwner) {
				t.Errorf("%d owners, want %d", len(got.Owners.Groups), len(byOwner))
			}
			if metricsOfRow(got.Owners.Total) != total || got.QuotaTotal != quota {
				t.Errorf("total %+v quota %d, want %+v %d", metricsOfRow(got.Owners.Total), got.QuotaTotal, total, quota)
			}
			checkRatios(t, "total", got.Owners.Total)
			r := got.Owners.Total
			if r.Sold > 0 && r.WinRate > 0 {
				want := int64(math.Ceil(float64(quota) / (r.WinRate * float64(r.AvgDeal))))
				if n, ok := got.DealsNeeded(r); !ok || n != want {
					t.Errorf("deals needed %d %v, want %d", n, ok, want)
				}
			}
			if len(got.Workgroups) != 1 || metricsOfRow(got.Workgroups[0].Metrics) != east {
				t.Errorf("workgroups %+v, want East %+v", got.Workgroups, east)
			}
			for _, r := range got.Trend.Groups {
				w := trend[r.Key]
				g := metricsOfRow(r)
				if g.sold != w.sold || g.soldValue != w.soldValue || g.lost != w.lost {
					t.Errorf("month %d: got %+v, want %+v", r.Key, g, w)
				}
			}
			if got.Funnel.Total.Created != total.created {
				t.Errorf("funnel created %d, want %d", got.Funnel.Total.Created, total.created)
			}
			if v.Role == crm.RoleAdmin && (total.sold < 5 || total.lost < 2 || len(got.Trend.Groups) < 2) {
				t.Errorf("thin data: %+v, %d months", total, len(got.Trend.Groups))
			}
		})
	}
}

// TestReportFiltersNarrowTheProjects: an owner, a workgroup or a lead
// source keeps exactly that part of the viewer's projects, in the
// commission and the forecast's quotas alike.
func TestReportFiltersNarrowTheProjects(t *testing.T) {
	t.Parallel()
	db, et := modelTenant(t)
	m := readModel(t, db, et)
	ctx := context.Background()
	period := must(pipeline.ParsePeriod("2026-10-01..2026-11-02", et.loc)).of(t)
	var source int64
	for _, p := range m.projects {
		if p.source != 0 {
			source = p.source
			break
		}
	}
	var workgroup int64
	if err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM workgroups WHERE tenant_id = $1 AND name = 'East'`, tx.Tenant).Scan(&workgroup)
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		v      crm.User
		filter postgres.ReportFilter
		keep   func(p modelProject) bool
	}{
		{"owner", et.admin, postgres.ReportFilter{Owner: et.rep2.ID}, func(p modelProject) bool { return p.owner == int64(et.rep2.ID) }},
		{"workgroup", et.admin, postgres.ReportFilter{Workgroup: workgroup}, func(p modelProject) bool { return slices_contains(m.east, p.owner) }},
		{"source", et.manager, postgres.ReportFilter{Source: source}, func(p modelProject) bool { return p.source == source }},
		{"owner outside the scope", et.rep1, postgres.ReportFilter{Owner: et.rep3.ID}, func(p modelProject) bool { return p.owner == int64(et.rep3.ID) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deals int
			var value int64
			for _, p := range m.projects {
				f := m.facts(p, et.now)
				if m.visible(tc.v, p) && tc.keep(p) && p.state == "sold" && in(period, f.soldAt) {
					deals++
					value += p.value
				}
			}
			got := must(db.Commission(ctx, viewerOfUser(tc.v), postgres.ReportRead{Filter: tc.filter, Now: et.now}, period, nil)).of(t)
			if got.Total.Deals != deals || got.Total.SoldValue != value {
				t.Errorf("got %d deals %d, want %d %d", got.Total.Deals, got.Total.SoldValue, deals, value)
			}
			var quota int64
			months := postgres.ForecastMonths(et.now, et.loc)
			for k, c := range m.quotas {
				y, mo := pipeline.MonthOf(pipeline.Key(k[1]))
				owner := modelProject{owner: k[0]}
				if m.quotaOwner(tc.v, k[0]) && (tc.name == "source" || tc.keep(owner)) && in(months, pipeline.DayStart(y, mo, 1, et.loc)) {
					quota += c
				}
			}
			fc := must(db.Forecast(ctx, viewerOfUser(tc.v), postgres.ReportRead{Filter: tc.filter, Now: et.now}, pipeline.Period{}, nil)).of(t)
			if fc.Owners.Total.Total.Quota != quota {
				t.Errorf("quota %d, want %d", fc.Owners.Total.Total.Quota, quota)
			}
		})
	}
}

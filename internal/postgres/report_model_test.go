package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// The reports' tests compare each report with figures computed here, in a
// plain loop over the rows, from PRODUCT.md's and doc.go's definitions
// written out again: the engine's accumulators are not used.

// enrich gives the engine tenant's generated projects what the reports group
// and sum by: lead sources, referrers (with stray spaces, a formula-like
// one), expected close dates on month boundaries, forecast categories
// (omitted too), first touches, reopened projects, quotas on several months
// and commission rates.
func (et engineTenant) enrich(t *testing.T, db *pgtest.DB, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		var sources []int64
		rows, err := tx.Query(ctx, `SELECT id FROM lead_sources WHERE tenant_id = $1 ORDER BY id LIMIT 3`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			sources = append(sources, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var ids []int64
		var created []time.Time
		var states []string
		rows, err = tx.Query(ctx, `SELECT id, created_at, state FROM projects WHERE tenant_id = $1 ORDER BY id`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var c time.Time
			var s string
			if err := rows.Scan(&id, &c, &s); err != nil {
				return err
			}
			ids, created, states = append(ids, id), append(created, c), append(states, s)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		l := et.now.In(et.loc)
		for i, id := range ids {
			var source, expected, touch any
			if k := rng.IntN(len(sources) + 1); k < len(sources) {
				source = sources[k]
			}
			referrer := []string{"", "", "Ann Lee", " Ann Lee ", "=HYPERLINK(\"x\")", "Bob Builder"}[rng.IntN(6)]
			switch rng.IntN(6) {
			case 0:
			case 1: // the last day of a month
				expected = time.Date(l.Year(), l.Month()+time.Month(rng.IntN(18)-4), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format(time.DateOnly)
			case 2: // the first day of a month
				expected = time.Date(l.Year(), l.Month()+time.Month(rng.IntN(18)-4), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			default:
				expected = time.Date(l.Year(), l.Month()+time.Month(rng.IntN(18)-4), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			}
			category := []string{"pipeline", "best_case", "commit", "closed_won", "omitted"}[rng.IntN(5)]
			if rng.IntN(3) > 0 {
				touch = created[i].Add(time.Duration(rng.IntN(3*24*60)+1) * time.Minute)
			}
			if _, err := tx.Exec(ctx, `UPDATE projects SET source_id = $3, referrer = $4, expected_close = $5, forecast_category = $6,
				first_touch_at = $7 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, source, referrer, expected, category, touch); err != nil {
				return err
			}
			if states[i] == "active" && rng.IntN(8) == 0 {
				// Archived once, then reopened: active again, the archive cleared.
				if _, err := tx.Exec(ctx, `UPDATE projects SET resumed_at = $3 WHERE tenant_id = $1 AND id = $2`,
					tx.Tenant, id, et.now.Add(-time.Duration(rng.IntN(48))*time.Hour)); err != nil {
					return err
				}
			}
		}
		// Quotas: each rep and the manager, for some months around now.
		for _, u := range []crm.User{et.manager, et.rep1, et.rep2, et.rep3} {
			for m := -4; m <= 13; m++ {
				if rng.IntN(3) == 0 {
					continue
				}
				month := time.Date(l.Year(), l.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
				if _, err := tx.Exec(ctx, `INSERT INTO quotas (tenant_id, user_id, month, amount_cents) VALUES ($1, $2, $3, $4)`,
					tx.Tenant, u.ID, month, int64(rng.IntN(20_000_000)+1)); err != nil {
					return err
				}
			}
		}
		for i, u := range []crm.User{et.manager, et.rep1, et.rep2, et.rep3} {
			if _, err := tx.Exec(ctx, `UPDATE users SET commission_rate_bp = $3 WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, u.ID, []int{250, 333, 0, 1250}[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, et.admin.TenantID); err != nil {
		t.Fatal(err)
	}
}

// modelProject is a project as the reports' model reads it from its rows.
type modelProject struct {
	id, owner, source  int64
	state              string
	value              int64
	created            time.Time
	deferUntil         *time.Time
	archivedAt         *time.Time
	expected           *time.Time
	category, referrer string
	title              string
	override           *int
	firstTouch         *time.Time
	members            []int64
	done               map[int64]time.Time
}

// model is the tenant's definitions and projects, read straight from the rows.
type model struct {
	et       engineTenant
	defs     []pipeline.MilestoneDef // active, in process order
	projects []modelProject
	quotas   map[[2]int64]int64 // (user, MonthKey) → cents
	rates    map[int64]int
	east     []int64 // members of the workgroup East
}

func readModel(t *testing.T, db *pgtest.DB, et engineTenant) model {
	t.Helper()
	ctx := context.Background()
	m := model{et: et, quotas: map[[2]int64]int64{}, rates: map[int64]int{}}
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		defs, _ := rawDefs(t, tx)
		for _, d := range defs {
			if d.Active {
				m.defs = append(m.defs, d)
			}
		}
		sort.Slice(m.defs, func(i, j int) bool {
			if m.defs[i].Position != m.defs[j].Position {
				return m.defs[i].Position < m.defs[j].Position
			}
			return m.defs[i].ID < m.defs[j].ID
		})
		rows, err := tx.Query(ctx, `
			SELECT p.id, p.owner_id, COALESCE(p.source_id, 0), p.state, p.value_cents, p.created_at, p.defer_until, p.archived_at,
			       p.expected_close, p.forecast_category, p.referrer, p.title, p.probability_override, p.first_touch_at,
			       COALESCE((SELECT array_agg(user_id) FROM project_members m WHERE m.tenant_id = $1 AND m.project_id = p.id), '{}'),
			       COALESCE((SELECT array_agg(milestone_id ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id), '{}'),
			       COALESCE((SELECT array_agg(completed_at ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id), '{}')
			  FROM projects p WHERE p.tenant_id = $1 ORDER BY p.id`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p modelProject
			var ids []int64
			var ats []time.Time
			if err := rows.Scan(&p.id, &p.owner, &p.source, &p.state, &p.value, &p.created, &p.deferUntil, &p.archivedAt,
				&p.expected, &p.category, &p.referrer, &p.title, &p.override, &p.firstTouch, &p.members, &ids, &ats); err != nil {
				return err
			}
			p.done = map[int64]time.Time{}
			for i := range ids {
				p.done[ids[i]] = ats[i]
			}
			m.projects = append(m.projects, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT user_id, month, amount_cents FROM quotas WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, c int64
			var month time.Time
			if err := rows.Scan(&u, &month, &c); err != nil {
				return err
			}
			m.quotas[[2]int64{u, int64(pipeline.MonthKey(month.Year(), month.Month()))}] = c
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id, commission_rate_bp FROM users WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u int64
			var bp int
			if err := rows.Scan(&u, &bp); err != nil {
				return err
			}
			m.rates[u] = bp
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT m.user_id FROM workgroup_members m JOIN workgroups g ON g.tenant_id = $1 AND g.id = m.workgroup_id
			WHERE m.tenant_id = $1 AND g.name = 'East'`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				return err
			}
			m.east = append(m.east, u)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// visible is PRODUCT.md's visibility rule for v.
func (m model) visible(v crm.User, p modelProject) bool {
	own := p.owner == int64(v.ID) || slices.Contains(p.members, int64(v.ID))
	switch v.Role {
	case crm.RoleAdmin:
		return true
	case crm.RoleManager:
		return own || slices.Contains(m.east, p.owner)
	}
	return own
}

// quotaOwner tells whether v's reports count the quotas of user u: the
// owners whose projects v sees by ownership.
func (m model) quotaOwner(v crm.User, u int64) bool {
	switch v.Role {
	case crm.RoleAdmin:
		return true
	case crm.RoleManager:
		return u == int64(v.ID) || slices.Contains(m.east, u)
	}
	return u == int64(v.ID)
}

// facts are one project's definitions at now, written out.
type facts struct {
	state     string // effective
	qualified bool
	soldAt    time.Time
	last      int // index of the last completed active milestone, -1 none
	weighted  int64
}

func (m model) facts(p modelProject, now time.Time) facts {
	f := facts{state: p.state, last: -1}
	if p.state == "deferred" && p.deferUntil != nil {
		d := p.deferUntil.UTC()
		if !now.Before(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, m.et.loc)) {
			f.state = "active"
		}
	}
	qualifying, won := -1, -1
	var latest time.Time
	for i, d := range m.defs {
		if d.Qualifying && qualifying < 0 {
			qualifying = i
		}
		if d.Won && won < 0 {
			won = i
		}
		if at, ok := p.done[d.ID]; ok {
			f.last = i
			if at.After(latest) {
				latest = at
			}
			if qualifying >= 0 {
				f.qualified = true
			}
		}
	}
	if p.state == "sold" {
		switch {
		case won >= 0 && !p.done[m.defs[won].ID].IsZero():
			f.soldAt = p.done[m.defs[won].ID]
		case !latest.IsZero():
			f.soldAt = latest
		default:
			f.soldAt = p.created
		}
	}
	pct := 0
	switch {
	case p.state == "sold":
		pct = 100
	case p.state == "archived":
	case p.override != nil:
		pct = *p.override
	case f.last >= 0:
		pct = m.defs[f.last].Probability
	}
	f.weighted = (p.value*int64(pct)*100 + 5000) / 10000
	return f
}

// month is the MonthKey of t in the tenant's zone.
func (m model) month(t time.Time) pipeline.Key {
	l := t.In(m.et.loc)
	return pipeline.MonthKey(l.Year(), l.Month())
}

func in(p pipeline.Period, t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To)
}

func viewerOfUser(u crm.User) crm.Viewer {
	return crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func ratioOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// modelTenant builds the engine tenant with its enriched projects, and
// another tenant with projects of its own that no report may count.
func modelTenant(t *testing.T) (*pgtest.DB, engineTenant) {
	t.Helper()
	db := pgtest.New(t)
	et := newEngineTenant(t, db)
	et.generate(t, db, 300, rand.New(rand.NewPCG(11, 3)))
	et.enrich(t, db, rand.New(rand.NewPCG(5, 8)))
	other := newEngineTenant(t, db)
	other.generate(t, db, 40, rand.New(rand.NewPCG(2, 2)))
	other.enrich(t, db, rand.New(rand.NewPCG(4, 4)))
	return db, et
}

// result holds a call's two results until the test can check the error.
type result[T any] struct {
	v   T
	err error
}

func must[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) of(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func describe(v crm.User) string { return fmt.Sprintf("%s %s", v.Role, strings.Fields(v.Name)[0]) }

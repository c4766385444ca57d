package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// DemoLogin is one of the demo tenant's users.
type DemoLogin struct {
	Email string
	Role  crm.Role
	Name  string
}

// DemoPassword is the password of every demo user. The demo tenant is for
// trying Pipewell locally; never seed it on a public server.
const DemoPassword = "pipewell-demo"

// DemoLogins are the demo tenant's users.
var DemoLogins = []DemoLogin{
	{"admin@sunrise-solar.example", crm.RoleAdmin, "Alex Admin"},
	{"manager@sunrise-solar.example", crm.RoleManager, "Morgan Manager"},
	{"sam@sunrise-solar.example", crm.RoleSales, "Sam Seller"},
	{"lee@sunrise-solar.example", crm.RoleSales, "Lee Li"},
	{"rita@sunrise-solar.example", crm.RoleSales, "Rita Rossi"},
	{"omar@sunrise-solar.example", crm.RoleSales, "Omar Okafor"},
}

// SeedDemo creates the demo tenant once (Sunrise Solar: an admin, a manager,
// four sales reps and about 600 projects over the last 12 months with
// realistic milestone histories, archived, deferred and late ones). It reports
// false when the demo tenant exists already. passwordHash is the hash of
// DemoPassword. Everything is written in one transaction.
func (db *DB) SeedDemo(ctx context.Context, passwordHash string, now time.Time) (bool, error) {
	if _, err := db.UserForLogin(ctx, DemoLogins[0].Email); err == nil {
		return false, nil
	}
	admin, err := db.SignUp(ctx, crm.SignUp{Company: "Sunrise Solar", Name: DemoLogins[0].Name, Email: DemoLogins[0].Email}, passwordHash)
	if err != nil {
		return false, fmt.Errorf("demo tenant: %w", err)
	}
	err = db.InTenant(ctx, admin.TenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE tenants SET currency = 'USD', time_zone = 'America/Los_Angeles' WHERE id = $1`, tx.Tenant); err != nil {
			return err
		}
		users := []crm.UserID{admin.ID}
		for _, l := range DemoLogins[1:] {
			u, err := tx.insertUser(ctx, l.Email, l.Name, l.Role, passwordHash)
			if err != nil {
				return err
			}
			users = append(users, u.ID)
		}
		return tx.seedProjects(ctx, rand.New(rand.NewPCG(42, 7)), users[2:], users[1], 600, now)
	})
	return err == nil, err
}

type seedDefs struct {
	milestones []seedMilestone
	statuses   []int64
	reasons    map[string]int64
	sources    []int64
}

type seedMilestone struct {
	id         int64
	deadline   int
	eventTitle string
	eventDays  int
}

func (tx *Tx) loadSeedDefs(ctx context.Context) (seedDefs, error) {
	d := seedDefs{reasons: map[string]int64{}}
	rows, err := tx.Query(ctx, `SELECT id, COALESCE(deadline_days, 0), event_title, COALESCE(event_days, 0)
		FROM milestone_defs WHERE tenant_id = $1 AND active ORDER BY position`, tx.Tenant)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var m seedMilestone
		if err := rows.Scan(&m.id, &m.deadline, &m.eventTitle, &m.eventDays); err != nil {
			return d, err
		}
		d.milestones = append(d.milestones, m)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	for _, q := range []struct {
		sql  string
		dest *[]int64
	}{
		{`SELECT id FROM milestone_statuses WHERE tenant_id = $1 ORDER BY position`, &d.statuses},
		{`SELECT id FROM lead_sources WHERE tenant_id = $1 ORDER BY position`, &d.sources},
	} {
		ids, err := collectIDs(ctx, tx, q.sql)
		if err != nil {
			return d, err
		}
		*q.dest = ids
	}
	rrows, err := tx.Query(ctx, `SELECT id, name FROM archive_reasons WHERE tenant_id = $1`, tx.Tenant)
	if err != nil {
		return d, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var id int64
		var name string
		if err := rrows.Scan(&id, &name); err != nil {
			return d, err
		}
		d.reasons[name] = id
	}
	return d, rrows.Err()
}

func collectIDs(ctx context.Context, tx *Tx, sql string) ([]int64, error) {
	rows, err := tx.Query(ctx, sql, tx.Tenant)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// reserveIDs takes n IDs from table's sequence so rows can be linked before COPY.
func (tx *Tx) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

var (
	demoFirst = []string{"Maria", "James", "Wei", "Fatima", "Lukas", "Aiko", "Carlos", "Priya", "Tom", "Elena", "Jonas", "Mei", "Noah", "Sara", "Ivan", "Lina"}
	demoLast  = []string{"Garcia", "Miller", "Zhang", "Khan", "Becker", "Tanaka", "Silva", "Patel", "Brown", "Novak", "Jensen", "Chen", "Walker", "Rossi", "Petrov", "Haddad"}
	demoKind  = []string{"Rooftop PV", "Battery storage", "PV + battery", "Carport solar", "Heat pump + PV", "Commercial rooftop"}
	demoNotes = []string{"Called, left a voicemail.", "Customer asked for financing options.", "Sent utility bill request.",
		"Site photos received.", "Customer compares with two other offers.", "Roof is east/west facing; adjust layout."}
)

// seedProjects writes n projects with their accounts, contacts, completions,
// events, subtasks and log entries using COPY.
func (tx *Tx) seedProjects(ctx context.Context, rng *rand.Rand, reps []crm.UserID, manager crm.UserID, n int, now time.Time) error {
	d, err := tx.loadSeedDefs(ctx)
	if err != nil {
		return err
	}
	accountIDs, err := tx.reserveIDs(ctx, "accounts", n)
	if err != nil {
		return err
	}
	contactIDs, err := tx.reserveIDs(ctx, "contacts", n)
	if err != nil {
		return err
	}
	projectIDs, err := tx.reserveIDs(ctx, "projects", n)
	if err != nil {
		return err
	}
	var accounts, contacts, projects, completions, events, subtasks, logs [][]any
	day := 24 * time.Hour
	lost := []string{"Lost to competitor", "No budget", "Timing not right"}
	unqualified := []string{"Not qualified", "No response", "Duplicate"}
	for i := range n {
		first, last := demoFirst[rng.IntN(len(demoFirst))], demoLast[rng.IntN(len(demoLast))]
		name := first + " " + last
		created := now.Add(-time.Duration(rng.Float64()*365*24) * time.Hour).Truncate(time.Minute)
		owner := reps[rng.IntN(len(reps))]
		email := fmt.Sprintf("%s.%s%d@mail.example", lower(first), lower(last), i)
		phone := fmt.Sprintf("+1 555 %03d %04d", rng.IntN(1000), rng.IntN(10000))
		accounts = append(accounts, []any{tx.Tenant, accountIDs[i], name + " household", email, phone, created})
		contacts = append(contacts, []any{tx.Tenant, contactIDs[i], accountIDs[i], name, email, phone, created})
		value := int64(5000+rng.IntN(75000)) * 100
		// Walk the milestones: each step is taken with a chance and takes a
		// time around its deadline; some are still open, some late.
		at := created
		reached := 1
		completions = append(completions, []any{tx.Tenant, projectIDs[i], d.milestones[0].id, created, owner, ""})
		logs = append(logs, []any{tx.Tenant, projectIDs[i], created, owner, string(crm.LogCreated), "", "", "", "", nil})
		chance := []float64{0, 0.65, 0.7, 0.5, 0.6, 0.6}
		for k := 1; k < len(d.milestones); k++ {
			m := d.milestones[k]
			dl := m.deadline
			if dl == 0 {
				dl = 7
			}
			next := at.Add(time.Duration((0.3+rng.Float64()*1.4)*float64(dl)*24) * time.Hour)
			if next.After(now) || rng.Float64() > chance[min(k, len(chance)-1)] {
				break
			}
			at = next
			reached = k + 1
			completions = append(completions, []any{tx.Tenant, projectIDs[i], m.id, at, owner, ""})
			logs = append(logs, []any{tx.Tenant, projectIDs[i], at, owner, string(crm.LogMilestoneCompleted), "milestone", "", fmt.Sprint(m.id), "", at})
			if m.eventTitle != "" {
				start := at.Add(time.Duration(m.eventDays) * day)
				events = append(events, []any{tx.Tenant, projectIDs[i], m.id, m.eventTitle, owner, start, start.Before(now.Add(-2 * day))})
			}
		}
		state := crm.StateActive
		var reason, status any
		var archivedAt, deferUntil, soldAt any
		won := reached == len(d.milestones)
		age := now.Sub(at)
		switch {
		case won:
			state, soldAt = crm.StateSold, at
		case age > 45*day || (age > 10*day && rng.Float64() < 0.25):
			state = crm.StateArchived
			pool := lost
			if reached < 2 {
				pool = unqualified
			}
			reason = d.reasons[pool[rng.IntN(len(pool))]]
			a := at.Add(time.Duration(1+rng.IntN(int(max(age/day, 2))-1)) * day)
			if a.After(now) {
				a = now
			}
			archivedAt = a
		case reached >= 2 && rng.Float64() < 0.15:
			state = crm.StateDeferred
			deferUntil = now.Add(time.Duration(5+rng.IntN(80)) * day).Format(time.DateOnly)
		}
		if state == crm.StateActive && reached >= 2 && len(d.statuses) > 0 && rng.Float64() < 0.6 {
			status = d.statuses[rng.IntN(len(d.statuses))]
		}
		if state != crm.StateActive && state != crm.StateSold || won {
			logs = append(logs, []any{tx.Tenant, projectIDs[i], coalesceTime(archivedAt, at), owner, string(crm.LogStateChanged), "state", string(crm.StateActive), string(state), "", nil})
		}
		forecast := crm.ForecastPipeline
		switch {
		case won:
			forecast = crm.ForecastClosedWon
		case reached >= 3:
			forecast = []crm.ForecastCategory{crm.ForecastCommit, crm.ForecastBestCase}[rng.IntN(2)]
		}
		expected := created.Add(time.Duration(45+rng.IntN(90)) * day).Format(time.DateOnly)
		title := fmt.Sprintf("%s – %s", demoKind[rng.IntN(len(demoKind))], last)
		lastActivity := at
		if rng.Float64() < 0.5 {
			note := at.Add(time.Duration(rng.Float64()*float64(max(now.Sub(at), time.Hour))) / 2)
			logs = append(logs, []any{tx.Tenant, projectIDs[i], note, owner, string(crm.LogNote), "", "", "", demoNotes[rng.IntN(len(demoNotes))], nil})
			lastActivity = note
		}
		if state == crm.StateActive && rng.Float64() < 0.35 {
			due := now.Add(time.Duration(rng.IntN(20)-10) * day).Format(time.DateOnly)
			subtasks = append(subtasks, []any{tx.Tenant, projectIDs[i], d.milestones[min(reached, len(d.milestones)-1)].id,
				[]string{"Request utility bill", "Check roof photos", "Prepare financing sheet", "Call back"}[rng.IntN(4)], owner, due})
		}
		src := d.sources[rng.IntN(len(d.sources))]
		referrer := ""
		if rng.Float64() < 0.2 {
			referrer = demoFirst[rng.IntN(len(demoFirst))] + " " + demoLast[rng.IntN(len(demoLast))]
		}
		firstTouch := created.Add(time.Duration(10+rng.IntN(60*30)) * time.Minute)
		projects = append(projects, []any{tx.Tenant, projectIDs[i], title, accountIDs[i], contactIDs[i], owner, src, referrer,
			demoKind[rng.IntN(len(demoKind))] + ", about " + fmt.Sprint(4+rng.IntN(12)) + " kWp", value, expected, status,
			string(forecast), string(state), reason, archivedAt, deferUntil, soldAt, created, manager, lastActivity, firstTouch})
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"accounts", []string{"tenant_id", "id", "name", "email", "phone", "created_at"}, accounts},
		{"contacts", []string{"tenant_id", "id", "account_id", "name", "email", "phone", "created_at"}, contacts},
		{"projects", []string{"tenant_id", "id", "title", "account_id", "contact_id", "owner_id", "source_id", "referrer", "scope",
			"value_cents", "expected_close", "status_id", "forecast_category", "state", "archive_reason_id", "archived_at",
			"defer_until", "sold_at", "created_at", "created_by", "last_activity_at", "first_touch_at"}, projects},
		{"milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at", "completed_by", "note"}, completions},
		{"scheduled_events", []string{"tenant_id", "project_id", "milestone_id", "title", "owner_id", "starts_at", "done"}, events},
		{"subtasks", []string{"tenant_id", "project_id", "milestone_id", "title", "assignee_id", "due_date"}, subtasks},
		{"project_log", []string{"tenant_id", "project_id", "at", "user_id", "kind", "field", "old_value", "new_value", "body", "happened_at"}, logs},
	}
	for _, c := range copies {
		if err := tx.BulkInsert(ctx, c.table, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return err
		}
	}
	return nil
}

func coalesceTime(v any, def time.Time) time.Time {
	if t, ok := v.(time.Time); ok {
		return t
	}
	return def
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

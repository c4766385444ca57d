package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

var (
	firstNames = []string{"Maria", "James", "Wei", "Fatima", "Lukas", "Aiko", "Carlos", "Priya", "Tom", "Elena", "Jonas", "Mei", "Noah", "Sara", "Ivan", "Lina"}
	lastNames  = []string{"Garcia", "Miller", "Zhang", "Khan", "Becker", "Tanaka", "Silva", "Patel", "Brown", "Novak", "Jensen", "Chen", "Walker", "Rossi", "Petrov", "Haddad"}
	kinds      = []string{"Rooftop PV", "Battery storage", "PV + battery", "Carport solar", "Heat pump + PV", "Commercial rooftop"}
	notes      = []string{"Called, left a voicemail.", "Customer asked for financing options.", "Sent utility bill request.",
		"Site photos received.", "Customer compares with two other offers.", "Roof is east/west facing; adjust layout."}
	subtaskTitles = []string{"Request utility bill", "Check roof photos", "Prepare financing sheet", "Call back"}
	lostReasons   = []string{"Lost to competitor", "No budget", "Timing not right"}
	unqualified   = []string{"Not qualified", "No response", "Duplicate"}
)

// RepName is the name of the i-th generated salesperson.
func RepName(i int) string {
	return firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames)+i)%len(lastNames)] + fmt.Sprint(i)
}

// generator makes projects of one tenant from its setup.
type generator struct {
	rng      *rand.Rand
	process  []crm.MilestoneDef // active, in order
	statuses []int64
	sources  []int64
	reasons  map[string]int64
	reps     []crm.UserID
	manager  crm.UserID
	now      time.Time
}

func newGenerator(ctx context.Context, tx *postgres.Tx, rng *rand.Rand, reps []crm.UserID, manager crm.UserID, now time.Time) (*generator, error) {
	s, err := tx.Setup(ctx)
	if err != nil {
		return nil, err
	}
	names, err := tx.Names(ctx)
	if err != nil {
		return nil, err
	}
	g := &generator{rng: rng, process: crm.Process(s.Defs), statuses: s.Choices.Statuses, sources: s.Choices.Sources,
		reasons: map[string]int64{}, reps: reps, manager: manager, now: now}
	for _, r := range names.Reasons {
		g.reasons[r.Name] = r.ID
	}
	return g, nil
}

// load writes n projects with their accounts, contacts, completions,
// events, subtasks and log entries in tx.
func (g *generator) load(ctx context.Context, tx *postgres.Tx, n int) error {
	accountIDs, err := tx.ReserveIDs(ctx, "accounts", n)
	if err != nil {
		return err
	}
	contactIDs, err := tx.ReserveIDs(ctx, "contacts", n)
	if err != nil {
		return err
	}
	projectIDs, err := tx.ReserveIDs(ctx, "projects", n)
	if err != nil {
		return err
	}
	var l postgres.Load
	for i := range n {
		g.project(&l, accountIDs[i], contactIDs[i], crm.ProjectID(projectIDs[i]), i)
	}
	return tx.LoadRows(ctx, l)
}

// project adds one generated project (and its account and contact) to l.
func (g *generator) project(l *postgres.Load, accountID, contactID int64, id crm.ProjectID, i int) {
	r := g.rng
	day := 24 * time.Hour
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	name := first + " " + last
	created := g.now.Add(-time.Duration(r.Float64()*365*24) * time.Hour).Truncate(time.Minute)
	owner := g.reps[r.IntN(len(g.reps))]
	email := fmt.Sprintf("%s.%s%d@mail.example", lower(first), lower(last), i)
	phone := fmt.Sprintf("+1 555 %03d %04d", r.IntN(1000), r.IntN(10000))
	l.Accounts = append(l.Accounts, crm.Account{ID: accountID, Name: name + " household", Email: email, Phone: phone, CreatedAt: created})
	l.Contacts = append(l.Contacts, crm.Contact{ID: contactID, AccountID: accountID, Name: name, Email: email, Phone: phone, CreatedAt: created})
	p := crm.Project{ID: id, Title: fmt.Sprintf("%s – %s", kinds[r.IntN(len(kinds))], last), AccountID: accountID, ContactID: contactID,
		OwnerID: owner, Value: int64(5000+r.IntN(75000)) * 100, State: crm.StateActive, CreatedAt: created, CreatedBy: g.manager,
		Scope: kinds[r.IntN(len(kinds))] + ", about " + fmt.Sprint(4+r.IntN(12)) + " kWp"}
	log := func(at time.Time, kind crm.LogKind, field, old, new, body string, happened time.Time) {
		l.Log = append(l.Log, crm.LogEntry{ProjectID: id, At: at, UserID: owner, Kind: kind, Field: field, OldValue: old,
			NewValue: new, Body: body, HappenedAt: happened})
	}
	// Walk the milestones: each step is taken with a chance and takes a
	// time around its deadline; some are still open, some late.
	at := created
	reached := 1
	p.Completions = append(p.Completions, crm.Completion{MilestoneID: g.process[0].ID, At: created, By: owner})
	log(created, crm.LogCreated, "", "", "", "", time.Time{})
	chance := []float64{0, 0.65, 0.7, 0.5, 0.6, 0.6}
	for k := 1; k < len(g.process); k++ {
		m := g.process[k]
		dl := m.Deadline()
		if dl == 0 {
			dl = 7
		}
		next := at.Add(time.Duration((0.3+r.Float64()*1.4)*float64(dl)*24) * time.Hour)
		if next.After(g.now) || r.Float64() > chance[min(k, len(chance)-1)] {
			break
		}
		at = next
		reached = k + 1
		p.Completions = append(p.Completions, crm.Completion{MilestoneID: m.ID, At: at, By: owner})
		log(at, crm.LogMilestoneCompleted, "milestone", "", fmt.Sprint(m.ID), "", at)
		if m.EventTitle != "" {
			start := at.Add(time.Duration(m.EventDays) * day)
			p.Events = append(p.Events, crm.Event{MilestoneID: m.ID, Title: m.EventTitle, OwnerID: owner, StartsAt: start,
				Done: start.Before(g.now.Add(-2 * day))})
		}
	}
	won := reached == len(g.process)
	age := g.now.Sub(at)
	switch {
	case won:
		p.State, p.SoldAt, p.Forecast = crm.StateSold, at, crm.ForecastClosedWon
	case age > 45*day || (age > 10*day && r.Float64() < 0.25):
		p.State = crm.StateArchived
		pool := lostReasons
		if reached < 2 {
			pool = unqualified
		}
		p.ArchiveReasonID = g.reasons[pool[r.IntN(len(pool))]]
		a := at.Add(time.Duration(1+r.IntN(int(max(age/day, 2))-1)) * day)
		if a.After(g.now) {
			a = g.now
		}
		p.ArchivedAt = a
	case reached >= 2 && r.Float64() < 0.15:
		p.State = crm.StateDeferred
		p.DeferUntil = crm.DateOf(g.now.Add(time.Duration(5+r.IntN(80)) * day))
	}
	if p.State == crm.StateActive && reached >= 2 && len(g.statuses) > 0 && r.Float64() < 0.6 {
		p.StatusID = g.statuses[r.IntN(len(g.statuses))]
	}
	if p.State != crm.StateActive {
		when := at
		if !p.ArchivedAt.IsZero() {
			when = p.ArchivedAt
		}
		log(when, crm.LogStateChanged, "state", string(crm.StateActive), string(p.State), "", time.Time{})
	}
	if p.Forecast == "" {
		p.Forecast = crm.ForecastPipeline
		if reached >= 3 {
			p.Forecast = []crm.ForecastCategory{crm.ForecastCommit, crm.ForecastBestCase}[r.IntN(2)]
		}
	}
	p.ExpectedClose = crm.DateOf(created.Add(time.Duration(45+r.IntN(90)) * day))
	p.LastActivityAt = at
	if r.Float64() < 0.5 {
		note := at.Add(time.Duration(r.Float64()*float64(max(g.now.Sub(at), time.Hour))) / 2)
		log(note, crm.LogNote, "", "", "", notes[r.IntN(len(notes))], time.Time{})
		p.LastActivityAt = note
	}
	if p.State == crm.StateActive && r.Float64() < 0.35 {
		due := g.now.Add(time.Duration(r.IntN(20)-10) * day)
		p.Subtasks = append(p.Subtasks, crm.Subtask{MilestoneID: g.process[min(reached, len(g.process)-1)].ID,
			Title: subtaskTitles[r.IntN(len(subtaskTitles))], AssigneeID: owner, Due: crm.DateOf(due)})
	}
	p.SourceID = g.sources[r.IntN(len(g.sources))]
	if r.Float64() < 0.2 {
		p.Referrer = firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
	}
	p.FirstTouchAt = created.Add(time.Duration(10+r.IntN(60*30)) * time.Minute)
	l.Projects = append(l.Projects, p)
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

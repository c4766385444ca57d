package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// TestExportImportRoundTrip generates a company with a history — every
// state, a milestone skipped, completions out of order, deferred and
// reopened projects, a year of instants in New York's two offsets (EST
// and EDT) — exports it, imports the file into a new company (the test
// process runs in UTC), and compares every project field, every
// completion, what the lists show (pending milestone, due, late) and the
// running totals the Sales screen reads: identical. E-mail addresses are
// unique across companies, so the new company's users have their own and
// the file's addresses are swapped for theirs, person for person.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	adminA := db.Tenant(t, "Origin")
	adminB := db.Tenant(t, "Destination")
	var repsA, repsB []crm.User
	for _, n := range []string{"Ana", "Ben", "Cai"} {
		repsA = append(repsA, db.User(t, adminA, crm.RoleSales, n))
		repsB = append(repsB, db.User(t, adminB, crm.RoleSales, n))
	}
	va := crm.Viewer{TenantID: adminA.TenantID, UserID: adminA.ID, Role: adminA.Role}
	vb := crm.Viewer{TenantID: adminB.TenantID, UserID: adminB.ID, Role: adminB.Role}
	for tenant, zone := range map[crm.TenantID]string{adminA.TenantID: "America/New_York", adminB.TenantID: "America/New_York"} {
		if err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error { return tx.SetTimeZone(ctx, zone) }); err != nil {
			t.Fatal(err)
		}
	}
	ids := []crm.UserID{repsA[0].ID, repsA[1].ID, repsA[2].ID}
	if err := seed.Projects(ctx, db.DB, adminA.TenantID, ids, adminA.ID, 300, 11, now); err != nil {
		t.Fatal(err)
	}
	// The cases the generator does not make: a milestone skipped, two
	// completed out of order, a reopened and a deferred project with a team.
	if err := db.InTenant(ctx, adminA.TenantID, func(tx *postgres.Tx) error {
		s, err := tx.Setup(ctx)
		if err != nil {
			return err
		}
		p := crm.Process(s.Defs)
		acc, err := tx.ReserveIDs(ctx, "accounts", 1)
		if err != nil {
			return err
		}
		pids, err := tx.ReserveIDs(ctx, "projects", 3)
		if err != nil {
			return err
		}
		day := 24 * time.Hour
		c0 := now.Add(-90 * day)
		base := crm.Project{AccountID: acc[0], OwnerID: repsA[0].ID, State: crm.StateActive, Forecast: crm.ForecastPipeline,
			CreatedAt: c0, Value: 123456, SourceID: s.Choices.Sources[0]}
		skipped, outOfOrder, reopened := base, base, base
		skipped.ID, skipped.Title = crm.ProjectID(pids[0]), "Skipped a step"
		skipped.Completions = []crm.Completion{{MilestoneID: p[0].ID, At: c0}, {MilestoneID: p[2].ID, At: c0.Add(3 * day), By: repsA[1].ID}}
		outOfOrder.ID, outOfOrder.Title = crm.ProjectID(pids[1]), "Out of order"
		outOfOrder.Completions = []crm.Completion{{MilestoneID: p[0].ID, At: c0}, {MilestoneID: p[2].ID, At: c0.Add(2 * day)},
			{MilestoneID: p[1].ID, At: c0.Add(5 * day)}}
		outOfOrder.State, outOfOrder.DeferUntil, outOfOrder.Members = crm.StateDeferred, crm.DateOf(now.Add(30*day)), []crm.UserID{repsA[2].ID}
		reopened.ID, reopened.Title = crm.ProjectID(pids[2]), "Reopened"
		reopened.Completions = []crm.Completion{{MilestoneID: p[0].ID, At: c0}, {MilestoneID: p[1].ID, At: c0.Add(day)}}
		reopened.ResumedAt, reopened.HasProbability, reopened.Probability = c0.Add(40*day), true, 35
		return tx.LoadRows(ctx, postgres.Load{Accounts: []crm.Account{{ID: acc[0], Name: "Hand-made cases"}},
			Projects: []crm.Project{skipped, outOfOrder, reopened}})
	}); err != nil {
		t.Fatal(err)
	}

	// The projects file carries no subtasks and scheduled events (they are
	// not among its fields), so the origin has none: "late" then says the
	// same of milestones in both companies.
	if err := db.InTenant(ctx, adminA.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM subtasks WHERE tenant_id = $1`, tx.Tenant)
		if err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM scheduled_events WHERE tenant_id = $1`, tx.Tenant)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, adminA.TenantID); err != nil {
		t.Fatal(err)
	}

	// Export as the Sales screen's export does, every project.
	var file bytes.Buffer
	tenantA, _ := db.Settings(ctx, adminA.TenantID)
	var w *csvfile.ProjectsWriter
	if err := db.ExportProjects(ctx, va, nil, now, func(l postgres.ExportLists) error {
		var err error
		w, err = csvfile.NewProjectsWriter(&file, csvfile.Lists{Users: l.Users, Statuses: l.Names.Statuses, Sources: l.Names.Sources,
			Reasons: l.Names.Reasons, Defs: l.Defs}, tenantA.Location(), tenantA.Currency)
		return err
	}, func(r *crm.ProjectRecord) error { return w.Write(r) }); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	text := file.String()
	swap := []string{adminA.Email, adminB.Email}
	for i := range repsA {
		swap = append(swap, repsA[i].Email, repsB[i].Email)
	}
	text = strings.NewReplacer(swap...).Replace(text)

	f := readImport(t, db, vb, text, false)
	res, err := db.CommitImport(ctx, vb, postgres.ImportWrite{FileName: "origin.csv", Fields: f.fields}, f.next)
	if err != nil || res.Created != 303 {
		t.Fatalf("import: %+v %v", res, err)
	}

	a, b := records(t, db, va, now), records(t, db, vb, now)
	if len(a) != 303 || len(b) != len(a) {
		t.Fatalf("%d projects exported, %d imported", len(a), len(b))
	}
	userA, userB := userNames(t, db, va), userNames(t, db, vb)
	for key, pa := range a {
		pb, ok := b[key]
		if !ok {
			t.Errorf("project %s not imported", key)
			continue
		}
		if ga, gb := pa.describe(userA), pb.describe(userB); ga != gb {
			t.Errorf("project %s differs:\n origin      %s\n destination %s", key, ga, gb)
		}
	}
	if ta, tb := totals(t, db, va, userA), totals(t, db, vb, userB); ta != tb {
		t.Errorf("running totals differ:\n origin      %s\n destination %s", ta, tb)
	}
	sameAfterRefresh(t, db, adminB.TenantID, "round trip")
}

// roundTripRecord is a project as exported, with the names it refers to.
type roundTripRecord struct {
	crm.ProjectRecord
	defs  map[crm.MilestoneID]string
	names postgres.Names
}

func choiceName(list []crm.Choice, id int64) string {
	for _, c := range list {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// describe is every field of the project with names for IDs and instants in UTC.
func (r roundTripRecord) describe(users map[crm.UserID]string) string {
	p := r.Project
	var b strings.Builder
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	var members []string
	for _, m := range p.Members {
		members = append(members, users[m])
	}
	slices.Sort(members)
	fmt.Fprintf(&b, "%q acc=%q/%q/%q/%q con=%q/%q/%q owner=%s team=%v src=%q ref=%q scope=%q value=%d close=%s status=%q fc=%s prob=%v/%d "+
		"state=%s reason=%q note=%q archived=%s defer=%s sold=%s resumed=%s created=%s pending=%q due=%s late=%v",
		p.Title, r.Account.Name, r.Account.Email, r.Account.Phone, r.Account.Address, r.Contact.Name, r.Contact.Email, r.Contact.Phone,
		users[p.OwnerID], members, choiceName(r.names.Sources, p.SourceID), p.Referrer, p.Scope, p.Value, p.ExpectedClose,
		choiceName(r.names.Statuses, p.StatusID), p.Forecast, p.HasProbability, p.Probability, p.State,
		choiceName(r.names.Reasons, p.ArchiveReasonID), p.ArchiveNote, ts(p.ArchivedAt), p.DeferUntil, ts(p.SoldAt), ts(p.ResumedAt), ts(p.CreatedAt),
		r.defs[r.Pending], ts(r.PendingDue), r.Late)
	for _, c := range p.Completions {
		fmt.Fprintf(&b, " [%s %s %s]", r.defs[c.MilestoneID], ts(c.At), users[c.By])
	}
	return b.String()
}

// records are the tenant's projects as exported, by their identity across
// tenants: the origin's ID, which the destination keeps as external ID.
func records(t *testing.T, db *pgtest.DB, v crm.Viewer, now time.Time) map[string]roundTripRecord {
	t.Helper()
	out := map[string]roundTripRecord{}
	var defs map[crm.MilestoneID]string
	var names postgres.Names
	err := db.ExportProjects(context.Background(), v, nil, now, func(l postgres.ExportLists) error {
		defs = map[crm.MilestoneID]string{}
		for _, d := range l.Defs {
			defs[d.ID] = d.Name
		}
		names = l.Names
		return nil
	}, func(r *crm.ProjectRecord) error {
		c := *r
		c.Completions = append([]crm.Completion(nil), r.Completions...)
		c.Members = append([]crm.UserID(nil), r.Members...)
		key := c.ExternalID
		if key == "" {
			key = fmt.Sprint(c.ID)
		}
		out[key] = roundTripRecord{ProjectRecord: c, defs: defs, names: names}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// userNames names each user of the tenant by their name (the same people
// in both companies).
func userNames(t *testing.T, db *pgtest.DB, v crm.Viewer) map[crm.UserID]string {
	t.Helper()
	s, err := db.ImportSetup(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	m := map[crm.UserID]string{}
	for _, u := range s.Lists.Users {
		name := u.Name
		if strings.HasSuffix(name, " Admin") {
			name = "Admin"
		}
		m[u.ID] = name
	}
	return m
}

// totals are the running totals of the Sales screen by state, owner and
// pending milestone, with names for IDs.
func totals(t *testing.T, db *pgtest.DB, v crm.Viewer, users map[crm.UserID]string) string {
	t.Helper()
	var rows []string
	err := db.InTenant(context.Background(), v.TenantID, func(tx *postgres.Tx) error {
		q, err := tx.Query(context.Background(), `SELECT t.state, t.owner_id, COALESCE(d.name, ''), t.active_from::text, t.projects, t.value_cents, t.weighted_cents
			  FROM project_totals t LEFT JOIN milestone_defs d ON d.tenant_id = $1 AND d.id = t.pending_milestone_id
			 WHERE t.tenant_id = $1 AND t.projects <> 0`, tx.Tenant)
		if err != nil {
			return err
		}
		defer q.Close()
		for q.Next() {
			var state, pending, active string
			var owner, n, value, weighted int64
			if err := q.Scan(&state, &owner, &pending, &active, &n, &value, &weighted); err != nil {
				return err
			}
			rows = append(rows, fmt.Sprintf("%s/%s/%s/%s:%d/%d/%d", state, users[crm.UserID(owner)], pending, active, n, value, weighted))
		}
		return q.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	return strings.Join(rows, "\n")
}

package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// sameAfterRefresh checks that what the tenant stores equals what a
// recompute from its rows gives: the changes made so far kept their derived
// data exactly as the definitions say.
func sameAfterRefresh(t *testing.T, db *pgtest.DB, tenant crm.TenantID, step string) {
	t.Helper()
	before := pgtest.Derived(t, db, tenant)
	if err := db.Refresh(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	pgtest.SameDerived(t, before, pgtest.Derived(t, db, tenant), step)
}

// TestDerivedFollowsChanges: after every kind of change the application
// makes (lead creation, milestone completion and undo, state changes,
// details, owner and team, events and subtasks, notes, bulk actions,
// renames of what projects are shown by, the process's definitions, the
// time zone, learned probabilities), the derived data it wrote in the
// change's transaction is exactly what a recompute from the rows gives.
func TestDerivedFollowsChanges(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Derived Solar")
	mgr := db.User(t, admin, crm.RoleManager, "Max Manager")
	rep := db.User(t, admin, crm.RoleSales, "Rae Rep")
	rep2 := db.User(t, admin, crm.RoleSales, "Ray Rep")
	now := time.Now().Truncate(time.Microsecond)
	if err := seed.Projects(ctx, db.DB, admin.TenantID, []crm.UserID{rep.ID, rep2.ID}, mgr.ID, 150, 3, now); err != nil {
		t.Fatal(err)
	}
	sameAfterRefresh(t, db, admin.TenantID, "bulk load")

	a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: now, Loc: time.UTC}
	lead := db.LeadForm(t, a, crm.LeadForm{Title: "Heron Pond PV", Account: crm.Account{Name: "Heron household"},
		Contact: crm.Contact{Name: "Hana Heron", Email: "hana@heron.example"}, Value: "12000", OwnerID: fmt.Sprint(rep.ID)})
	sameAfterRefresh(t, db, admin.TenantID, "lead created")

	var ids []crm.ProjectID
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND state IN ('active', 'deferred') ORDER BY id LIMIT 12`, tx.Tenant)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	change := func(id crm.ProjectID, step string, decide postgres.Decide) {
		t.Helper()
		if _, err := db.ChangeProject(ctx, a.Viewer, id, decide); err != nil {
			t.Fatalf("%s on %d: %v", step, id, err)
		}
	}
	change(lead, "qualify", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, s.Defs, crm.CompleteMilestone{Version: p.Version, At: now}, a)
	})
	change(lead, "details", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		d := crm.DetailsOf(p)
		d.Title, d.Value, d.StatusID = "Heron Pond PV + battery", "18000", fmt.Sprint(s.Choices.Statuses[0])
		return crm.DecideDetails(p, d, s.Choices, a)
	})
	change(lead, "event", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideAddEvent(p, crm.EventForm{Title: "Site visit", StartsAt: now.Add(-time.Hour).Format(crm.LocalTimeLayout)}, s.Choices, a)
	})
	change(lead, "subtask", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideAddSubtask(p, s.Defs, crm.SubtaskForm{Title: "Bill", MilestoneID: fmt.Sprint(crm.Process(s.Defs)[2].ID),
			Due: now.AddDate(0, 0, -2).Format(crm.DateLayout)}, s.Choices, a)
	})
	change(lead, "note", func(p crm.Project, _ crm.Setup) (crm.Change, error) { return crm.DecideNote(p, "Called.", a) })
	change(lead, "team", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideMembers(p, s.Choices.Users, rep2.ID, true, p.Version, a)
	})
	change(lead, "owner", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideOwner(p, s.Choices.Users, rep2.ID, p.Version, a)
	})
	sameAfterRefresh(t, db, admin.TenantID, "workspace changes")

	change(lead, "event done", func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideEventDone(p, p.Events[0].ID, true, a)
	})
	change(lead, "subtask done", func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideSubtaskDone(p, p.Subtasks[0].ID, true, a)
	})
	change(lead, "undo", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideUndo(p, s.Defs, crm.UndoMilestone{Version: p.Version, MilestoneID: crm.Allowed(p, s.Defs, a.Viewer, now, a.Loc).Undo, Reason: "too early"}, a)
	})
	change(lead, "defer", func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideDefer(p, crm.Defer{Version: p.Version, Until: crm.DateOf(now.AddDate(0, 0, 3))}, a)
	})
	change(lead, "reactivate", func(p crm.Project, _ crm.Setup) (crm.Change, error) { return crm.DecideReactivate(p, p.Version, a) })
	change(lead, "archive", func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideArchive(p, s.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: s.Choices.Reasons[0]}, a)
	})
	change(lead, "reopen", func(p crm.Project, _ crm.Setup) (crm.Change, error) { return crm.DecideReopen(p, p.Version, a) })
	sameAfterRefresh(t, db, admin.TenantID, "state changes")

	for _, b := range []crm.BulkAction{{Kind: crm.BulkOwner, Owner: rep.ID}, {Kind: crm.BulkDefer, Until: crm.DateOf(now.AddDate(0, 0, 5))},
		{Kind: crm.BulkArchive}} {
		_, err := db.ChangeProjects(ctx, a.Viewer, postgres.BulkTarget{IDs: ids[:6]}, func(s crm.Setup) error { return nil },
			func(p crm.Project, s crm.Setup) (crm.Change, error) {
				if b.Kind == crm.BulkArchive {
					b.Reason = s.Choices.Reasons[0]
				}
				return crm.DecideBulk(p, b, s, a)
			})
		if err != nil {
			t.Fatalf("bulk %s: %v", b.Kind, err)
		}
	}
	sameAfterRefresh(t, db, admin.TenantID, "bulk actions")

	var acct, contact int64
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT account_id, contact_id FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, lead).Scan(&acct, &contact)
	})
	db.EditAccount(t, admin, acct, crm.Account{Name: "Zenith Farm"})
	db.EditContact(t, admin, contact, crm.Contact{Name: "Quinn Vale", Email: "quinn@vale.example"})
	if err := db.UpdateAccount(ctx, admin.TenantID, rep.ID, "Ada Owner", ""); err != nil {
		t.Fatal(err)
	}
	setup, err := db.Setup(ctx, admin.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RenamePickValue(ctx, admin.TenantID, admin.ID, crm.ListStatuses, setup.Choices.Statuses[0], "Waiting on bank"); err != nil {
		t.Fatal(err)
	}
	sameAfterRefresh(t, db, admin.TenantID, "renames")
	var search string
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT customer_name || '|' || owner_name || '|' || status_name || '|' || search_text
			FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, lead).Scan(&search)
	})
	if search != "Zenith Farm|Ray Rep|Waiting on bank|heron pond pv + battery zenith farm quinn vale quinn@vale.example" {
		t.Errorf("names after renames: %q", search)
	}

	process := crm.Process(setup.Defs)
	spec := process[2].MilestoneSpec
	spec.DeadlineDays, spec.Probability = spec.DeadlineDays+3, 65
	processChange := func(decide postgres.DecideProcess) {
		t.Helper()
		if _, err := db.ChangeProcess(ctx, admin.TenantID, admin.ID, decide); err != nil {
			t.Fatal(err)
		}
	}
	processChange(func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideEditMilestone(ms, process[2].ID, spec)
	})
	processChange(func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideNewMilestone(ms, process[1].ID, crm.MilestoneSpec{Name: "Site survey",
			HasDeadline: true, DeadlineDays: 5, DeadlineFrom: crm.DeadlineFromCreated, Probability: 40}, crm.ApplyToNotReached)
	})
	processChange(func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMoveMilestone(ms, process[2].ID, 1)
	})
	processChange(func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMilestoneActive(ms, process[1].ID, false)
	})
	sameAfterRefresh(t, db, admin.TenantID, "process changes")

	for _, s := range []crm.Settings{
		{Name: "Derived Solar", Currency: "USD", TimeZone: "Pacific/Auckland", StagnantDays: 14},
		{Name: "Derived Solar", Currency: "USD", TimeZone: "Pacific/Auckland", StagnantDays: 14, LearnedProbabilities: true},
	} {
		if err := db.UpdateSettings(ctx, admin.TenantID, admin.ID, s); err != nil {
			t.Fatal(err)
		}
		sameAfterRefresh(t, db, admin.TenantID, "settings "+s.TimeZone+fmt.Sprint(s.LearnedProbabilities))
	}
	// With learned probabilities on, a process change learns them again.
	processChange(func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMilestoneActive(ms, process[1].ID, true)
	})
	sameAfterRefresh(t, db, admin.TenantID, "process change with learned probabilities")
}

// TestRefreshRepairsHandEdits: rows changed by hand in SQL (what an operator
// fixing data does) leave the derived data stale until a refresh, which
// computes it from the rows again.
func TestRefreshRepairsHandEdits(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Hand Edits")
	a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: time.Now(), Loc: time.UTC}
	id := db.Lead(t, a, "Roof")
	read := func() (state, pending string) {
		_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT phase, COALESCE((SELECT name FROM milestone_defs m WHERE m.tenant_id = $1 AND m.id = p.pending_milestone_id), '')
				FROM projects p WHERE p.tenant_id = $1 AND p.id = $2`, tx.Tenant, id).Scan(&state, &pending)
		})
		return
	}
	if s, p := read(); s != "open" || p != "Lead qualified" {
		t.Fatalf("before: %s, %s", s, p)
	}
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant, id}, `
			INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at)
			     SELECT tenant_id, $2, id, now() FROM milestone_defs WHERE tenant_id = $1 AND name = 'Lead qualified';
			UPDATE projects SET state = 'archived', archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1)
			 WHERE tenant_id = $1 AND id = $2;`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if s, p := read(); s != "open" || p != "Lead qualified" {
		t.Fatalf("hand edits changed the derived data by themselves: %s, %s", s, p)
	}
	if err := db.Refresh(ctx, admin.TenantID); err != nil {
		t.Fatal(err)
	}
	if s, p := read(); s != "archived" || p != "Proposed" {
		t.Fatalf("after refresh: %s, %s; want archived, Proposed", s, p)
	}
}

// TestSchemaHasNoFunctionsOrTriggers: derived data has one home, the
// engine; the schema holds data, indexes and constraints only (and
// pipewell_distribute, which migrations call to place a new table on Citus).
func TestSchemaHasNoFunctionsOrTriggers(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var funcs, triggers []string
	rows, _ := conn.Query(ctx, `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public' AND p.proname <> 'pipewell_distribute'
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`)
	funcs, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = conn.Query(ctx, `SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace`)
	triggers, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(funcs) > 0 || len(triggers) > 0 {
		t.Fatalf("functions %s; triggers %s", strings.Join(funcs, ", "), strings.Join(triggers, ", "))
	}
}

// execEach runs each ";"-terminated statement of sql with the arguments it
// uses ($1, $2 in order).
func execEach(tx *postgres.Tx, args []any, sql string) error {
	for _, stmt := range strings.Split(sql, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		n := 0
		for i := range args {
			if strings.Contains(stmt, fmt.Sprintf("$%d", i+1)) {
				n = i + 1
			}
		}
		if _, err := tx.Exec(context.Background(), stmt, args[:n]...); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// insertRows writes rows into table by multi-row INSERT ... VALUES, as the
// application does: on Citus an INSERT ... SELECT is not routed to one shard
// (it goes through the coordinator, and COPY is refused under row-level
// security). table and cols are constants.
func insertRows(tx *postgres.Tx, table string, cols []string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), 60000/len(cols))
		var sb strings.Builder
		var args []any
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				fmt.Fprintf(&sb, "$%d", len(args))
			}
			sb.WriteByte(')')
		}
		if _, err := tx.Exec(context.Background(), "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+sb.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// newAccount adds an account named name and returns its ID.
func newAccount(tx *postgres.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(context.Background(), `INSERT INTO accounts (tenant_id, name) VALUES ($1, $2) RETURNING id`, tx.Tenant, name).Scan(&id)
	return id, err
}

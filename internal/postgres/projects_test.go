package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

func setupLead(t *testing.T) (*pgtest.DB, crm.Actor, crm.ProjectID) {
	t.Helper()
	db := pgtest.New(t)
	admin := db.Tenant(t, "Acme")
	a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: time.Now().Truncate(time.Second), Loc: time.UTC}
	return db, a, db.Lead(t, a, "Roof")
}

func counts(t *testing.T, db *pgtest.DB, a crm.Actor, id crm.ProjectID) (version, completions, events, logs int, state string) {
	t.Helper()
	err := db.InTenant(context.Background(), a.Viewer.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT p.version, p.state,
			(SELECT count(*) FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id),
			(SELECT count(*) FROM scheduled_events e WHERE e.tenant_id = $1 AND e.project_id = p.id),
			(SELECT count(*) FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = p.id)
			FROM projects p WHERE p.tenant_id = $1 AND p.id = $2`, a.Viewer.TenantID, id).Scan(&version, &state, &completions, &events, &logs)
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestCreateLeadWritesCompletionAndLog(t *testing.T) {
	t.Parallel()
	db, a, id := setupLead(t)
	v, comps, evs, logs, state := counts(t, db, a, id)
	if v != 1 || comps != 1 || evs != 0 || logs != 2 || state != "active" {
		t.Fatalf("after creation: version %d, %d completions, %d events, %d log entries, %s", v, comps, evs, logs, state)
	}
}

func TestChangeSetsAndTheirLog(t *testing.T) {
	t.Parallel()
	db, a, id := setupLead(t)
	ctx := context.Background()
	run := func(decide postgres.Decide) error {
		_, err := db.ChangeProject(ctx, a.Viewer, id, decide)
		return err
	}
	// Qualify: completion + event from the template + 3 log entries.
	err := run(func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, crm.CompleteMilestone{Version: p.Version, At: a.Now}, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, comps, evs, logs, _ := counts(t, db, a, id)
	if v != 2 || comps != 2 || evs != 1 || logs != 4 {
		t.Fatalf("after qualify: version %d, %d completions, %d events, %d logs", v, comps, evs, logs)
	}
	// A stale version writes nothing.
	err = run(func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideReopen(p, 1, a)
	})
	if !errors.Is(err, crm.ErrConflict) {
		t.Fatalf("stale: %v", err)
	}
	// Archive: state + reason, 2 log entries.
	err = run(func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideArchive(p, c.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: c.Choices.Reasons[0], Note: "quiet"}, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, _, _, logs, state := counts(t, db, a, id)
	if v != 3 || logs != 6 || state != "archived" {
		t.Fatalf("after archive: version %d, %d logs, %s", v, logs, state)
	}
	// The log cannot be changed by the app role.
	err = db.InTenant(ctx, a.Viewer.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE project_log SET body = 'rewritten' WHERE tenant_id = $1`, a.Viewer.TenantID)
		return err
	})
	if err == nil {
		t.Fatal("the app role could rewrite the project log")
	}
}

// TestChangeIsAtomic: a change whose last write fails (its log entry,
// refused by a constraint added for the test) leaves nothing behind: no
// project row, completion, event or derived data of it, for a change and a
// new lead alike.
func TestChangeIsAtomic(t *testing.T) {
	t.Parallel()
	db, a, id := setupLead(t)
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `ALTER TABLE project_log ADD CONSTRAINT test_refuse_log
		CHECK (kind NOT IN ('milestone_completed', 'created')) NOT VALID`); err != nil {
		t.Fatal(err)
	}
	var pending0 int64
	read := func() (pending int64) {
		_ = db.InTenant(ctx, a.Viewer.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT COALESCE(pending_milestone_id, 0) FROM projects WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, id).Scan(&pending)
		})
		return pending
	}
	pending0 = read()
	_, err = db.ChangeProject(ctx, a.Viewer, id, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, crm.CompleteMilestone{Version: p.Version, At: a.Now}, a)
	})
	if err == nil || !strings.Contains(err.Error(), "test_refuse_log") {
		t.Fatalf("got %v, want the log's constraint violation", err)
	}
	v, comps, evs, logs, state := counts(t, db, a, id)
	if v != 1 || comps != 1 || evs != 0 || logs != 2 || state != "active" || read() != pending0 {
		t.Fatalf("a failed change left traces: version %d, %d completions, %d events, %d logs, %s, pending %d (was %d)",
			v, comps, evs, logs, state, read(), pending0)
	}
	// The same for a new lead: no project, no account left behind.
	in := crm.LeadForm{Title: "Second", Account: crm.Account{Name: "Lost account"}}
	_, err = db.CreateLead(ctx, a.Viewer, "", "", func(s crm.Setup, dups []crm.Duplicate) (crm.Lead, crm.Change, error) {
		return crm.DecideLead(in, s, dups, a)
	})
	if err == nil {
		t.Fatal("the lead was created although its log entry was refused")
	}
	var projects, accounts, totals int
	_ = db.InTenant(ctx, a.Viewer.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM projects WHERE tenant_id = $1), (SELECT count(*) FROM accounts WHERE tenant_id = $1),
			(SELECT COALESCE(sum(projects), 0) FROM project_totals WHERE tenant_id = $1)`, tx.Tenant).Scan(&projects, &accounts, &totals)
	})
	if projects != 1 || accounts != 1 || totals != 1 {
		t.Fatalf("failed lead left %d projects, %d accounts, totals of %d projects", projects, accounts, totals)
	}
}

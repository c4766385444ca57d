package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// BenchmarkWorkspace1M measures the workspace page and the complete-milestone
// POST of one project in a tenant with 1,000,000 projects, the project having
// 200 log entries. The tenant is seeded once per run with generate_series
// (about a minute); run it with
//
//	go test ./internal/server -run '^$' -bench Workspace1M -benchtime 200x
//
// It reports the median server time per request (the handler called
// directly, session and database included) as median-ms.
func BenchmarkWorkspace1M(b *testing.B) {
	app := newTestApp(b, Config{})
	ctx := context.Background()
	admin := app.db.Tenant(b, "Big Solar")
	rep := app.db.User(b, admin, crm.RoleSales, "Bench Rep")
	others := make([]int64, 0, 20)
	for i := range 20 {
		others = append(others, int64(app.db.User(b, admin, crm.RoleSales, fmt.Sprintf("Rep %d", i)).ID))
	}
	start := time.Now()
	var project crm.ProjectID
	var defs []crm.MilestoneDef
	err := app.db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var account int64
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Big account') RETURNING id`, tx.Tenant).Scan(&account); err != nil {
			return err
		}
		var err error
		if defs, err = tx.MilestoneDefs(ctx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO projects (tenant_id, title, account_id, owner_id, value_cents, state, defer_until, archive_reason_id,
			                      created_at, updated_at, last_activity_at)
			SELECT $1::bigint, 'Project ' || g, $2::bigint, ($3::bigint[])[1 + g % 20], (g % 90000) * 100, s.state,
			       CASE WHEN s.state = 'deferred' THEN current_date + 30 END,
			       CASE WHEN s.state = 'archived' THEN (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1::bigint) END,
			       now() - (g % 365) * interval '1 day', now(), now()
			  FROM generate_series(1, 999999) g,
			       LATERAL (SELECT (ARRAY['active','active','active','deferred','archived','sold'])[1 + g % 6] AS state) s`, tx.Tenant, account, others); err != nil {
			return fmt.Errorf("seed projects: %w", err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at)
			SELECT tenant_id, id, $2, created_at FROM projects WHERE tenant_id = $1`, tx.Tenant, crm.Process(defs)[0].ID); err != nil {
			return fmt.Errorf("seed completions: %w", err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	a := crm.Actor{Viewer: crm.Viewer{TenantID: rep.TenantID, UserID: rep.ID, Role: rep.Role}, Now: time.Now(), Loc: time.UTC}
	l, _ := crm.ValidateLead(crm.LeadForm{Title: "Measured project", Account: crm.Account{Name: "Measured"}, Value: "10000"}, crm.Choices{}, a)
	if project, err = app.db.CreateLead(ctx, a, l); err != nil {
		b.Fatal(err)
	}
	process := crm.Process(defs)
	a.Now = time.Now()
	_, err = app.db.ChangeProject(ctx, a.Viewer, project, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, crm.CompleteMilestone{Version: p.Version, At: a.Now}, a)
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 195; i++ {
		e, _ := crm.NoteLog(project, fmt.Sprintf("Note %d: called the customer about the roof layout.", i), a)
		if err := app.db.AddNote(ctx, a.Viewer, project, e); err != nil {
			b.Fatal(err)
		}
	}
	if err := app.db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `ANALYZE projects; ANALYZE milestone_completions; ANALYZE project_log`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded 1,000,000 projects in %s", time.Since(start).Round(time.Second))

	c := app.client()
	c.login(rep)
	cookie := "pipewell_session=" + c.cookie()
	serve := func(req *http.Request) (int, time.Duration) {
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		app.srv.ServeHTTP(rec, req)
		return rec.Code, time.Since(t0)
	}
	path := fmt.Sprintf("/projects/%d", project)

	b.Run("page", func(b *testing.B) {
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			code, d := serve(httptest.NewRequest("GET", path, nil))
			if code != 200 {
				b.Fatalf("GET %s: %d", path, code)
			}
			times = append(times, d)
		}
		reportMedian(b, times)
	})
	version := 2 // created, then qualified; notes do not change it
	b.Run("complete", func(b *testing.B) {
		proposed := process[2].ID
		times := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			form := url.Values{"version": {fmt.Sprint(version)}, "completed_at": {time.Now().UTC().Format(crm.LocalTimeLayout)}, "note": {"Proposal sent"}}
			req := httptest.NewRequest("POST", fmt.Sprintf("%s/milestones/%d/complete", path, proposed), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			code, d := serve(req)
			if code != http.StatusSeeOther {
				b.Fatalf("complete: %d", code)
			}
			times = append(times, d)
			b.StopTimer()
			a.Now = time.Now()
			_, err := app.db.ChangeProject(ctx, a.Viewer, project, func(p crm.Project, c postgres.Context) (crm.Change, error) {
				return crm.DecideUndo(p, c.Defs, crm.UndoMilestone{Version: p.Version, MilestoneID: proposed, Reason: "benchmark reset"}, a)
			})
			if err != nil {
				b.Fatal(err)
			}
			version += 2
			b.StartTimer()
		}
		reportMedian(b, times)
	})
}

func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
}

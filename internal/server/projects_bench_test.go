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
	"github.com/pipewell/pipewell/internal/seed"
)

// BenchmarkWorkspace1M measures the workspace page and the complete-milestone
// POST of one project in a tenant with 1,000,000 projects, the project having
// 200 log entries. The tenant is seeded once per run by the bulk load (its
// derived data computed by the engine as it is written); run it with
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
	reps := make([]crm.UserID, len(others))
	for i, o := range others {
		reps[i] = crm.UserID(o)
	}
	for i := range 20 {
		if err := seed.Projects(ctx, app.db.DB, admin.TenantID, reps, admin.ID, 50_000, uint64(i+1), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	a := crm.Actor{Viewer: crm.Viewer{TenantID: rep.TenantID, UserID: rep.ID, Role: rep.Role}, Now: time.Now(), Loc: time.UTC}
	project := app.db.LeadForm(b, a, crm.LeadForm{Title: "Measured project", Account: crm.Account{Name: "Measured"}, Value: "10000"})
	setup, err := app.db.Setup(ctx, admin.TenantID)
	if err != nil {
		b.Fatal(err)
	}
	process := crm.Process(setup.Defs)
	a.Now = time.Now()
	_, err = app.db.ChangeProject(ctx, a.Viewer, project, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, crm.CompleteMilestone{Version: p.Version, At: a.Now}, a)
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 195; i++ {
		_, err := app.db.ChangeProject(ctx, a.Viewer, project, func(p crm.Project, _ crm.Setup) (crm.Change, error) {
			return crm.DecideNote(p, fmt.Sprintf("Note %d: called the customer about the roof layout.", i), a)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := app.db.Any.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
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
			_, err := app.db.ChangeProject(ctx, a.Viewer, project, func(p crm.Project, c crm.Setup) (crm.Change, error) {
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
	// A change of a milestone's probability recomputes, in the change's
	// transaction, every project whose weighted value comes from it: here
	// the milestone most projects have last completed. At most three
	// changes, whatever b.N.
	b.Run("probability", func(b *testing.B) {
		var target crm.MilestoneID
		var affected int64
		if err := app.db.Any.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT last_milestone_id, count(*) FROM projects
				WHERE tenant_id = $1 AND phase = 'open' AND last_milestone_id IS NOT NULL
				GROUP BY 1 ORDER BY 2 DESC LIMIT 1`, tx.Tenant).Scan(&target, &affected)
		}); err != nil {
			b.Fatal(err)
		}
		times := make([]time.Duration, 0, 3)
		for i := 0; i < min(b.N, 3); i++ {
			t0 := time.Now()
			_, err := app.db.ChangeProcess(ctx, admin.TenantID, admin.ID, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
				for _, m := range ms {
					if m.ID == target {
						spec := m.MilestoneSpec
						spec.Probability = (spec.Probability + 7) % 100
						return crm.DecideEditMilestone(ms, target, spec)
					}
				}
				return crm.ProcessChange{}, fmt.Errorf("milestone %d not found", target)
			})
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		b.Logf("probability of milestone %d changed, %d open projects last completed it: %v", target, affected, times)
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

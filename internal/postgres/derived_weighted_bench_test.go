package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// BenchmarkProbabilityChange measures a change of a milestone's probability
// on a tenant of PIPEWELL_BENCH_PROJECTS projects (100,000 unless set),
// seeded by the bulk load: the milestone most open projects last completed
// gets another probability, by ChangeProcess (which recomputes only the
// weighted values that follow) and, alternating with it, by the full
// recompute of every project's derived data that such a change ran before.
// PIPEWELL_BENCH_ROUNDS (3 unless set) rounds of each, whatever b.N; it
// reports both medians and the narrow one per 100,000 projects.
//
//	PIPEWELL_BENCH_PROJECTS=200000 go test ./internal/postgres -run '^$' -bench ProbabilityChange -benchtime 1x -timeout 2h
func BenchmarkProbabilityChange(b *testing.B) {
	n, rounds := envInt(b, "PIPEWELL_BENCH_PROJECTS", 100_000), envInt(b, "PIPEWELL_BENCH_ROUNDS", 3)
	db := pgtest.New(b)
	ctx := context.Background()
	admin := db.Tenant(b, "Big Solar")
	var reps []crm.UserID
	for i := range 20 {
		reps = append(reps, db.User(b, admin, crm.RoleSales, fmt.Sprintf("Rep %d", i)).ID)
	}
	start := time.Now()
	for i := 0; i < n; i += 50_000 {
		if err := seed.Projects(ctx, db.DB, admin.TenantID, reps, admin.ID, min(50_000, n-i), uint64(i/50_000+1), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	owner.Close(ctx)
	fmt.Fprintf(os.Stderr, "seeded %d projects in %s\n", n, time.Since(start).Round(time.Second))

	var target crm.MilestoneID
	var open, last int64
	var plan []string
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		err := tx.QueryRow(ctx, `SELECT last_milestone_id, count(*) FROM projects
			WHERE tenant_id = $1 AND phase = 'open' AND last_milestone_id IS NOT NULL
			GROUP BY 1 ORDER BY 2 DESC LIMIT 1`, tx.Tenant).Scan(&target, &open)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM projects WHERE tenant_id = $1 AND last_milestone_id = $2`,
			tx.Tenant, target).Scan(&last); err != nil {
			return err
		}
		// The plan of the narrow recompute's read.
		rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)
			SELECT p.id, p.state, p.owner_id, COALESCE(p.pending_milestone_id, 0), COALESCE(p.last_milestone_id, 0), p.active_from,
			       p.value_cents, p.probability_override, p.weighted_cents
			  FROM projects p
			 WHERE p.tenant_id = $1 AND p.last_milestone_id = ANY($2)`, tx.Tenant, []int64{int64(target)})
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "milestone %d: last completed by %d projects, %d of them open\n", target, last, open)
	fmt.Fprintf(os.Stderr, "plan of the read:\n%s\n", strings.Join(plan, "\n"))

	probability := 0
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT probability FROM milestone_defs WHERE tenant_id = $1 AND id = $2`, tx.Tenant, target).Scan(&probability)
	})
	if err != nil {
		b.Fatal(err)
	}
	next := func() int { probability = (probability + 7) % 100; return probability }
	var narrow, full []time.Duration
	b.ResetTimer()
	for i := 0; i < rounds; i++ {
		t0 := time.Now()
		p := next()
		_, err := db.ChangeProcess(ctx, admin.TenantID, admin.ID, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
			for _, m := range ms {
				if m.ID == target {
					spec := m.MilestoneSpec
					spec.Probability = p
					return crm.DecideEditMilestone(ms, target, spec)
				}
			}
			return crm.ProcessChange{}, fmt.Errorf("milestone %d not found", target)
		})
		if err != nil {
			b.Fatal(err)
		}
		narrow = append(narrow, time.Since(t0))
		t0 = time.Now()
		if err := db.SetProbabilityFullForTest(ctx, admin.TenantID, target, next()); err != nil {
			b.Fatal(err)
		}
		full = append(full, time.Since(t0))
		// Printed as it comes (a benchmark's log is shown at its end).
		fmt.Fprintf(os.Stderr, "round %d: narrow %s, full %s\n", i+1, narrow[i].Round(time.Millisecond), full[i].Round(time.Millisecond))
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration { d = slices.Clone(d); slices.Sort(d); return d[len(d)/2] }
	b.ReportMetric(float64(median(narrow).Milliseconds()), "narrow-ms")
	b.ReportMetric(float64(median(full).Milliseconds()), "full-ms")
	b.ReportMetric(float64(median(narrow).Milliseconds())*100_000/float64(n), "narrow-ms/100k")
	b.ReportMetric(float64(median(full).Milliseconds())*100_000/float64(n), "full-ms/100k")
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}

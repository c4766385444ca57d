package pgtest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// Derived is everything derived the tenant stores, as sorted text: every
// project's summary columns, its search row and words, and the running
// totals.
func Derived(t testing.TB, db *DB, tenant crm.TenantID) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
		for _, q := range []string{
			`SELECT 'p', p.id, p.phase, p.pending_milestone_id, p.last_milestone_id, p.last_completed_at, p.pending_due_at,
			        p.deferred_due_at, p.milestone_late_from, p.late_from, p.active_from, p.weighted_cents, p.customer_name,
			        p.owner_name, p.status_name, p.search_text, p.item_late_from, p.item_due_at, p.item_kind, p.stage_day, p.cycle_seconds, date_trunc('second', p.sold_at), encode(p.history, 'hex'), s.phase, s.active_from, s.created_at, s.text,
			        (SELECT string_agg(w.phase || ':' || w.word, ',' ORDER BY w.word, w.phase) FROM project_search_words w
			          WHERE w.tenant_id = $1 AND w.project_id = p.id)
			   FROM projects p LEFT JOIN project_search s ON s.tenant_id = $1 AND s.project_id = p.id
			  WHERE p.tenant_id = $1`,
			`SELECT 't', state, owner_id, pending_milestone_id, active_from, projects, value_cents, weighted_cents
			   FROM project_totals WHERE tenant_id = $1`,
		} {
			rows, err := tx.Query(ctx, q, tx.Tenant)
			if err != nil {
				return err
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					return err
				}
				for i, v := range vals {
					if tm, ok := v.(time.Time); ok {
						vals[i] = tm.UTC().Format(time.RFC3339Nano)
					}
				}
				out = append(out, fmt.Sprint(vals...))
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// SameDerived fails the test, naming the first differences, when two
// Derived snapshots differ.
func SameDerived(t testing.TB, want, got []string, step string) {
	t.Helper()
	if slices.Equal(want, got) {
		return
	}
	n := 0
	for _, s := range want {
		if !slices.Contains(got, s) && n < 5 {
			t.Errorf("%s: stored   %s", step, s)
			n++
		}
	}
	n = 0
	for _, s := range got {
		if !slices.Contains(want, s) && n < 5 {
			t.Errorf("%s: computed %s", step, s)
			n++
		}
	}
	t.Fatalf("%s: derived data differs from a recompute (%d stored, %d computed rows)", step, len(want), len(got))
}

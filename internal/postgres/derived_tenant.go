package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// deriveBatch is how many projects a tenant-wide recompute reads and writes
// at a time.
const deriveBatch = 2000

// deriveWhere recomputes the derived data of the tenant's projects that
// match cond (SQL over alias p with arguments from $2 on, "" for all), in
// batches by ID, in this transaction: what a change of the definitions, the
// time zone, the probabilities or a name shown on many projects calls.
func (tx *Tx) deriveWhere(ctx context.Context, cond string, args ...any) error {
	var after int64
	q := `SELECT p.id FROM projects p WHERE p.tenant_id = $1 AND p.id > $2`
	if cond != "" {
		q += ` AND ` + cond
	}
	q += ` ORDER BY p.id LIMIT ` + fmt.Sprint(deriveBatch)
	for {
		rows, err := tx.Query(ctx, q, append([]any{tx.Tenant, after}, args...)...)
		if err != nil {
			return fmt.Errorf("recompute: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
		if err != nil {
			return fmt.Errorf("recompute: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.derive(ctx, ids, nil); err != nil {
			return err
		}
		after = int64(ids[len(ids)-1])
	}
}

// deriveAll recomputes every project of the tenant.
func (tx *Tx) deriveAll(ctx context.Context) error { return tx.deriveWhere(ctx, "") }

// rebuildTotals computes the tenant's running totals again from the
// projects' stored columns.
func (tx *Tx) rebuildTotals(ctx context.Context) error {
	// Read, then written with VALUES: INSERT ... SELECT would be run through
	// the coordinator on a distributed database, and refused under
	// row-level security there.
	rows, err := tx.Query(ctx, `
		SELECT tenant_id, state, owner_id, COALESCE(pending_milestone_id, 0), COALESCE(last_milestone_id, 0), active_from,
		       count(*), sum(value_cents), sum(weighted_cents)
		  FROM projects WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, tx.Tenant)
	if err != nil {
		return fmt.Errorf("rebuild totals: %w", err)
	}
	totals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) {
		var tenant, owner, pending, last, n int64
		var state string
		var active pgtype.Timestamptz
		var value, weighted pgtype.Numeric
		err := r.Scan(&tenant, &state, &owner, &pending, &last, &active, &n, &value, &weighted)
		return []any{tenant, state, owner, pending, last, active, n, value, weighted}, err
	})
	if err != nil {
		return fmt.Errorf("rebuild totals: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM project_totals WHERE tenant_id = $1`, tx.Tenant); err != nil {
		return fmt.Errorf("rebuild totals: %w", err)
	}
	err = tx.insertValues(ctx, "project_totals",
		[]string{"tenant_id", "state", "owner_id", "pending_milestone_id", "last_milestone_id", "active_from", "projects", "value_cents", "weighted_cents"}, totals)
	if err != nil {
		return fmt.Errorf("rebuild totals: %w", err)
	}
	return nil
}

// Refresh recomputes the derived data of tenant from its rows: every
// project's summary, search rows and words, the running totals built
// again from them, and the normalised phone numbers. It is the repair for rows changed by hand in SQL and for
// loads that bypass the application, and what `pipewell migrate` runs for
// a tenant whose derived data is of an older version.
func (db *DB) Refresh(ctx context.Context, tenant crm.TenantID) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		if err := tx.deriveAll(ctx); err != nil {
			return err
		}
		if err := tx.rebuildTotals(ctx); err != nil {
			return err
		}
		if err := tx.normalisePhones(ctx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE tenants SET derived_version = $2 WHERE id = $1`, tx.Tenant, derivedVersion)
		return err
	})
}

// TenantIDs returns the IDs of every tenant that may exist (up to the
// tenants sequence's last value): a tenant's row is visible only inside its
// own transaction, so tenants are visited one by one. It needs a role that
// may read the sequence (the owner's).
func (db *DB) TenantIDs(ctx context.Context) ([]crm.TenantID, error) {
	var last *int64
	if err := db.pool.QueryRow(ctx, `SELECT last_value FROM tenants_id_seq`).Scan(&last); err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	var out []crm.TenantID
	if last != nil {
		for t := crm.TenantID(1); t <= crm.TenantID(*last); t++ {
			out = append(out, t)
		}
	}
	return out, nil
}

// RefreshStale refreshes every tenant whose derived data is of an older
// version than this build's (after a migration that changed it), and
// normalises the phone numbers of one whose stored forms are of another
// region (or none yet), logging each; a tenant ID without a tenant is
// skipped.
func (db *DB) RefreshStale(ctx context.Context, log *slog.Logger) error {
	ids, err := db.TenantIDs(ctx)
	if err != nil {
		return err
	}
	for _, t := range ids {
		var version int
		err := db.InTenant(ctx, t, func(tx *Tx) error {
			return tx.QueryRow(ctx, `SELECT derived_version FROM tenants WHERE id = $1`, tx.Tenant).Scan(&version)
		})
		if errNoRows(translate(err)) {
			continue
		}
		if err != nil {
			return fmt.Errorf("tenant %d: %w", t, err)
		}
		if version >= derivedVersion {
			var stale bool
			err := db.InTenant(ctx, t, func(tx *Tx) error {
				var err error
				if stale, err = tx.phonesStale(ctx); err != nil || !stale {
					return err
				}
				return tx.normalisePhones(ctx)
			})
			if err != nil {
				return fmt.Errorf("tenant %d: %w", t, err)
			}
			if stale {
				log.Info("normalised phone numbers", "tenant", t)
			}
			continue
		}
		start := time.Now()
		if err := db.Refresh(ctx, t); err != nil {
			return fmt.Errorf("refresh tenant %d: %w", t, err)
		}
		log.Info("recomputed derived data", "tenant", t, "from_version", version, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// learn learns the tenant's stage probabilities from its closed projects
// (sold or archived) with the engine's Learner, and stores the counts with
// each milestone definition and the moment on the tenant; the projects'
// weighted values follow (the caller recomputes them).
func (tx *Tx) learn(ctx context.Context, now time.Time) error {
	tx.forgetEngine()
	e, err := tx.engine(ctx)
	if err != nil {
		return err
	}
	l := pipeline.NewLearner(e, 0)
	b := pipeline.NewBatch(e, l)
	var after int64
	for {
		rows, err := tx.Query(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND phase <> 'open' AND id > $2 ORDER BY id LIMIT $3`,
			tx.Tenant, after, deriveBatch)
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		srcs, err := tx.derivedSources(ctx, ids, tx.loc)
		if err != nil {
			return err
		}
		for i := range srcs {
			b.Add(&srcs[i].p)
		}
		after = int64(ids[len(ids)-1])
	}
	res := l.Result()
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE milestone_defs SET learned_reached = 0, learned_sold = 0 WHERE tenant_id = $1`, tx.Tenant)
	for _, st := range res.Stages {
		batch.Queue(`UPDATE milestone_defs SET learned_reached = $3, learned_sold = $4 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, st.MilestoneID, st.N, st.Sold)
	}
	batch.Queue(`UPDATE tenants SET learned_at = $2 WHERE id = $1`, tx.Tenant, now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store learned probabilities: %w", err)
	}
	tx.forgetEngine()
	return nil
}

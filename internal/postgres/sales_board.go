package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BoardColumn is one column of the pipeline board: the active projects
// whose last completed milestone (the stage they have reached, which their
// probability comes from) is Milestone (0: none completed), with sums over
// all of them and the first cards.
type BoardColumn struct {
	Milestone int64
	Count     int64
	Value     int64 // cents
	Weighted  int64 // Σ per project of value × stage probability, rounded half up (pipeline.WeightedValue)
	Cards     []SalesRow
}

// BoardCards is how many cards a column shows (newest first).
const BoardCards = 20

// Board returns the columns of the pipeline board for the active projects v
// may see that match f: the "none completed" column, then one per active
// milestone in the order of ms.
// Weighted values are the engine's, stored with each project.
func (tx *Tx) Board(ctx context.Context, v crm.Viewer, f SalesFilter, ms []crm.MilestoneDef) ([]BoardColumn, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := tx.resolveText(ctx, &f); err != nil {
		return nil, err
	}
	var cols []BoardColumn
	b := &pgx.Batch{}
	read := queueBoard(b, tx.Tenant, scope, f, func() []crm.MilestoneDef { return ms }, &cols)
	br := tx.SendBatch(ctx, b)
	err = read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return cols, err
}

// BoardScreen loads the filter choices and the board (as Board, over the
// tenant's milestones) in its own tenant transaction, the commit with the
// reads.
func (db *DB) BoardScreen(ctx context.Context, v crm.Viewer, f SalesFilter) (SalesOptions, []BoardColumn, error) {
	var opts SalesOptions
	var cols []BoardColumn
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		if err := tx.resolveText(ctx, &f); err != nil {
			return err
		}
		opts.ManagesNone = scope.ManagesNone
		b := &pgx.Batch{}
		readOpts := queueSalesOptions(b, tx.Tenant, &opts)
		readBoard := queueBoard(b, tx.Tenant, scope, f, func() []crm.MilestoneDef { return opts.Milestones }, &cols)
		tx.commitWithNextBatch()
		br := tx.SendBatch(ctx, b)
		err = readOpts(br)
		if err == nil {
			err = readBoard(br)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return opts, cols, err
}

// queueBoard queues the board's sums and cards on b. The cards are taken
// for every active milestone of the tenant; ms, called once the results are
// read, gives the columns' order.
func queueBoard(b *pgx.Batch, tenant crm.TenantID, scope Scope, f SalesFilter, ms func() []crm.MilestoneDef, out *[]BoardColumn) func(pgx.BatchResults) error {
	f.View = crm.StateActive
	var sums string
	var sumArgs []any
	if f.fromTotals() {
		// The running totals: a few hundred rows, not every open project.
		sums, sumArgs = f.totalsBoardSQL(tenant, scope)
	} else {
		sumWhere := f.where(tenant, &sumArgs) + " AND " + scope.Where("p", &sumArgs)
		sums = `SELECT COALESCE(p.last_milestone_id, 0), count(*), COALESCE(sum(p.value_cents), 0)::bigint,
			COALESCE(sum(p.weighted_cents), 0)::bigint
			FROM projects p WHERE ` + sumWhere + ` GROUP BY 1`
	}

	var args []any
	where := f.where(tenant, &args) + " AND " + scope.Where("p", &args)
	// One index range per column (last_milestone_id = m, or IS NULL for the
	// none-completed column): "IS NOT DISTINCT FROM" would scan them all.
	// The none-completed column orders by the (NULL) milestone first: the
	// same order, but the planner sees it is the index's, which it does not
	// for "IS NULL" followed by created_at.
	card := `SELECT ` + salesColumns + ` FROM projects p WHERE ` + where + ` AND p.last_milestone_id %s
		 ORDER BY p.last_milestone_id, p.created_at DESC, p.id DESC LIMIT ` + strconv.Itoa(BoardCards)
	cards := `SELECT m.id, c.* FROM milestone_defs m CROSS JOIN LATERAL (` + fmt.Sprintf(card, "= m.id") + `) c
		 WHERE m.tenant_id = $1 AND m.active
		UNION ALL
		SELECT 0::bigint, c.* FROM (` + fmt.Sprintf(card, "IS NULL") + `) c`
	b.Queue(customPlans)
	b.Queue(sums, sumArgs...)
	b.Queue(cards, args...)
	return func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("board: %w", err)
		}
		byID := map[int64]*BoardColumn{}
		cs := []BoardColumn{{Milestone: 0}}
		for _, m := range ms() {
			if m.Active {
				cs = append(cs, BoardColumn{Milestone: int64(m.ID)})
			}
		}
		for i := range cs {
			byID[cs[i].Milestone] = &cs[i]
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("board sums: %w", err)
		}
		for rows.Next() {
			var id, n, value, weighted int64
			if err := rows.Scan(&id, &n, &value, &weighted); err != nil {
				return fmt.Errorf("board sums: %w", err)
			}
			if c := byID[id]; c != nil {
				c.Count, c.Value, c.Weighted = c.Count+n, c.Value+value, c.Weighted+weighted
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("board sums: %w", err)
		}
		rows, err = br.Query()
		if err != nil {
			return fmt.Errorf("board cards: %w", err)
		}
		for rows.Next() {
			var col int64
			var x salesScan
			if err := rows.Scan(append([]any{&col}, x.dest()...)...); err != nil {
				return fmt.Errorf("board cards: %w", err)
			}
			if c := byID[col]; c != nil {
				c.Cards = append(c.Cards, x.row(f, "created"))
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("board cards: %w", err)
		}
		*out = cs
		return nil
	}
}

package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BoardColumn is one column of the pipeline board: the active projects whose
// pending milestone is Milestone (0: none pending), with sums over all of
// them and the first cards.
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
// may see that match f, in the order of ms (then the "none pending" column).
// Stage probabilities are the configured ones (probability override first).
func (tx *Tx) Board(ctx context.Context, v crm.Viewer, f SalesFilter, ms []SalesMilestone) ([]BoardColumn, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	f.View = crm.StateActive
	var sumArgs []any
	sumWhere := f.where(tx.Tenant, &sumArgs) + " AND " + scope.Where("p", &sumArgs)
	sums := `SELECT COALESCE(p.pending_milestone_id, 0), count(*), COALESCE(sum(p.value_cents), 0),
		COALESCE(sum((p.value_cents * COALESCE(p.probability_override, d.probability, 0) + 50) / 100), 0)::bigint
		FROM projects p LEFT JOIN milestone_defs d ON d.tenant_id = p.tenant_id AND d.id = p.last_milestone_id
		WHERE ` + sumWhere + ` GROUP BY 1`

	var args []any
	cols := f.columns(&args)
	where := f.where(tx.Tenant, &args) + " AND " + scope.Where("p", &args)
	ids := []int64{0}
	for _, m := range ms {
		if m.Active {
			ids = append(ids, m.ID)
		}
	}
	args = append(args, ids)
	cards := `SELECT m.id, c.* FROM unnest($` + strconv.Itoa(len(args)) + `::bigint[]) AS m(id) CROSS JOIN LATERAL (
		SELECT ` + cols + ` FROM projects p WHERE ` + where + ` AND p.pending_milestone_id IS NOT DISTINCT FROM NULLIF(m.id, 0)
		 ORDER BY p.created_at DESC, p.id DESC LIMIT ` + strconv.Itoa(BoardCards) + `) c`

	b := &pgx.Batch{}
	b.Queue(sums, sumArgs...)
	b.Queue(cards, args...)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	byID := map[int64]*BoardColumn{}
	out := make([]BoardColumn, 0, len(ids))
	for _, id := range ids[1:] {
		out = append(out, BoardColumn{Milestone: id})
	}
	out = append(out, BoardColumn{Milestone: 0})
	for i := range out {
		byID[out[i].Milestone] = &out[i]
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("board sums: %w", err)
	}
	for rows.Next() {
		var id, n, value, weighted int64
		if err := rows.Scan(&id, &n, &value, &weighted); err != nil {
			return nil, fmt.Errorf("board sums: %w", err)
		}
		if c := byID[id]; c != nil {
			c.Count, c.Value, c.Weighted = n, value, weighted
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("board sums: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return nil, fmt.Errorf("board cards: %w", err)
	}
	for rows.Next() {
		var col int64
		var r SalesRow
		var nulls salesRowNulls
		dest := append([]any{&col}, salesRowDest(&r, &nulls)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("board cards: %w", err)
		}
		nulls.finish(&r)
		if c := byID[col]; c != nil {
			c.Cards = append(c.Cards, r)
		}
	}
	return out, rows.Err()
}

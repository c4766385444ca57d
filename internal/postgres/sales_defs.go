package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// SalesMilestone is a milestone definition as the Sales screen and the board
// need it: its name for display and its engine definition.
type SalesMilestone struct {
	Name string
	pipeline.MilestoneDef
}

// SalesMilestones returns the tenant's milestone definitions in process order
// (position, then ID), inactive ones included.
func (tx *Tx) SalesMilestones(ctx context.Context) ([]SalesMilestone, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, name, position, COALESCE(deadline_days, 0), deadline_from = 'created', probability, qualifying, won, active
		  FROM milestone_defs WHERE tenant_id = $1 ORDER BY position, id`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	return pgx.CollectRows(rows, scanSalesMilestone)
}

func scanSalesMilestone(row pgx.CollectableRow) (SalesMilestone, error) {
	var m SalesMilestone
	var fromCreation bool
	err := row.Scan(&m.ID, &m.Name, &m.Position, &m.DeadlineDays, &fromCreation, &m.Probability, &m.Qualifying, &m.Won, &m.Active)
	if fromCreation {
		m.DeadlineFrom = pipeline.FromCreation
	}
	return m, err
}

// PipelineDefs returns the engine's view of ms.
func PipelineDefs(ms []SalesMilestone) []pipeline.MilestoneDef {
	defs := make([]pipeline.MilestoneDef, len(ms))
	for i, m := range ms {
		defs[i] = m.MilestoneDef
	}
	return defs
}

package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// CommissionData is the Commission report: per owner, the deals sold in
// the period, their value, the owner's rate and the commission.
type CommissionData struct {
	Setup *ReportSetup
	pipeline.CommissionReport
	UserNames map[int64]string
}

// CommissionDeal is one deal behind a commission line.
type CommissionDeal struct {
	ID         crm.ProjectID
	Title      string
	Customer   string
	Owner      string
	OwnerID    int64
	SoldAt     time.Time
	Value      int64
	RateBP     int
	Commission int64
}

// commissionRates returns every user's commission rate in basis points.
func (tx *Tx) commissionRates(ctx context.Context) (map[int64]int, error) {
	rows, err := tx.Query(ctx, `SELECT id, commission_rate_bp FROM users WHERE tenant_id = $1`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("commission rates: %w", err)
	}
	out := map[int64]int{}
	var id int64
	var bp int
	if _, err := pgx.ForEachRow(rows, []any{&id, &bp}, func() error { out[id] = bp; return nil }); err != nil {
		return nil, fmt.Errorf("commission rates: %w", err)
	}
	return out, nil
}

// Commission computes the Commission report over the viewer's visible
// projects of the set sold in the period, at the owners' current rates.
func (db *DB) Commission(ctx context.Context, v crm.Viewer, rd ReportRead, period pipeline.Period, start func(*ReportSetup) error) (CommissionData, error) {
	var out CommissionData
	// Only a project sold now can count. (Narrowing further to those touched
	// in the period cost more than it saved on a million projects: the
	// statement asks it of every completion's project too.)
	rd.Phases = []string{"sold"}
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		rates, err := tx.commissionRates(ctx)
		if err != nil {
			return err
		}
		c := pipeline.NewCommissions(su.Engine, pipeline.CommissionOptions{Period: period, Rates: rates})
		b := pipeline.NewBatch(su.Engine, c)
		if err := tx.streamReport(ctx, su, rd, func(p *pipeline.Project, _ *ReportNames) error { b.Add(p); return nil }); err != nil {
			return err
		}
		out.CommissionReport = c.Result()
		out.UserNames = choiceMap(su.Users)
		return nil
	})
	return out, err
}

// CommissionDeals lists the deals behind the Commission report's lines (of
// one owner when the set names one), by sale time: each deal's commission,
// which add up to its line.
func (db *DB) CommissionDeals(ctx context.Context, v crm.Viewer, rd ReportRead, period pipeline.Period, start func(*ReportSetup) error) ([]CommissionDeal, error) {
	var out []CommissionDeal
	rd.Names, rd.Phases = true, []string{"sold"}
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		rates, err := tx.commissionRates(ctx)
		if err != nil {
			return err
		}
		var f pipeline.Facts
		return tx.streamReport(ctx, su, rd, func(p *pipeline.Project, n *ReportNames) error {
			su.Engine.Evaluate(p, &f)
			if f.State != pipeline.StateSold || !period.Contains(f.SoldAt) {
				return nil
			}
			rate := rates[p.OwnerID]
			out = append(out, CommissionDeal{ID: crm.ProjectID(p.ID), Title: n.Title, Customer: n.Customer, Owner: n.Owner,
				OwnerID: p.OwnerID, SoldAt: f.SoldAt, Value: f.Value, RateBP: rate, Commission: pipeline.Commission(f.Value, rate)})
			return nil
		})
	})
	slices.SortFunc(out, func(a, b CommissionDeal) int {
		if c := a.SoldAt.Compare(b.SoldAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, err
}

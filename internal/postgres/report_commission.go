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
	// Deals are the deals behind the lines, by sale time (read when asked).
	Deals     []CommissionDeal
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
// projects of the set sold in the period, at the owners' current rates;
// with rd.Names it lists the deals too (Deals), read in the same pass.
func (db *DB) Commission(ctx context.Context, v crm.Viewer, rd ReportRead, period pipeline.Period, start func(*ReportSetup) error) (CommissionData, error) {
	var out CommissionData
	// Only a project sold now, at an instant in the period, can count.
	rd.Phases = []string{"sold"}
	rd.Counted = []ReportSet{{Kind: SoldIn, Period: period}}
	err := db.inReport(ctx, v, rd, start, func(tx *Tx, su *ReportSetup) error {
		out.Setup = su
		rates, err := tx.commissionRates(ctx)
		if err != nil {
			return err
		}
		c := pipeline.NewCommissions(su.Engine, pipeline.CommissionOptions{Period: period, Rates: rates})
		accs := []pipeline.Accumulator{c}
		deals := &dealList{period: period, rates: rates}
		if rd.Names {
			accs = append(accs, deals)
		}
		b := pipeline.NewBatch(su.Engine, accs...)
		err = tx.streamReport(ctx, su, rd, func(p *pipeline.Project, n *ReportNames) error {
			deals.names = n
			b.Add(p)
			return nil
		})
		if err != nil {
			return err
		}
		out.CommissionReport = c.Result()
		out.UserNames = choiceMap(su.Users)
		out.Deals = deals.deals
		slices.SortFunc(out.Deals, func(a, b CommissionDeal) int {
			if c := a.SoldAt.Compare(b.SoldAt); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		return nil
	})
	return out, err
}

// dealList collects the deals the Commissions accumulator counts, with the
// names of the project being read.
type dealList struct {
	period pipeline.Period
	rates  map[int64]int
	names  *ReportNames
	deals  []CommissionDeal
}

func (d *dealList) Add(p *pipeline.Project, f *pipeline.Facts) {
	if f.State != pipeline.StateSold || !d.period.Contains(f.SoldAt) {
		return
	}
	rate := d.rates[p.OwnerID]
	d.deals = append(d.deals, CommissionDeal{ID: crm.ProjectID(p.ID), Title: d.names.Title, Customer: d.names.Customer,
		Owner: d.names.Owner, OwnerID: p.OwnerID, SoldAt: f.SoldAt, Value: f.Value, RateBP: rate,
		Commission: pipeline.Commission(f.Value, rate)})
}

package postgres

import (
	"context"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// benchTableReport reads the Forecast, Commission, Referral, Sales
// performance or Probability calibration report with its default filters
// (the forecast's window, last month, the last 12 months, this quarter,
// any time) as v would; handled is false for another name.
func (db *DB) benchTableReport(ctx context.Context, v crm.Viewer, name string, now time.Time, loc *time.Location) (handled bool, err error) {
	y, m, _ := now.In(loc).Date()
	months := func(first time.Month, n int) pipeline.Period {
		return pipeline.Period{From: pipeline.DayStart(y, first, 1, loc), To: pipeline.DayStart(y, first+time.Month(n), 1, loc)}
	}
	rd := ReportRead{Now: now}
	switch name {
	case "forecast":
		_, err = db.Forecast(ctx, v, rd, pipeline.Period{}, nil)
	case "commission":
		_, err = db.Commission(ctx, v, rd, months(m-1, 1), nil)
	case "referral":
		_, err = db.Referral(ctx, v, rd, months(m-11, 12), nil)
	case "performance":
		_, err = db.Performance(ctx, v, rd, months(time.Month((int(m)-1)/3*3+1), 3), nil)
	case "calibration":
		_, err = db.Calibration(ctx, v, rd, nil)
	default:
		return false, nil
	}
	return true, err
}

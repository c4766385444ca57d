package server

import (
	"context"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The "as of" date of the Pipeline and Forecast reports: the report as it
// stood at the end of a past day, every project rebuilt from its log by
// the engine (postgres.ReportRead.AsOf).

// asOf reads the as_of parameter (an ISO day, empty for today): the first
// instant of the next local day, with a message beside it for a day that
// is not a date or is still to come.
func (rq *reportQuery) asOf(loc *time.Location, now time.Time) time.Time {
	d, ok := reportDay(rq, "as_of")
	if !ok || d.IsZero() {
		return time.Time{}
	}
	end := pipeline.DayStart(d.Year(), d.Month(), d.Day()+1, loc)
	if end.After(pipeline.DayStart(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day()+1, loc)) {
		rq.Errors["as_of"] = "reports.error.as_of_future"
		return time.Time{}
	}
	return end
}

// asOfFilter adds the as-of day to a report's form.
func asOfFilter(_ context.Context, f *web.ReportFilters) {
	f.Dates = append(f.Dates, web.ReportSelect{Name: "as_of", Label: "reports.field.as_of"})
}

// asOfRead makes rd read the report as of the query's day, when it has one.
func asOfRead(rq *reportQuery, rd postgres.ReportRead) postgres.ReportRead {
	if !rq.AsOf.IsZero() {
		rd.Now, rd.AsOf = rq.AsOf, rq.AsOf
	}
	return rd
}

// asOfNote is the line that says which day a report is as of, nil for today.
func asOfNote(rq *reportQuery, loc *time.Location) []web.ReportNote {
	if rq.AsOf.IsZero() {
		return nil
	}
	return []web.ReportNote{{Key: "reports.as_of_note", Arg: rq.AsOf.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)}}
}

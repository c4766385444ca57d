package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// A report is a reader (a function that feeds the projects postgres
// streams into the engine's accumulators), a view (web) and its routes
// (routes.go): the page, its CSV and the list of projects behind each of
// its numbers. What every report shares is here: the index, the filter
// form and its checks, whose projects a report covers, and how a report
// that cannot run says so.

// reportInfo is one built-in report of the index.
type reportInfo struct {
	slug, cadence string // cadence: daily, weekly or monthly, as the article groups them
	built         bool
}

// reportIndex lists the built-in reports in the order of the index.
var reportIndex = []reportInfo{
	{"late", "daily", true},
	{"load", "daily", true},
	{"qualified", "daily", true},
	{"pipeline", "weekly", true},
	{"funnel", "weekly", true},
	{"steps", "weekly", true},
	{"forecast", "weekly", true},
	{"performance", "monthly", true},
	{"referral", "monthly", true},
	{"commission", "monthly", true},
	{"calibration", "monthly", true},
	{"changes", "monthly", true},
}

// handleReports is the reports index.
func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) {
	v := web.ReportsIndexView{Page: s.page(r, "reports.title", "nav.reports")}
	for _, cadence := range []string{"daily", "weekly", "monthly"} {
		g := web.ReportGroup{Key: "reports.cadence." + cadence}
		for _, ri := range reportIndex {
			if ri.cadence != cadence {
				continue
			}
			l := web.ReportLink{Title: "reports." + ri.slug + ".title", Summary: "reports." + ri.slug + ".summary"}
			if ri.built {
				l.URL = "/reports/" + ri.slug
			}
			g.Reports = append(g.Reports, l)
		}
		v.Groups = append(v.Groups, g)
	}
	v.Groups = append(v.Groups, builderIndexGroup())
	v.Groups = append(v.Groups, s.savedIndexGroups(r)...)
	s.render(w, r, http.StatusOK, web.ReportsIndexPage(v))
}

// Period presets of the filter form.
var reportPresets = []string{"this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_12_months", "custom"}

// maxReportYears is the longest period a report accepts.
const maxReportYears = 10

// reportParams are the shared filter parameters, in the order links carry them.
var reportParams = []string{"period", "from", "to", "owner", "wg", "source"}

// reportQuery is a parsed report URL: the period, the filter, the values
// as typed (for the form and links) and a message key beside each wrong one.
type reportQuery struct {
	Period pipeline.Period // zero: no period (a report that allows "any time")
	Filter postgres.ReportFilter
	Values map[string]string
	Errors map[string]string
	// extra are a report's own parameters, in link order.
	extra []string
	// defaultPreset is left out of links, which stay short.
	defaultPreset string
	// AsOf, for a report that offers it (as_of among its extra
	// parameters), is the end of the past day it is as of: the first
	// instant of the next local day; zero for now.
	AsOf time.Time
}

// reportOptions say what a report's filter has.
type reportOptions struct {
	// defaultPreset is the period when the URL names none; "all" means the
	// report may cover any time (no period), and offers it.
	defaultPreset string
	extra         []string // the report's own parameters, kept in links
	// filters adds the report's own filters to the form.
	filters func(ctx context.Context, f *web.ReportFilters)
}

// parseReportQuery reads the shared filters. Nothing is silently dropped:
// a value that cannot be used gets a message beside its field and the
// report does not run until it is fixed.
func parseReportQuery(q url.Values, loc *time.Location, now time.Time, o reportOptions) reportQuery {
	rq := reportQuery{Values: map[string]string{}, Errors: map[string]string{}, extra: o.extra, defaultPreset: o.defaultPreset}
	for _, k := range append(append([]string(nil), reportParams...), o.extra...) {
		rq.Values[k] = strings.ToValidUTF8(strings.TrimSpace(q.Get(k)), "\uFFFD")
	}
	if slices.Contains(o.extra, "as_of") {
		rq.AsOf = rq.asOf(loc, now)
		if !rq.AsOf.IsZero() {
			now = rq.AsOf.Add(-time.Nanosecond) // the presets count from the day the report is as of
		}
	}
	preset := rq.Values["period"]
	if o.defaultPreset == "" { // a report of today: no period
		delete(rq.Values, "period")
		delete(rq.Values, "from")
		delete(rq.Values, "to")
		preset = "none"
	} else if preset == "" {
		preset = o.defaultPreset
		if rq.Values["from"] != "" || rq.Values["to"] != "" {
			preset = "custom"
		}
		rq.Values["period"] = preset
	}
	y, m, _ := now.In(loc).Date()
	month := func(y int, m time.Month, n int) pipeline.Period {
		from := pipeline.DayStart(y, m, 1, loc)
		return pipeline.Period{From: from, To: pipeline.DayStart(y, m+time.Month(n), 1, loc)}
	}
	qStart := time.Month((int(m)-1)/3*3 + 1)
	switch preset {
	case "none":
	case "all":
		if o.defaultPreset != "all" {
			rq.Errors["period"] = "reports.error.preset"
		}
	case "forecast": // the forecast's window: the three months before this one, this one and the eleven after it
		if o.defaultPreset != "forecast" {
			rq.Errors["period"] = "reports.error.preset"
		}
		rq.Period = month(y, m-3, 15)
	case "this_month":
		rq.Period = month(y, m, 1)
	case "last_month":
		rq.Period = month(y, m-1, 1)
	case "this_quarter":
		rq.Period = month(y, qStart, 3)
	case "last_quarter":
		rq.Period = month(y, qStart-3, 3)
	case "this_year":
		rq.Period = month(y, 1, 12)
	case "last_12_months":
		rq.Period = month(y, m-11, 12)
	case "custom":
		rq.Period = rq.customPeriod(loc)
	default:
		rq.Errors["period"] = "reports.error.preset"
	}
	id := func(name string) int64 {
		v := rq.Values[name]
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			rq.Errors[name] = "reports.error.unknown"
			return 0
		}
		return n
	}
	rq.Filter.Owner = crm.UserID(id("owner"))
	rq.Filter.Workgroup = id("wg")
	rq.Filter.Source = id("source")
	return rq
}

// reportDay reads a date parameter (ISO, empty for none) of a report,
// with a message beside the field when it is not a date.
func reportDay(rq *reportQuery, name string) (time.Time, bool) {
	v := rq.Values[name]
	if v == "" {
		return time.Time{}, true
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Year() < 1900 || d.Year() > 9999 {
		rq.Errors[name] = "reports.error.date"
		return time.Time{}, false
	}
	return d, true
}

// customPeriod reads from and to (inclusive local days; either may be
// empty, meaning open-ended up to the ten-year limit) into a period.
func (rq *reportQuery) customPeriod(loc *time.Location) pipeline.Period {
	from, okFrom := reportDay(rq, "from")
	to, okTo := reportDay(rq, "to")
	if !okFrom || !okTo {
		return pipeline.Period{}
	}
	if from.IsZero() && to.IsZero() {
		rq.Errors["from"] = "reports.error.custom_empty"
		return pipeline.Period{}
	}
	if from.IsZero() {
		from = to.AddDate(-maxReportYears, 0, 1)
		rq.Values["from"] = from.Format(time.DateOnly)
	}
	if to.IsZero() {
		to = from.AddDate(maxReportYears, 0, -1)
		rq.Values["to"] = to.Format(time.DateOnly)
	}
	if to.Before(from) {
		rq.Errors["to"] = "reports.error.order"
		return pipeline.Period{}
	}
	if !to.Before(from.AddDate(maxReportYears, 0, 0)) {
		rq.Errors["to"] = "reports.error.too_long"
		return pipeline.Period{}
	}
	return pipeline.Period{From: pipeline.DayStart(from.Year(), from.Month(), from.Day(), loc),
		To: pipeline.DayStart(to.Year(), to.Month(), to.Day()+1, loc)}
}

// encode writes the query's parameters (as typed, the empty ones left out)
// with overrides given as name, value pairs ("" drops one).
func (rq reportQuery) encode(set ...string) string {
	v := url.Values{}
	for _, k := range append(append([]string(nil), reportParams...), rq.extra...) {
		if rq.Values[k] != "" && !(k == "period" && rq.Values[k] == rq.defaultPreset) {
			v.Set(k, rq.Values[k])
		}
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return v.Encode()
}

// checkIDs gives a message beside each filter that names an ID the tenant
// does not have. It runs once the tenant's lists are read, before any
// project is.
// An owner may be any user of the tenant, an inactive one too.
func (rq *reportQuery) checkIDs(o postgres.SalesOptions, users []crm.Choice) {
	has := func(list []crm.Choice, id int64) bool {
		for _, c := range list {
			if c.ID == id {
				return true
			}
		}
		return false
	}
	if id := int64(rq.Filter.Owner); id != 0 && !has(users, id) {
		rq.Errors["owner"] = "reports.error.unknown"
	}
	if id := rq.Filter.Workgroup; id != 0 && !has(o.Workgroups, id) {
		rq.Errors["wg"] = "reports.error.unknown"
	}
	if id := rq.Filter.Source; id != 0 && !has(o.Sources, id) {
		rq.Errors["source"] = "reports.error.unknown"
	}
}

// errReportFilter ends a report whose filter names an unknown ID; the page
// shows the messages beside the filters instead.
var errReportFilter = errors.New("report filter")

// whoseKey is the line that says whose projects a report covers.
func whoseKey(v crm.Viewer, scope postgres.Scope) string {
	switch {
	case v.Role == crm.RoleSales:
		return "reports.whose.sales"
	case v.Role == crm.RoleManager && !scope.All:
		return "reports.whose.manager"
	}
	return "reports.whose.all"
}

// reportFrame builds what every report page shows around its table; setup
// may be nil when the report did not get to read the tenant's lists.
func (s *Server) reportFrame(r *http.Request, slug string, rq reportQuery, o reportOptions, setup *postgres.ReportSetup, explain ...string) web.ReportFrame {
	ctx := r.Context()
	path := "/reports/" + slug
	f := web.ReportFrame{Page: s.page(r, "reports."+slug+".title", "nav.reports"), Whose: "reports.whose.all"}
	f.Filters = web.ReportFilters{Form: form(rq.Values, rq.Errors), Action: path, Period: o.defaultPreset != "",
		PeriodLabel: "reports.field.period", ResetURL: path}
	if o.defaultPreset == "all" {
		f.Filters.Presets = append([]string{"all"}, reportPresets...)
		f.Filters.PeriodLabel = "reports.field.created"
	} else if o.defaultPreset == "forecast" {
		f.Filters.Presets = append([]string{"forecast"}, reportPresets...)
		f.Filters.PeriodLabel = "reports.field.close_months"
	} else if o.defaultPreset != "" {
		f.Filters.Presets = reportPresets
	}
	if setup != nil {
		f.Filters.Owners, f.Filters.Workgroups, f.Filters.Sources = setup.Options.Owners, setup.Options.Workgroups, setup.Options.Sources
		f.Whose = whoseKey(viewer(ctx), setup.Scope)
	} else if viewer(ctx).Role == crm.RoleSales {
		f.Whose = "reports.whose.sales"
	}
	if !rq.Period.IsZero() {
		loc := zone(ctx)
		f.PeriodText = rq.Period.From.In(loc).Format(time.DateOnly) + " – " + rq.Period.To.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if len(rq.Errors) > 0 {
		f.Failure = "reports.error.fix_filters"
	} else {
		f.CSVURL = path + ".csv?" + rq.encode()
	}
	if o.filters != nil {
		o.filters(ctx, &f.Filters)
	}
	for _, k := range explain {
		f.Explain = append(f.Explain, web.ReportExplain{Key: "reports.explain." + k + ".title", Text: "reports.explain." + k})
	}
	return f
}

// readReport runs a report's reader: it checks the filter's IDs against
// the tenant's lists, then streams the projects into add. It returns the
// setup (nil when the lists could not be read) and the status the page is
// answered with: 200, 422 for a filter to fix, 503 with the "narrow the
// filter" message for a report that took too long; err is any other error.
func (s *Server) readReport(r *http.Request, rq *reportQuery, rd postgres.ReportRead,
	start func(*postgres.ReportSetup), add func(*pipeline.Project, *postgres.ReportNames) error) (setup *postgres.ReportSetup, status int, failure string, err error) {
	ctx := r.Context()
	rd.Timeout = s.cfg.ReportTimeout
	if len(rq.Errors) > 0 {
		// Read only the lists, for the form.
		err = s.db.ReadReport(ctx, viewer(ctx), postgres.ReportRead{Now: rd.Now, Timeout: rd.Timeout}, func(su *postgres.ReportSetup) error {
			setup = su
			return errReportFilter
		}, nil)
		if errors.Is(err, errReportFilter) {
			err = nil
		}
		return setup, http.StatusUnprocessableEntity, "reports.error.fix_filters", err
	}
	err = s.db.ReadReport(ctx, viewer(ctx), rd, func(su *postgres.ReportSetup) error {
		setup = su
		rq.checkIDs(su.Options, su.Users)
		if len(rq.Errors) > 0 {
			return errReportFilter
		}
		if start != nil {
			start(su)
		}
		return nil
	}, add)
	switch {
	case errors.Is(err, errReportFilter):
		return setup, http.StatusUnprocessableEntity, "reports.error.fix_filters", nil
	case errors.Is(err, postgres.ErrReportTimeout):
		return setup, http.StatusServiceUnavailable, "reports.error.timeout", nil
	}
	return setup, http.StatusOK, "", err
}

// reportCSV starts a report's CSV download named after the report and the day.
func reportCSV(w http.ResponseWriter, r *http.Request, slug string) {
	ctx := r.Context()
	name := "pipewell-" + slug + "-" + moment().In(zone(ctx)).Format(time.DateOnly) + ".csv"
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
}

// writeTableCSV streams a report's table as its CSV file: the group
// column, then every column by its CSV name; plain numbers (amounts with
// two decimals), a check as ok or mismatch; the total row last.
func (s *Server) writeTableCSV(w http.ResponseWriter, r *http.Request, slug, first string, t web.ReportTable) {
	reportCSV(w, r, slug)
	header := []string{first}
	for _, c := range t.Columns {
		header = append(header, c.Name)
	}
	out, err := csvfile.NewTable(w, header...)
	line := func(label string, row web.ReportRow) {
		if err != nil {
			return
		}
		rec := []string{label}
		for i, c := range row.Cells {
			switch col := t.Columns[i]; {
			case col.Check && c.OK:
				rec = append(rec, "ok")
			case col.Check:
				rec = append(rec, "mismatch")
			case col.Money:
				rec = append(rec, csvfile.Money(c.N))
			default:
				rec = append(rec, strconv.FormatInt(c.N, 10))
			}
		}
		err = out.Row(rec...)
	}
	for _, row := range t.Rows {
		label := row.Label
		if row.LabelKey != "" {
			label = web.T(r.Context(), row.LabelKey)
		}
		line(label, row)
	}
	line(web.T(r.Context(), "reports.total"), t.Total)
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		s.log.Error("report export failed", "err", err, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// choiceName is the name of id in list, "" when it is not there.
func choiceName(list []crm.Choice, id int64) string {
	for _, c := range list {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Commission report (per owner: the deals sold in the period, their
// value, the owner's rate and the commission) and the Referral report (by
// lead source and by referrer: leads, qualified, sold, sold value, win
// rate).

var commissionReport = tableReport{
	slug:    "commission",
	opts:    reportOptions{defaultPreset: "last_month"},
	explain: []string{"commission", "sold", "time_zone"},
	read:    (*Server).readCommission,
}

var commissionDrillOptions = reportOptions{defaultPreset: "last_month"}

// readCommission reads the Commission report and builds its table.
func (s *Server) readCommission(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	var cd postgres.CommissionData
	setup, status, failure, err := s.runReport(r, rq, func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		rd.Names = rq.Filter.Owner != 0 // one owner's line: its deals listed below it
		var err error
		cd, err = s.db.Commission(ctx, viewer(ctx), rd, rq.Period, start)
		return err
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	t := web.StatTable{ID: "owners", Caption: "reports.commission.caption", Columns: []web.StatColumn{
		{Key: "reports.field.owner", CSV: "owner"},
		{Key: "reports.commission.rate", CSV: "rate_percent", Num: true},
		{Key: "reports.commission.deals", CSV: "deals_sold", Num: true},
		{Key: "reports.commission.sold_value", CSV: "sold_value", Num: true},
		{Key: "reports.commission.commission", CSV: "commission", Num: true},
	}}
	link := func(owner string) string { return "/reports/commission/projects?" + rq.encode("owner", owner) }
	for _, g := range cd.Groups {
		id := strconv.FormatInt(int64(g.Key), 10)
		t.Rows = append(t.Rows, []web.StatCell{textCell(reportName(cd.UserNames, int64(g.Key))), textCell(crm.FormatBP(g.RateBP)),
			countCell(g.Deals, link(id)), moneyCell(g.SoldValue, link(id)), moneyCell(g.Commission, "")})
	}
	t.Total = []web.StatCell{textCell(web.T(ctx, "reports.total")), textCell(""), countCell(cd.Total.Deals, link("")),
		moneyCell(cd.Total.SoldValue, link("")), moneyCell(cd.Total.Commission, "")}
	v.Tables = []web.StatTable{t}
	if rq.Filter.Owner != 0 {
		loc := setup.Engine.Location()
		deals := web.StatTable{ID: "deals", Caption: "reports.commission.deals_caption", Columns: []web.StatColumn{
			{Key: "sales.col.title", CSV: "project"},
			{Key: "sales.col.customer", CSV: "customer"},
			{Key: "reports.commission.sold_at", CSV: "sold_on"},
			{Key: "reports.commission.sold_value", CSV: "value", Num: true},
			{Key: "reports.commission.rate", CSV: "rate_percent", Num: true},
			{Key: "reports.commission.commission", CSV: "commission", Num: true},
		}}
		for _, d := range cd.Deals {
			title := textCell(d.Title)
			title.URL = "/projects/" + strconv.FormatInt(int64(d.ID), 10)
			deals.Rows = append(deals.Rows, []web.StatCell{title, textCell(d.Customer), textCell(csvfile.DayAt(d.SoldAt, loc)),
				moneyCell(d.Value, ""), textCell(crm.FormatBP(d.RateBP)), moneyCell(d.Commission, "")})
		}
		deals.Total = []web.StatCell{textCell(web.T(ctx, "reports.total")), textCell(""), textCell(""),
			moneyCell(cd.Total.SoldValue, ""), textCell(""), moneyCell(cd.Total.Commission, "")}
		v.Tables = append(v.Tables, deals)
	} else {
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.commission.pick_owner"})
	}
	return setup, status, failure, nil
}

// commissionCell is the deals sold in the period (of the filter's owner).
func commissionCell(rq *reportQuery) func(*postgres.ReportSetup) drillCell {
	period := rq.Period
	return func(*postgres.ReportSetup) drillCell {
		return drillCell{key: "reports.commission.cell", match: func(_ *pipeline.Project, f *pipeline.Facts) bool {
			return f.State == pipeline.StateSold && period.Contains(f.SoldAt)
		}}
	}
}

func (s *Server) handleReportCommission(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, commissionReport, false)
}

func (s *Server) handleReportCommissionCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, commissionReport, true)
}

func (s *Server) handleReportCommissionProjects(w http.ResponseWriter, r *http.Request) {
	s.commissionDrill(w, r, false)
}

func (s *Server) handleReportCommissionProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.commissionDrill(w, r, true)
}

func (s *Server) commissionDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), commissionDrillOptions)
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Phases: []string{"sold"},
		Counted: []postgres.ReportSet{{Kind: postgres.SoldIn, Period: rq.Period}}}
	s.drill(w, r, "commission", rq, commissionDrillOptions, commissionReport.opts.extra, rd, commissionCell(&rq), csv)
}

var referralReport = tableReport{
	slug:    "referral",
	opts:    reportOptions{defaultPreset: "last_12_months"},
	explain: []string{"win_rate", "lead_to_qualified", "qualified", "sold", "time_zone"},
	read:    (*Server).readReferral,
}

var referralDrillOptions = reportOptions{defaultPreset: "last_12_months", extra: []string{"by", "key", "measure"}}

// metricsColumns are the referral tables' columns after the first.
var referralColumns = []web.StatColumn{
	{Key: "reports.referral.leads", CSV: "leads", Num: true},
	{Key: "reports.referral.qualified", CSV: "qualified", Num: true},
	{Key: "reports.performance.lead_to_qualified", CSV: "lead_to_qualified_percent", Num: true},
	{Key: "reports.referral.sold", CSV: "sold", Num: true},
	{Key: "reports.referral.sold_value", CSV: "sold_value", Num: true},
	{Key: "reports.referral.lost", CSV: "lost", Num: true},
	{Key: "reports.performance.win_rate", CSV: "win_rate_percent", Num: true},
}

func referralCells(r pipeline.MetricsRow, link func(measure string) string) []web.StatCell {
	return []web.StatCell{countCell(r.Created, link("leads")), countCell(r.Qualified, link("qualified")),
		percentCell(r.LeadToQualified), countCell(r.Sold, link("sold")), moneyCell(r.SoldValue, link("sold")),
		countCell(r.LostQualified, link("lost")), percentCell(r.WinRate)}
}

// readReferral reads the Referral report and builds its two tables.
func (s *Server) readReferral(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	var rd postgres.ReferralData
	setup, status, failure, err := s.runReport(r, rq, func(read postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		var err error
		rd, err = s.db.Referral(ctx, viewer(ctx), read, rq.Period, start)
		return err
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	link := func(by, key string) func(string) string {
		return func(measure string) string {
			return "/reports/referral/projects?" + rq.encode("by", by, "key", key, "measure", measure)
		}
	}
	total := append([]web.StatCell{textCell(web.T(ctx, "reports.total"))}, referralCells(rd.Sources.Total, link("", ""))...)
	sources := web.StatTable{ID: "sources", Caption: "reports.referral.by_source",
		Columns: append([]web.StatColumn{{Key: "reports.field.source", CSV: "lead_source"}}, referralColumns...), Total: total}
	chart := web.BarChart{Title: "reports.referral.chart", XLabel: "reports.field.source", YLabel: "reports.col.projects",
		Series: []string{"reports.referral.leads", "reports.referral.qualified", "reports.referral.sold"}}
	names := rd.SourceNames
	for _, g := range rd.Sources.Groups {
		name, key := web.T(ctx, "reports.referral.no_source"), "none"
		if g.Key != 0 {
			name, key = reportName(names, int64(g.Key)), strconv.FormatInt(int64(g.Key), 10)
		}
		sources.Rows = append(sources.Rows, append([]web.StatCell{textCell(name)}, referralCells(g, link("source", key))...))
		chart.Groups = append(chart.Groups, web.ChartGroup{Label: name, URL: link("source", key)("leads"),
			Values: []int64{int64(g.Created), int64(g.Qualified), int64(g.Sold)}})
	}
	referrers := web.StatTable{ID: "referrers", Caption: "reports.referral.by_referrer",
		Columns: append([]web.StatColumn{{Key: "reports.referral.referrer", CSV: "referrer"}}, referralColumns...), Total: total}
	for _, g := range rd.Referrers.Groups {
		name := rd.Referrer[g.Key]
		label := name
		if name == "" {
			label = web.T(ctx, "reports.referral.no_referrer")
		}
		referrers.Rows = append(referrers.Rows, append([]web.StatCell{textCell(label)}, referralCells(g, link("referrer", name))...))
	}
	v.Charts = []web.BarChart{chart}
	v.Tables = []web.StatTable{sources, referrers}
	return setup, status, failure, nil
}

// metricsMatch is the projects a measure of the engine's metrics counts in
// the period: leads created in it, those of them qualified, deals sold in
// it, deals archived in it after qualification, projects open now.
func metricsMatch(measure string, period pipeline.Period) (func(p *pipeline.Project, f *pipeline.Facts) bool, bool) {
	switch measure {
	case "leads":
		return func(p *pipeline.Project, _ *pipeline.Facts) bool { return period.Contains(p.CreatedAt) }, true
	case "qualified":
		return func(p *pipeline.Project, f *pipeline.Facts) bool { return period.Contains(p.CreatedAt) && f.Qualified }, true
	case "touched":
		return func(p *pipeline.Project, _ *pipeline.Facts) bool {
			return period.Contains(p.CreatedAt) && !p.FirstTouchAt.IsZero()
		}, true
	case "sold":
		return func(_ *pipeline.Project, f *pipeline.Facts) bool {
			return f.State == pipeline.StateSold && period.Contains(f.SoldAt)
		}, true
	case "lost":
		return func(p *pipeline.Project, f *pipeline.Facts) bool {
			return f.State == pipeline.StateArchived && f.Qualified && period.Contains(p.ArchivedAt)
		}, true
	case "open":
		return func(_ *pipeline.Project, f *pipeline.Facts) bool { return f.State == pipeline.StateActive }, true
	}
	return nil, false
}

// referralCell is the referral number named by the URL: a measure of one
// lead source ("none": without one) or referrer, or of all projects.
func referralCell(r *http.Request, rq *reportQuery) func(*postgres.ReportSetup) drillCell {
	q := r.URL.Query()
	by, key, measure := q.Get("by"), q.Get("key"), q.Get("measure")
	period := rq.Period
	return func(su *postgres.ReportSetup) drillCell {
		match, ok := metricsMatch(measure, period)
		if !ok {
			return drillCell{invalid: true}
		}
		c := drillCell{key: "reports.referral.cell." + measure, arg: web.T(r.Context(), "reports.referral.all"), match: match}
		switch by {
		case "":
		case "source":
			id := int64(0)
			c.arg = web.T(r.Context(), "reports.referral.no_source")
			if key != "none" {
				n, err := strconv.ParseInt(key, 10, 64)
				if err != nil || n <= 0 {
					return drillCell{invalid: true}
				}
				id, c.arg = n, reportName(choiceNames(su, "sources"), n)
			}
			c.match = func(p *pipeline.Project, f *pipeline.Facts) bool { return p.SourceID == id && match(p, f) }
		case "referrer":
			c.arg = key
			if key == "" {
				c.arg = web.T(r.Context(), "reports.referral.no_referrer")
			}
			c.matchNames = func(p *pipeline.Project, f *pipeline.Facts, n *postgres.ReportNames) bool {
				return strings.TrimSpace(n.Referrer) == key && match(p, f)
			}
		default:
			return drillCell{invalid: true}
		}
		return c
	}
}

func (s *Server) handleReportReferral(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, referralReport, false)
}

func (s *Server) handleReportReferralCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, referralReport, true)
}

func (s *Server) handleReportReferralProjects(w http.ResponseWriter, r *http.Request) {
	s.referralDrill(w, r, false)
}

func (s *Server) handleReportReferralProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.referralDrill(w, r, true)
}

func (s *Server) referralDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), referralDrillOptions)
	s.drill(w, r, "referral", rq, referralDrillOptions, referralReport.opts.extra, postgres.ReportRead{Filter: rq.Filter, Now: moment(), Counted: postgres.MetricsCounted(rq.Period)}, referralCell(r, &rq), csv)
}

package server

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The report builder: a project detail report (one row per project, the
// columns, filters and sort the user chooses, keyset-paged) and a project
// summary (one or two dimensions, measures, a pivot with totals, a chart,
// every cell drilling down to the detail list of its projects). Both read
// with the viewer's visibility, whoever defined the report.

// errBuilderDefinition ends a report whose definition names something the
// tenant does not have; the page shows the messages beside the fields.
var errBuilderDefinition = errors.New("builder definition")

// handleBuilder is an unsaved report, defined by its URL.
func (s *Server) handleBuilder(w http.ResponseWriter, r *http.Request) {
	bq := parseBuilderQuery(r.URL.Query(), zone(r.Context()))
	s.runBuilder(w, r, bq, "/reports/new", r.URL.Query().Get("after"))
}

// handleBuilderCSV streams an unsaved report as a CSV file.
func (s *Server) handleBuilderCSV(w http.ResponseWriter, r *http.Request) {
	bq := parseBuilderQuery(r.URL.Query(), zone(r.Context()))
	s.builderCSV(w, r, bq)
}

// runBuilder runs a definition and renders the builder with its report:
// 200, 422 for a definition to fix (a tampered or stale one included),
// 503 for a report that took too long.
func (s *Server) runBuilder(w http.ResponseWriter, r *http.Request, bq builderQuery, action, after string) {
	s.runBuilderWith(w, r, bq, action, after, func(v *web.BuilderView) {
		v.SaveURL = "/reports/saved"
		v.CanShare = viewer(r.Context()).CanShareReports()
		v.Save = form(map[string]string{"definition": bq.encode()}, nil)
	})
}

// runBuilderWith is runBuilder with what the page adds (its save form)
// and, optionally, the status a refused form is answered with.
func (s *Server) runBuilderWith(w http.ResponseWriter, r *http.Request, bq builderQuery, action, after string, decorate func(*web.BuilderView), force ...int) {
	ctx := r.Context()
	v := web.BuilderView{Page: s.page(r, "builder."+bq.Kind+".title", "nav.reports"), Kind: bq.Kind, Action: action, Whose: "reports.whose.all"}
	bq.Detail.After = after
	status := http.StatusOK
	var setup *postgres.BuilderSetup
	err := s.db.RunBuilder(ctx, viewer(ctx), moment(), s.cfg.ReportTimeout, func(su *postgres.BuilderSetup) error {
		setup = su
		bq.checkLists(&su.Lists)
		if len(bq.Errors) > 0 {
			return errBuilderDefinition
		}
		return nil
	}, func(tx *postgres.Tx, su *postgres.BuilderSetup) error {
		if bq.Kind == "summary" {
			rows, err := tx.Summary(ctx, su, bq.Summary)
			if err == nil {
				s.summaryView(r, &v, bq, su, rows)
			}
			return err
		}
		loc := su.Tenant.Location()
		for _, c := range bq.Detail.Columns {
			v.Head = append(v.Head, columnLabel(r, c, su))
		}
		next, err := tx.Detail(ctx, su, bq.Detail, func(row *postgres.DetailRow) error {
			v.Rows = append(v.Rows, detailCells(r, su, bq.Detail.Columns, row, loc, true))
			return nil
		})
		if next != "" {
			v.NextURL = action + "?" + bq.encode("after", next)
		}
		return err
	})
	switch {
	case errors.Is(err, errBuilderDefinition):
		status, v.Failure, err = http.StatusUnprocessableEntity, "builder.error.fix", nil
	case errors.Is(err, postgres.ErrBadReportCursor):
		status, v.Failure, err = http.StatusBadRequest, "builder.error.cursor", nil
	case errors.Is(err, postgres.ErrReportTimeout):
		status, v.Failure, err = http.StatusServiceUnavailable, "reports.error.timeout", nil
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if len(bq.Errors) > 0 && status == http.StatusOK {
		status, v.Failure = http.StatusUnprocessableEntity, "builder.error.fix"
	}
	s.builderForm(r, &v, bq, setup)
	if v.Failure == "" {
		v.CSVURL = "/reports/new.csv?" + bq.encode()
	}
	decorate(&v)
	if len(force) > 0 {
		status = force[0]
	}
	s.render(w, r, status, web.BuilderPage(v))
}

// builderForm fills the definition's form: the values, the choices and the
// links that reorder the columns.
func (s *Server) builderForm(r *http.Request, v *web.BuilderView, bq builderQuery, su *postgres.BuilderSetup) {
	ctx := r.Context()
	v.Form = form(bq.Values, bq.Errors)
	for _, n := range bq.Notes {
		v.Notes = append(v.Notes, web.ReportNote{Key: n[0], Arg: n[1]})
	}
	if su != nil {
		l := su.Lists
		v.Owners, v.Workgroups, v.Sources, v.Statuses, v.Reasons, v.Milestones = l.Users, l.Workgroups, l.Sources, l.Statuses, l.Reasons, l.Milestones
		v.Whose = whoseKey(viewer(ctx), su.Scope)
	} else if viewer(ctx).Role == crm.RoleSales {
		v.Whose = "reports.whose.sales"
	}
	for _, st := range []string{"open", "active", "deferred", "archived", "sold"} {
		v.StateOptions = append(v.StateOptions, web.Option{Value: st, Label: web.T(ctx, "builder.state."+st)})
	}
	for _, k := range postgres.DateColumnKeys {
		v.DateOptions = append(v.DateOptions, web.Option{Value: k, Label: web.T(ctx, "builder.date."+k)})
	}
	label := func(c postgres.ColumnRef) string { return columnLabel(r, c, su) }
	for _, k := range postgres.DetailColumnKeys {
		c := postgres.ColumnRef{Key: k}
		o := web.Option{Value: k, Label: label(c)}
		if !slices.Contains(bq.Detail.Columns, c) {
			v.AddOptions = append(v.AddOptions, o)
		}
		if c.Sortable() {
			v.SortOptions = append(v.SortOptions, o)
		}
		if c.TextField() {
			v.TextOptions = append(v.TextOptions, o)
		}
	}
	if su != nil {
		for _, m := range su.Lists.Milestones {
			if !m.Active {
				continue
			}
			for _, k := range []string{"done", "by"} {
				c := postgres.ColumnRef{Key: k, Milestone: m.ID}
				if !slices.Contains(bq.Detail.Columns, c) {
					v.AddOptions = append(v.AddOptions, web.Option{Value: c.String(), Label: label(c)})
				}
			}
		}
	}
	keys := make([]string, len(bq.Detail.Columns))
	for i, c := range bq.Detail.Columns {
		keys[i] = c.String()
	}
	with := func(ks []string) string {
		return v.Action + "?" + bq.encode("cols", strings.Join(ks, ","), "after", "")
	}
	for i, c := range bq.Detail.Columns {
		col := web.BuilderColumn{Label: label(c), DropURL: with(slices.Delete(slices.Clone(keys), i, i+1))}
		if i > 0 {
			ks := slices.Clone(keys)
			ks[i-1], ks[i] = ks[i], ks[i-1]
			col.UpURL = with(ks)
		}
		if i+1 < len(keys) {
			ks := slices.Clone(keys)
			ks[i+1], ks[i] = ks[i], ks[i+1]
			col.DownURL = with(ks)
		}
		v.Columns = append(v.Columns, col)
	}
	for _, d := range postgres.DimensionKeys {
		v.DimOptions = append(v.DimOptions, web.Option{Value: d, Label: web.T(ctx, "builder.dim."+d)})
	}
	for _, m := range postgres.MeasureKeys {
		v.Measures = append(v.Measures, web.BuilderMeasure{Key: m, Label: web.T(ctx, "builder.measure."+m), On: slices.Contains(bq.Summary.Measures, m)})
	}
	for _, g := range []string{"g1", "g2"} {
		if bq.Values[g] != "" {
			v.Hidden = append(v.Hidden, web.Option{Value: g, Label: bq.Values[g]}, web.Option{Value: g + "v", Label: bq.Values[g+"v"]},
				web.Option{Value: g + "o", Label: bq.Values[g+"o"]})
		}
	}
	if len(bq.Detail.Filter.Groups) > 0 && su != nil {
		var parts []string
		for _, g := range bq.Detail.Filter.Groups {
			parts = append(parts, web.T(ctx, "builder.dim."+g.Dimension)+": "+groupLabel(r, su, g.Dimension, groupKey(g)))
		}
		v.Drill = web.T(ctx, "builder.drill", strings.Join(parts, ", "))
	}
}

// The pivot's keys of the groups that are not a value: no value, the
// values a capped dimension added up, every value (a total). A database
// text never holds a NUL, so no value is one of them.
const (
	noneKey  = "\x00none"
	otherKey = "\x00other"
	totalKey = "\x00total"
)

// groupKey is a drilled group's value as the summary read it (nil: none).
func groupKey(g postgres.GroupValue) *string {
	if g.Other {
		k := otherKey
		return &k
	}
	if g.None {
		return nil
	}
	return &g.Value
}

// columnLabel names a column; a milestone column by its milestone's name.
func columnLabel(r *http.Request, c postgres.ColumnRef, su *postgres.BuilderSetup) string {
	ctx := r.Context()
	if c.Milestone == 0 {
		return web.T(ctx, "builder.col."+c.Key)
	}
	name := "#" + strconv.FormatInt(c.Milestone, 10)
	if su != nil {
		if n := su.Lists.Name(postgres.ListMilestones, c.Milestone); n != "" {
			name = n
		}
	}
	return web.T(ctx, "builder.col."+c.Key, name)
}

// detailCells turns a row into cells for the page (link: the first
// column links the project) or for the file.
func detailCells(r *http.Request, su *postgres.BuilderSetup, cols []postgres.ColumnRef, row *postgres.DetailRow, loc *time.Location, link bool) []web.StatCell {
	ctx := r.Context()
	out := make([]web.StatCell, len(cols))
	for i, c := range cols {
		val := row.Cells[i]
		cell := web.StatCell{Kind: web.CellText}
		switch c.Kind() {
		case postgres.KindText:
			cell.Text = val.S
		case postgres.KindForecast:
			cell.Text = web.T(ctx, "forecast."+val.S)
		case postgres.KindState:
			cell.Text = web.T(ctx, "state."+val.S)
		case postgres.KindMoney:
			cell.Kind, cell.N = web.CellMoney, val.N
		case postgres.KindNumber:
			cell.Kind, cell.N = web.CellCount, val.N
			if c.Key == "probability_override" && val.N < 0 {
				cell.Kind = web.CellNone
			}
		case postgres.KindPercent:
			cell.Kind, cell.F = web.CellPercent, float64(val.N)/10000
		case postgres.KindDate:
			if !val.T.IsZero() {
				cell.Text = val.T.Format(time.DateOnly)
			}
		case postgres.KindInstant:
			cell.Text = csvfile.DayAt(val.T, loc)
		case postgres.KindBool:
			cell.Text = web.T(ctx, "builder.no")
			if val.B {
				cell.Text = web.T(ctx, "builder.yes")
			}
		case postgres.KindName:
			cell.Text = su.Lists.Name(c.List(), val.N)
		}
		if link && i == 0 {
			cell.URL = "/projects/" + strconv.FormatInt(row.ID, 10)
			if cell.Text == "" && cell.Kind == web.CellText {
				cell.Text = "#" + strconv.FormatInt(row.ID, 10)
			}
		}
		out[i] = cell
	}
	return out
}

// groupLabel names a value of a dimension.
func groupLabel(r *http.Request, su *postgres.BuilderSetup, dim string, key *string) string {
	ctx := r.Context()
	if key == nil {
		return web.T(ctx, "builder.none_value")
	}
	if *key == otherKey {
		return web.T(ctx, "builder.other_value")
	}
	if l := postgres.DimensionList(dim); l != 0 {
		id, _ := strconv.ParseInt(*key, 10, 64)
		if n := su.Lists.Name(l, id); n != "" {
			return n
		}
		return "#" + *key
	}
	switch dim {
	case "state":
		return web.T(ctx, "state."+*key)
	case "forecast":
		return web.T(ctx, "forecast."+*key)
	}
	return *key
}

// summaryView lays the summary's groups out as a pivot: one row per value
// of the first dimension, one column per value of the second (with two),
// the totals last; each cell links to the detail list of its projects.
func (s *Server) summaryView(r *http.Request, v *web.BuilderView, bq builderQuery, su *postgres.BuilderSetup, rows []postgres.SummaryRow) {
	ctx := r.Context()
	dims := bq.Summary.Dimensions
	ms := bq.Summary.Measures
	keyOf := func(k *string) string {
		if k == nil {
			return noneKey
		}
		return *k
	}
	type axis struct {
		keys   []*string
		labels map[string]string
	}
	order := func(d string, keys []*string) {
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if other, isOther := a != nil && *a == otherKey, b != nil && *b == otherKey; other || isOther {
				return !other // the others last
			}
			if (a == nil) != (b == nil) {
				return b == nil
			}
			if a == nil {
				return false
			}
			if l := postgres.DimensionList(d); l != 0 {
				ia, ib := listPos(su.Lists.List(l), *a), listPos(su.Lists.List(l), *b)
				if ia != ib {
					return ia < ib
				}
			}
			return *a < *b
		})
	}
	cells := map[[2]string][]*float64{}
	otherKeyValue := otherKey
	var ax [2]axis
	capped := make([]bool, len(dims))
	for _, row := range rows {
		k := [2]string{totalKey, totalKey}
		for i := range dims {
			if row.Other[i] {
				row.Keys[i], capped[i] = &otherKeyValue, true
			}
			if !row.Total[i] {
				k[i] = keyOf(row.Keys[i])
			}
		}
		cells[k] = row.Values
		for i := range dims {
			if !row.Total[i] && (len(dims) == 1 || row.Total[1-i]) {
				ax[i].keys = append(ax[i].keys, row.Keys[i])
			}
		}
	}
	for i, d := range dims {
		order(d, ax[i].keys)
		if capped[i] {
			v.Notes = append(v.Notes, web.ReportNote{Key: "builder.note.capped", Arg: web.T(ctx, "builder.dim."+d)})
		}
	}
	drill := func(k [2]string) string {
		set := []string{"kind", "detail", "dim1", "", "dim2", "", "m", "", "chart", ""}
		for i, d := range dims {
			g := "g" + strconv.Itoa(i+1)
			switch k[i] {
			case totalKey:
			case otherKey:
				set = append(set, g, d, g+"o", "1")
			case noneKey:
				set = append(set, g, d, g+"v", "-")
			default:
				set = append(set, g, d, g+"v", k[i])
			}
		}
		return "/reports/new?" + bq.encode(set...)
	}
	cell := func(k [2]string, m int) web.StatCell {
		vals, ok := cells[k]
		c := web.StatCell{Kind: web.CellNone}
		if !ok || vals[m] == nil {
			if ok || ms[m] == "count" {
				c = web.StatCell{Kind: web.CellCount}
			}
			return c
		}
		f := *vals[m]
		switch {
		case postgres.MeasureKind(ms[m]) == postgres.KindMoney:
			c = web.StatCell{Kind: web.CellMoney, N: int64(f + 0.5)}
		case ms[m] == "count":
			c = web.StatCell{Kind: web.CellCount, N: int64(f)}
		default:
			c = web.StatCell{Kind: web.CellDays, F: f}
		}
		c.URL = drill(k)
		return c
	}
	label := func(d string, k *string) web.StatCell {
		return web.StatCell{Kind: web.CellText, Text: groupLabel(r, su, d, k)}
	}
	v.PivotHead = []string{web.T(ctx, "builder.dim."+dims[0])}
	chart := &web.BarChart{Title: "builder.chart_title", XLabel: "builder.dim." + dims[0], YLabel: "builder.measure." + ms[0],
		Money: postgres.MeasureKind(ms[0]) == postgres.KindMoney, Stacked: bq.Chart == "stacked", RawSeries: true}
	if len(dims) == 1 {
		for _, m := range ms {
			v.PivotHead = append(v.PivotHead, web.T(ctx, "builder.measure."+m))
		}
		chart.Series = []string{web.T(ctx, "builder.measure."+ms[0])}
		for _, k := range ax[0].keys {
			key := [2]string{keyOf(k), totalKey}
			row := []web.StatCell{label(dims[0], k)}
			for m := range ms {
				row = append(row, cell(key, m))
			}
			v.Pivot = append(v.Pivot, row)
			chart.Groups = append(chart.Groups, web.ChartGroup{Label: row[0].Text, Values: []int64{chartValue(row[1])}, URL: row[1].URL})
		}
		v.PivotFoot = []web.StatCell{{Kind: web.CellText, Text: web.T(ctx, "reports.total")}}
		for m := range ms {
			v.PivotFoot = append(v.PivotFoot, cell([2]string{totalKey, totalKey}, m))
		}
	} else {
		// Two dimensions: the first measure in the pivot (one column per
		// value of the second dimension, then the row's total).
		for _, k := range ax[1].keys {
			v.PivotHead = append(v.PivotHead, groupLabel(r, su, dims[1], k))
			chart.Series = append(chart.Series, groupLabel(r, su, dims[1], k))
		}
		v.PivotHead = append(v.PivotHead, web.T(ctx, "reports.total"))
		for _, k0 := range ax[0].keys {
			row := []web.StatCell{label(dims[0], k0)}
			g := web.ChartGroup{Label: row[0].Text}
			for _, k1 := range ax[1].keys {
				c := cell([2]string{keyOf(k0), keyOf(k1)}, 0)
				row = append(row, c)
				g.Values = append(g.Values, chartValue(c))
			}
			row = append(row, cell([2]string{keyOf(k0), totalKey}, 0))
			g.URL = row[len(row)-1].URL
			v.Pivot = append(v.Pivot, row)
			chart.Groups = append(chart.Groups, g)
		}
		v.PivotFoot = []web.StatCell{{Kind: web.CellText, Text: web.T(ctx, "reports.total")}}
		for _, k1 := range ax[1].keys {
			v.PivotFoot = append(v.PivotFoot, cell([2]string{totalKey, keyOf(k1)}, 0))
		}
		v.PivotFoot = append(v.PivotFoot, cell([2]string{totalKey, totalKey}, 0))
		v.PivotHead[0] = web.T(ctx, "builder.pivot_corner", web.T(ctx, "builder.dim."+dims[0]), web.T(ctx, "builder.dim."+dims[1]),
			web.T(ctx, "builder.measure."+ms[0]))
	}
	if bq.Chart != "none" && len(chart.Groups) > 0 && len(chart.Groups) <= maxChartGroups && len(chart.Series) <= maxChartSeries {
		v.Chart = chart
	}
}

// builderCSVTimeout bounds a report's file: a million rows stream in seconds.
const builderCSVTimeout = 10 * time.Minute

// Charts beyond these sizes are unreadable; the table stays.
const (
	maxChartGroups = 40
	maxChartSeries = 12
)

// chartValue is a cell's value on the chart (days are not charted as such).
func chartValue(c web.StatCell) int64 {
	if c.Kind == web.CellDays {
		return int64(c.F + 0.5)
	}
	return c.N
}

// listPos is the position of the ID key in a list (the list's order),
// len(list) when it is not there.
func listPos(list []crm.Choice, key string) int {
	id, _ := strconv.ParseInt(key, 10, 64)
	for i, c := range list {
		if c.ID == id {
			return i
		}
	}
	return len(list)
}

// builderCSV streams a report as a CSV file in the built-in reports' form
// (BOM, plain numbers, formula escaping): a detail report row by row as
// the database sends them, a summary as its pivot.
func (s *Server) builderCSV(w http.ResponseWriter, r *http.Request, bq builderQuery) {
	ctx := r.Context()
	started := false
	var table *csvfile.Table
	rec := make([]string, 0, 64)
	err := s.db.RunBuilder(ctx, viewer(ctx), moment(), builderCSVTimeout, func(su *postgres.BuilderSetup) error {
		bq.checkLists(&su.Lists)
		if len(bq.Errors) > 0 {
			return errBuilderDefinition
		}
		return nil
	}, func(tx *postgres.Tx, su *postgres.BuilderSetup) error {
		if bq.Kind == "summary" {
			rows, err := tx.Summary(ctx, su, bq.Summary)
			if err != nil {
				return err
			}
			var v web.BuilderView
			s.summaryView(r, &v, bq, su, rows)
			reportCSV(w, r, "summary")
			started = true
			if table, err = csvfile.NewTable(w, v.PivotHead...); err != nil {
				return err
			}
			for _, row := range append(v.Pivot, v.PivotFoot) {
				rec = rec[:0]
				for _, c := range row {
					rec = append(rec, builderCSVCell(c))
				}
				if err := table.Row(rec...); err != nil {
					return err
				}
			}
			return table.Flush()
		}
		reportCSV(w, r, "detail")
		started = true
		head := make([]string, 0, len(bq.Detail.Columns)+1)
		head = append(head, "id")
		for _, c := range bq.Detail.Columns {
			head = append(head, columnLabel(r, c, su))
		}
		var err error
		if table, err = csvfile.NewTable(w, head...); err != nil {
			return err
		}
		q := bq.Detail
		q.Limit = 0
		loc := su.Tenant.Location()
		_, err = tx.Detail(ctx, su, q, func(row *postgres.DetailRow) error {
			rec = append(rec[:0], strconv.FormatInt(row.ID, 10))
			for _, c := range detailCells(r, su, q.Columns, row, loc, false) {
				rec = append(rec, builderCSVCell(c))
			}
			return table.Row(rec...)
		})
		if err != nil {
			return err
		}
		return table.Flush()
	})
	if err == nil {
		return
	}
	if started {
		s.log.Error("builder export failed", "err", err, "request_id", requestID(ctx))
		panic(http.ErrAbortHandler)
	}
	if errors.Is(err, errBuilderDefinition) {
		s.runBuilder(w, r, bq, "/reports/new", "")
		return
	}
	s.handleError(w, r, err)
}

// builderCSVCell writes a cell as the built-in reports' files do: amounts with
// two decimals, counts as digits, percentages and days as plain decimals.
func builderCSVCell(c web.StatCell) string {
	switch c.Kind {
	case web.CellMoney:
		return csvfile.Money(c.N)
	case web.CellCount:
		return strconv.FormatInt(c.N, 10)
	case web.CellPercent:
		return strconv.FormatFloat(c.F*100, 'f', 2, 64)
	case web.CellDays:
		return strconv.FormatFloat(c.F, 'f', 1, 64)
	case web.CellNone:
		return ""
	}
	return c.Text
}

// builderIndexGroup is the reports index's group of the builders.
func builderIndexGroup() web.ReportGroup {
	return web.ReportGroup{Key: "builder.index.title", Reports: []web.ReportLink{
		{Title: "builder.index.detail", Summary: "builder.index.detail_summary", URL: "/reports/new?kind=detail"},
		{Title: "builder.index.summary", Summary: "builder.index.summary_summary", URL: "/reports/new?kind=summary"},
	}}
}

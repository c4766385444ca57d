package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// A builder report's definition lives in its URL: every choice is a query
// parameter, so an unsaved report can be bookmarked and a saved one is
// stored as the same parameters. Every run reads it again from them and
// checks it against the whitelists in postgres and the tenant's lists;
// nothing of it is ever SQL.

// builderParams are the definition's parameters, in the order links carry them.
var builderParams = []string{"kind", "cols", "s1", "d1", "s2", "d2", "dim1", "dim2", "m", "chart",
	"state", "owner", "wg", "pending", "last", "status", "source", "reason", "late",
	"dcol", "dfrom", "dto", "ms", "msfrom", "msto", "vmin", "vmax", "tcol", "tempty", "q",
	"g1", "g1v", "g1o", "g2", "g2v", "g2o"}

// Limits of a definition.
const (
	maxBuilderColumns = 40
	builderPage       = 50
)

// defaultDetailColumns are a new detail report's columns.
var defaultDetailColumns = []string{"title", "account", "owner", "state", "pending", "value", "created_at"}

// builderQuery is a parsed definition: the detail or summary query, the
// values as typed (for the form and links) and a message key beside each
// wrong one. IDs are checked against the tenant's lists by checkLists.
type builderQuery struct {
	Kind    string // detail or summary
	Detail  postgres.DetailQuery
	Summary postgres.SummaryQuery
	Chart   string // bar, stacked or none
	Values  map[string]string
	Errors  map[string]string
	// Notes are the parts that name something deactivated: they still
	// apply, and the page says so (catalog key, argument).
	Notes [][2]string
}

// parseBuilderQuery reads a definition. A value that cannot be used gets a
// message beside its field and the report does not run until it is fixed.
func parseBuilderQuery(q url.Values, loc *time.Location) builderQuery {
	bq := builderQuery{Values: map[string]string{}, Errors: map[string]string{}}
	for _, k := range builderParams {
		bq.Values[k] = strings.ToValidUTF8(strings.TrimSpace(q.Get(k)), "\uFFFD")
	}
	if vs := q["m"]; len(vs) > 1 {
		bq.Values["m"] = strings.Join(vs, ",")
	}
	bad := func(name, key string) { bq.Errors[name] = key }
	switch bq.Values["kind"] {
	case "", "detail":
		bq.Kind = "detail"
	case "summary":
		bq.Kind = "summary"
	default:
		bq.Kind = "detail"
		bad("kind", "builder.error.tampered")
	}
	bq.Values["kind"] = bq.Kind
	f := &bq.Detail.Filter
	if bq.Kind == "detail" {
		cols := bq.Values["cols"]
		if cols == "" {
			cols = strings.Join(defaultDetailColumns, ",")
		}
		var keep []string
		for _, s := range strings.Split(cols, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			c, ok := postgres.ParseColumnRef(s)
			if !ok {
				bad("cols", "builder.error.tampered")
				continue
			}
			if !slices.Contains(keep, c.String()) {
				keep = append(keep, c.String())
				bq.Detail.Columns = append(bq.Detail.Columns, c)
			}
		}
		if add := strings.TrimSpace(q.Get("add")); add != "" {
			if c, ok := postgres.ParseColumnRef(add); ok && !slices.Contains(keep, c.String()) {
				keep = append(keep, c.String())
				bq.Detail.Columns = append(bq.Detail.Columns, c)
			}
		}
		if len(bq.Detail.Columns) > maxBuilderColumns {
			bad("cols", "builder.error.too_many")
		}
		if len(bq.Detail.Columns) == 0 && bq.Errors["cols"] == "" {
			bad("cols", "builder.error.no_columns")
		}
		bq.Values["cols"] = strings.Join(keep, ",")
		for i, name := range []string{"s1", "s2"} {
			v := bq.Values[name]
			if v == "" {
				continue
			}
			c, ok := postgres.ParseColumnRef(v)
			if !ok || !c.Sortable() {
				bad(name, "builder.error.sort")
				continue
			}
			dir := bq.Values["d"+strconv.Itoa(i+1)]
			if dir != "" && dir != "asc" && dir != "desc" {
				bad("d"+strconv.Itoa(i+1), "builder.error.tampered")
			}
			bq.Detail.Sort = append(bq.Detail.Sort, postgres.SortKey{Column: c, Desc: dir == "desc"})
		}
		bq.Detail.Limit = builderPage
	} else {
		for _, name := range []string{"dim1", "dim2"} {
			v := bq.Values[name]
			switch {
			case v == "" && name == "dim1":
				bq.Values[name] = "owner"
				bq.Summary.Dimensions = append(bq.Summary.Dimensions, "owner")
			case v == "":
			case !postgres.IsDimension(v):
				bad(name, "builder.error.tampered")
			case slices.Contains(bq.Summary.Dimensions, v):
				bad(name, "builder.error.same_dimension")
			default:
				bq.Summary.Dimensions = append(bq.Summary.Dimensions, v)
			}
		}
		ms := bq.Values["m"]
		if ms == "" {
			ms = "count,value_sum"
		}
		var keep []string
		for _, m := range strings.Split(ms, ",") {
			if m = strings.TrimSpace(m); m == "" {
				continue
			}
			if !postgres.IsMeasure(m) {
				bad("m", "builder.error.tampered")
				continue
			}
			if !slices.Contains(keep, m) {
				keep = append(keep, m)
			}
		}
		if len(keep) == 0 && bq.Errors["m"] == "" {
			bad("m", "builder.error.no_measures")
		}
		bq.Summary.Measures = keep
		bq.Values["m"] = strings.Join(keep, ",")
		switch bq.Values["chart"] {
		case "":
			bq.Chart = "bar"
			if len(bq.Summary.Dimensions) == 2 {
				bq.Chart = "stacked"
			}
		case "bar", "stacked", "none":
			bq.Chart = bq.Values["chart"]
		default:
			bad("chart", "builder.error.tampered")
		}
		if bq.Chart != "" {
			bq.Values["chart"] = bq.Chart
		}
	}
	switch v := bq.Values["state"]; v {
	case "", "open", "active", "deferred", "archived", "sold":
		f.State = v
	default:
		bad("state", "builder.error.tampered")
	}
	id := func(name string) int64 {
		v := bq.Values[name]
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad(name, "reports.error.unknown")
			return 0
		}
		return n
	}
	f.Owner = crm.UserID(id("owner"))
	f.Workgroup, f.Pending, f.Last = id("wg"), id("pending"), id("last")
	f.Status, f.Source, f.Reason = id("status"), id("source"), id("reason")
	switch bq.Values["late"] {
	case "":
	case "1":
		f.LateOnly = true
	default:
		bad("late", "builder.error.tampered")
	}
	day := func(name string) (time.Time, bool) {
		v := bq.Values[name]
		if v == "" {
			return time.Time{}, false
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 1900 || d.Year() > 9999 {
			bad(name, "reports.error.date")
			return time.Time{}, false
		}
		return d, true
	}
	// bounds turns inclusive local days into [from, to) instants (or
	// days, for a calendar-date column).
	bounds := func(fromName, toName string, instant bool) (time.Time, time.Time) {
		from, okF := day(fromName)
		to, okT := day(toName)
		if okF && okT && to.Before(from) {
			bad(toName, "reports.error.order")
		}
		var a, b time.Time
		if okF {
			a = from
			if instant {
				a = pipeline.DayStart(from.Year(), from.Month(), from.Day(), loc)
			}
		}
		if okT {
			b = to.AddDate(0, 0, 1)
			if instant {
				b = pipeline.DayStart(to.Year(), to.Month(), to.Day()+1, loc)
			}
		}
		return a, b
	}
	if dc := bq.Values["dcol"]; dc != "" {
		if !postgres.IsDateColumn(dc) {
			bad("dcol", "builder.error.tampered")
		} else {
			f.DateColumn = dc
			f.DateFrom, f.DateTo = bounds("dfrom", "dto", postgres.IsInstantDate(dc))
		}
	} else if bq.Values["dfrom"] != "" || bq.Values["dto"] != "" {
		bad("dcol", "builder.error.date_column")
	}
	if f.Milestone = id("ms"); f.Milestone != 0 {
		f.DoneFrom, f.DoneTo = bounds("msfrom", "msto", true)
	} else if bq.Values["msfrom"] != "" || bq.Values["msto"] != "" {
		bad("ms", "builder.error.milestone")
	}
	money := func(name string) *int64 {
		v := bq.Values[name]
		if v == "" {
			return nil
		}
		c, ok := parseCents(v)
		if !ok {
			bad(name, "builder.error.money")
			return nil
		}
		return &c
	}
	f.ValueMin, f.ValueMax = money("vmin"), money("vmax")
	if f.ValueMin != nil && f.ValueMax != nil && *f.ValueMax < *f.ValueMin {
		bad("vmax", "builder.error.value_order")
	}
	if tc := bq.Values["tcol"]; tc != "" {
		c, ok := postgres.ParseColumnRef(tc)
		switch {
		case !ok || !c.TextField():
			bad("tcol", "builder.error.tampered")
		case bq.Values["tempty"] != "empty" && bq.Values["tempty"] != "notempty":
			bad("tempty", "builder.error.empty")
		default:
			f.TextColumn, f.Empty = c, bq.Values["tempty"] == "empty"
		}
	}
	if v := bq.Values["q"]; v != "" {
		n := utf8.RuneCountInString(v)
		if n > 100 || n < minSearch || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' }) {
			bad("q", "builder.error.text")
		} else {
			f.Text = strings.ToLower(v)
		}
	}
	for axis, g := range []string{"g1", "g2"} {
		d := bq.Values[g]
		if d == "" {
			continue
		}
		v, other := bq.Values[g+"v"], bq.Values[g+"o"]
		switch {
		case !postgres.IsDimension(d) || (other != "" && (other != "1" || v != "")):
			bad(g, "builder.error.tampered")
		case other == "1":
			f.Groups = append(f.Groups, postgres.GroupValue{Dimension: d, Other: true, Axis: axis})
		case v == "-":
			f.Groups = append(f.Groups, postgres.GroupValue{Dimension: d, None: true})
		case v == "" || len(v) > 200:
			bad(g, "builder.error.tampered")
		case postgres.DimensionIsID(d):
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
				bad(g, "builder.error.tampered")
			} else {
				f.Groups = append(f.Groups, postgres.GroupValue{Dimension: d, Value: v})
			}
		default:
			f.Groups = append(f.Groups, postgres.GroupValue{Dimension: d, Value: v})
		}
	}
	bq.Summary.Filter = *f
	return bq
}

// checkLists checks the definition's IDs against the tenant's lists: one
// the tenant does not have (deleted) is a message beside its field, one
// that was deactivated still applies and is named in Notes. Milestone
// columns are checked the same way.
func (bq *builderQuery) checkLists(l *postgres.BuilderLists) {
	check := func(name string, list []crm.Choice, id int64) {
		if id == 0 {
			return
		}
		for _, c := range list {
			if c.ID == id {
				if !c.Active {
					bq.Notes = append(bq.Notes, [2]string{"builder.note.inactive", c.Name})
				}
				return
			}
		}
		bq.Errors[name] = "builder.error.deleted"
	}
	f := bq.Detail.Filter
	check("owner", l.Users, int64(f.Owner))
	check("wg", l.Workgroups, f.Workgroup)
	check("pending", l.Milestones, f.Pending)
	check("last", l.Milestones, f.Last)
	check("status", l.Statuses, f.Status)
	check("source", l.Sources, f.Source)
	check("reason", l.Reasons, f.Reason)
	check("ms", l.Milestones, f.Milestone)
	for _, c := range bq.Detail.Columns {
		if c.Milestone != 0 {
			check("cols", l.Milestones, c.Milestone)
		}
	}
}

// encode writes the definition's parameters (the empty ones left out) with
// overrides given as name, value pairs ("" drops one).
func (bq builderQuery) encode(set ...string) string {
	v := url.Values{}
	for _, k := range builderParams {
		if bq.Values[k] != "" {
			v.Set(k, bq.Values[k])
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

// definition is the definition's parameters as a saved report stores them.
func (bq builderQuery) definition() url.Values {
	v, _ := url.ParseQuery(bq.encode())
	return v
}

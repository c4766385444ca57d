package server

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// salesParams are the URL parameters of the Sales screen and the board, in
// the order they are written back into links.
var salesParams = []string{"view", "owner", "wg", "pending", "last", "status", "source", "reason", "late", "from", "to", "vmin", "vmax", "q", "sort", "dir"}

// salesQuery is a parsed Sales screen URL: the filter for postgres, the sort,
// the cursor, the notices for what was ignored, and the clean parameters.
type salesQuery struct {
	Filter  postgres.SalesFilter
	Sort    postgres.SalesSort
	Desc    bool
	After   string
	Notices []string // the names of ignored parameters
	Clean   url.Values
	// TypedQ is a search too short to run, shown back in the search box.
	TypedQ string
}

// minSearch is the shortest search that runs: two characters, so a
// two-letter surname or a two-character Chinese name is found.
const minSearch = 2

// searchCheck is what searchText makes of a typed search.
type searchCheck int

const (
	searchOK    searchCheck = iota
	searchShort             // fewer than minSearch characters
	searchBad               // not UTF-8, control characters or over 100 characters
)

// searchText is the one rule for a typed search, the Sales screen's and the
// header's: the trimmed text, lower-cased for the word index, and whether it
// can run.
func searchText(typed string) (string, searchCheck) {
	n := utf8.RuneCountInString(typed)
	switch {
	case !utf8.ValidString(typed) || n > 100 || strings.ContainsFunc(typed, func(r rune) bool { return r < ' ' }):
		return "", searchBad
	case n < minSearch:
		return "", searchShort
	}
	return strings.ToLower(typed), searchOK
}

// parseSalesQuery reads the filters. A malformed or unknown value is left out
// of the filter and named in Notices: the page still answers.
func parseSalesQuery(q url.Values, loc *time.Location, now time.Time) salesQuery {
	sq := salesQuery{Sort: "created", Desc: true, Clean: url.Values{}}
	f := &sq.Filter
	f.Now = now
	bad := func(name string) { sq.Notices = append(sq.Notices, name) }
	id := func(name string, dest *int64) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad(name)
			return
		}
		*dest = n
		sq.Clean.Set(name, v)
	}
	switch v := q.Get("view"); v {
	case "", "active":
		f.View = crm.StateActive
	case "deferred", "archived", "sold":
		f.View = crm.State(v)
		sq.Clean.Set("view", v)
	default:
		f.View = crm.StateActive
		bad("view")
	}
	var owner int64
	id("owner", &owner)
	f.Owner = crm.UserID(owner)
	id("wg", &f.Workgroup)
	id("pending", &f.Pending)
	id("last", &f.Last)
	id("status", &f.Status)
	id("source", &f.Source)
	if f.View == crm.StateArchived {
		id("reason", &f.Reason)
	} else if q.Get("reason") != "" {
		bad("reason") // only the archived view has a reason
	}
	switch q.Get("late") {
	case "":
	case "1", "on", "true":
		f.LateOnly = true
		sq.Clean.Set("late", "1")
	default:
		bad("late")
	}
	date := func(name string, next bool, dest *time.Time) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 1900 || d.Year() > 9999 {
			bad(name)
			return
		}
		if next {
			d = d.AddDate(0, 0, 1)
		}
		*dest = pipeline.DayStart(d.Year(), d.Month(), d.Day(), loc)
		sq.Clean.Set(name, v)
	}
	date("from", false, &f.CreatedFrom)
	date("to", true, &f.CreatedTo)
	money := func(name string, dest **int64) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return
		}
		c, ok := parseCents(v)
		if !ok {
			bad(name)
			return
		}
		*dest = &c
		sq.Clean.Set(name, v)
	}
	money("vmin", &f.ValueMin)
	money("vmax", &f.ValueMax)
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		switch text, check := searchText(v); check {
		case searchBad:
			bad("q")
		case searchShort:
			bad("q_short")
			sq.TypedQ = v
		default:
			f.Text = text
			sq.Clean.Set("q", v)
		}
	}
	if v := q.Get("sort"); v != "" {
		if _, ok := postgres.SalesSorts[postgres.SalesSort(v)]; ok {
			sq.Sort = postgres.SalesSort(v)
			sq.Clean.Set("sort", v)
		} else {
			bad("sort")
		}
	}
	switch v := q.Get("dir"); v {
	case "":
	case "asc", "desc":
		sq.Desc = v == "desc"
		sq.Clean.Set("dir", v)
	default:
		bad("dir")
	}
	sq.After = q.Get("after")
	return sq
}

// parseCents reads a non-negative amount like "1200", "1,200.50" or "1200.5".
func parseCents(s string) (int64, bool) {
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 {
		return 0, false
	}
	var c int64
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if c, err = strconv.ParseInt(frac, 10, 64); err != nil || c < 0 {
			return 0, false
		}
	}
	return w*100 + c, true
}

// encodeParams are salesParams and the page cursor, in URL order.
var encodeParams = append(append([]string(nil), salesParams...), "after")

// encode writes the clean parameters in a stable order, with overrides given
// as name, value pairs ("" drops the parameter). A page builds a dozen links
// with it.
func (sq salesQuery) encode(set ...string) string {
	b := make([]byte, 0, 128)
	for _, k := range encodeParams {
		v := sq.Clean.Get(k)
		for i := 0; i+1 < len(set); i += 2 {
			if set[i] == k {
				v = set[i+1]
			}
		}
		if v == "" {
			continue
		}
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(v)...)
	}
	return string(b)
}

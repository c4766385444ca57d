package web

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestSalesFormsMarkup shows the Sales screen's filter form and bulk
// controls in golden files, pretty-printed so a change reads as a diff:
// every value escaped, selected options, errors, notices, both languages
// (go test ./web -run Markup -update rewrites them after a deliberate change).
func TestSalesFormsMarkup(t *testing.T) {
	choices := func(names ...string) []crm.Choice {
		var cs []crm.Choice
		for i, n := range names {
			cs = append(cs, crm.Choice{ID: int64(i + 1), Name: n, Active: true})
		}
		return cs
	}
	full := SalesFilters{
		Values: map[string]string{"q": `a "b" <c> & 'd'`, "owner": "2", "wg": "1", "pending": "3", "last": "1", "status": "2",
			"source": "1", "from": "2026-01-02", "to": "2026-03-04", "vmin": "1,000", "vmax": "<9>", "late": "1", "sort": "value", "dir": "asc"},
		Owners: choices("Ann & Bo", `"Cy"`, "Dee"), Workgroups: choices("North", "South"), Milestones: choices("Lead created", "Qualified", "Offer <sent>"),
		Statuses: choices("Hot", "Cold"), Sources: choices("Web", "Fair"), Notices: []string{"owner", "vmin"},
		View: crm.StateArchived, ResetURL: "/?view=archived", LoadURL: "/load?view=archived&q=a+%22b%22",
	}
	plain := SalesFilters{Values: map[string]string{}, Owners: choices("Ann"), Milestones: choices("Lead created"),
		View: crm.StateActive, ResetURL: "/pipeline?view=active"}
	bulk := SalesView{Total: 12345, Bulk: BulkForm{Owners: choices("Ann & Bo", "Cy"), Reasons: choices("Price", "<Lost>"),
		Form: Form{Values: map[string]string{"action": "archive", "owner": "2", "reason": "2", "until": "2026-13-01"},
			Errors: map[string]string{"": "sales.bulk.error.none", "owner": "error.required", "until": "error.date", "reason": "error.required", "action": "error.required"}}}}
	for _, tc := range []struct {
		name string
		l    *Locale
		c    func() templ.Component
	}{
		{"filters_full_en", NewLocale("en", "", "USD", time.UTC), func() templ.Component { return SalesFilterForm(full, "/") }},
		{"filters_plain_zh", NewLocale("zh-Hans", "", "CNY", time.UTC), func() templ.Component { return SalesFilterForm(plain, "/pipeline") }},
		{"bulk_errors_en", NewLocale("en", "", "USD", time.UTC), func() templ.Component { return bulkControls(bulk) }},
		{"bulk_empty_zh", NewLocale("zh-Hans", "", "CNY", time.UTC), func() templ.Component {
			return bulkControls(SalesView{Total: 3, Bulk: BulkForm{Owners: choices("Ann"), Reasons: choices("Price")}})
		}},
	} {
		ctx := WithLocale(context.Background(), tc.l)
		var buf bytes.Buffer
		if err := tc.c().Render(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name, buf.Bytes())
	}
}

// golden compares a rendering, pretty-printed, with its file in testdata.
func golden(t *testing.T, name string, html []byte) {
	t.Helper()
	got := pretty(html)
	file := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (-update rewrites it):\n%s", name, file, lineDiff(string(want), string(got)))
	}
}

// TestSalesPageMarkup pins the whole Sales screen (layout, views, counts,
// table, bulk form, pager) for a manager, a salesperson and an empty list.
func TestSalesPageMarkup(t *testing.T) {
	day := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	rows := []SalesRow{
		{ID: 12, Title: `A <b>"x"</b>`, Customer: "C & Co", Owner: "Own", Last: "Lead", LastAt: day, Pending: "Prop",
			PendingID: 2, PendingDue: day, Late: true, MilestoneLate: true, Status: "St", Value: 123456, AgeDays: 3},
		{ID: 13, Title: "T", Pending: "P", DeferUntil: crm.DateOf(day)},
	}
	sorts := func(active string, desc bool) map[string]SortLink {
		m := map[string]SortLink{}
		for _, k := range []string{"title", "customer", "owner", "last", "pending", "status", "value", "created"} {
			m[k] = SortLink{URL: "/?sort=" + k + "&dir=asc&q=%22x%22", Active: k == active, Desc: desc}
		}
		return m
	}
	views := map[crm.State]string{crm.StateActive: "/?view=active&q=x", crm.StateDeferred: "/?view=deferred&q=x", crm.StateArchived: "/?view=archived&q=x", crm.StateSold: "/?view=sold&q=x"}
	filters := SalesFilters{Values: map[string]string{}, Owners: []crm.Choice{{ID: 1, Name: "Ann"}}, View: crm.StateActive,
		ViewURLs: views, ResetURL: "/?view=active"}
	manager := SalesView{
		Page:    Page{Title: "sales.title", Nav: "nav.sales", Flash: "flash.saved", User: &Viewer{Name: "M <x>", Email: "m@x", Role: crm.RoleManager, Company: "Co & Co"}},
		Filters: filters, Rows: rows, Total: 1000, MoreThan: true, Sorts: sorts("value", false),
		NextURL: "/?after=abc&q=%22x%22", FirstURL: "/?q=%22x%22", Query: `q="x"&sort=value`, CanBulk: true, ExportURL: "/sales.csv?q=%22x%22",
		Bulk: BulkForm{Owners: []crm.Choice{{ID: 1, Name: "Ann"}}, Reasons: []crm.Choice{{ID: 4, Name: "Price"}}, Result: &BulkResult{Action: "archive", Changed: 3, Skipped: 1}},
	}
	archived := filters
	archived.View = crm.StateArchived
	sales := SalesView{
		Page:    Page{Title: "sales.title", Nav: "nav.sales", User: &Viewer{Name: "S", Email: "s@x", Role: crm.RoleSales, Company: "Co"}},
		Filters: archived, Rows: rows[:1], Total: 1, Sorts: sorts("created", true), NextURL: "/?view=archived&after=x",
	}
	empty := sales
	empty.Rows, empty.Total, empty.NextURL, empty.FirstURL = nil, 0, "", "/?view=archived"
	for _, tc := range []struct {
		name string
		l    *Locale
		v    SalesView
	}{
		{"page_manager_en", NewLocale("en", "", "USD", time.UTC), manager},
		{"page_sales_zh", NewLocale("zh-Hans", "", "CNY", time.UTC), sales},
		{"page_empty_en", NewLocale("en", "", "EUR", time.UTC), empty},
	} {
		var buf bytes.Buffer
		if err := SalesPage(tc.v).Render(WithLocale(context.Background(), tc.l), &buf); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name, buf.Bytes())
	}
}

// pretty puts each tag and each text of an HTML fragment on a line of its
// own, indented by nesting, so that golden files read and diff line by line.
func pretty(html []byte) []byte {
	var out bytes.Buffer
	depth := 0
	line := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out.WriteString(strings.Repeat("  ", depth))
			out.WriteString(s)
			out.WriteByte('\n')
		}
	}
	for i := 0; i < len(html); {
		if html[i] != '<' {
			j := bytes.IndexByte(html[i:], '<')
			if j < 0 {
				j = len(html) - i
			}
			line(string(html[i : i+j]))
			i += j
			continue
		}
		j, quote := i+1, byte(0)
		for ; j < len(html) && (quote != 0 || html[j] != '>'); j++ {
			switch c := html[j]; {
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case c == quote:
				quote = 0
			}
		}
		tag := string(html[i : j+1])
		i = j + 1
		name := strings.ToLower(strings.TrimLeft(strings.FieldsFunc(tag[1:], func(r rune) bool { return r == ' ' || r == '>' || r == '/' })[0], "/"))
		switch {
		case strings.HasPrefix(tag, "</"):
			depth = max(depth-1, 0)
			line(tag)
		case voidElements[name] || strings.HasPrefix(tag, "<!"):
			line(tag)
		default:
			line(tag)
			depth++
		}
	}
	return out.Bytes()
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// lineDiff lists the lines of want and got that differ, by line number.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, a, c)
		}
	}
	return b.String()
}

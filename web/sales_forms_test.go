package web

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestSalesFormsMarkup pins the markup of the Sales screen's filter form and
// bulk controls, which are written in Go (sales_forms.go), against golden
// files: every value escaped, selected options, errors, notices, both
// languages.
func TestSalesFormsMarkup(t *testing.T) {
	choices := func(names ...string) []Choice {
		var cs []Choice
		for i, n := range names {
			cs = append(cs, Choice{ID: int64(i + 1), Name: n})
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

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
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
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, file, got, want)
	}
}

package server

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
)

// readCSV fetches path and reads it as a projects file: the header and a
// record per project keyed by column name.
func readCSV(t *testing.T, c *client, path string) []map[string]string {
	t.Helper()
	res := c.get(path)
	if res.status != http.StatusOK {
		t.Fatalf("%s: %d\n%s", path, res.status, res.body)
	}
	if !strings.HasPrefix(res.body, "\uFEFF") || !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%s: not a CSV download with a BOM (%q)", path, res.header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func csvTitles(recs []map[string]string) string {
	var ts []string
	for _, r := range recs {
		ts = append(ts, r["title"])
	}
	return strings.Join(ts, "|")
}

// TestSalesCSVShowsWhatTheViewerSees checks that the Sales screen's CSV
// holds exactly the projects of the view and filter the viewer could page
// through: a salesperson's own, all of an admin's tenant, nothing of another
// tenant; with milestone columns, and cells that would be formulas defused.
func TestSalesCSVShowsWhatTheViewerSees(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Export Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Export Rep")
	other := app.db.User(t, admin, crm.RoleSales, "Other Rep")
	adminB := app.db.Tenant(t, "Other Export Co")
	created := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	mine := app.project(t, rep, "=HYPERLINK(\"x\") roof", created)
	app.project(t, other, "Other's heat pump", created)
	qualified := milestoneID(t, app, admin, "Lead qualified")
	at := created.Add(26 * time.Hour)
	app.complete(t, rep, mine, qualified, at)

	c := app.client()
	c.login(rep)
	recs := readCSV(t, c, "/sales.csv")
	if len(recs) != 1 || recs[0]["title"] != "'=HYPERLINK(\"x\") roof" {
		t.Fatalf("rep's export: %q", csvTitles(recs))
	}
	r := recs[0]
	if r["owner_email"] != rep.Email || r["state"] != "active" || r["pending_milestone"] != "Proposed" ||
		r[csvfile.MilestoneColumn("Lead qualified")] != at.UTC().Format(time.RFC3339) ||
		r[csvfile.MilestoneByColumn("Lead qualified")] != rep.Email || r["currency"] != "USD" || r["late"] != "no" {
		t.Errorf("rep's line: %v", r)
	}

	c = app.client()
	c.login(admin)
	if got := csvTitles(readCSV(t, c, "/sales.csv")); !strings.Contains(got, "Other's heat pump") || !strings.Contains(got, "HYPERLINK") {
		t.Errorf("admin's export: %q", got)
	}
	if got := readCSV(t, c, "/sales.csv?view=archived"); len(got) != 0 {
		t.Errorf("archived view exports %q", csvTitles(got))
	}
	if got := csvTitles(readCSV(t, c, "/sales.csv?q=heat")); got != "Other's heat pump" {
		t.Errorf("search export: %q", got)
	}

	c = app.client()
	c.login(adminB)
	if got := readCSV(t, c, "/sales.csv"); len(got) != 0 {
		t.Errorf("another tenant's admin exports %q", csvTitles(got))
	}
}

package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// TestCalendarDatesAgreeEverywhere types each date-only field once — the
// expected close, a defer-until day, a subtask's due day — in a tenant west
// of UTC (UTC−8) and one far east of it (UTC+13), and checks that the
// workspace, the conflict panel, the Sales screen and the Sales screen's CSV
// show the same calendar day for each, and the same due day for the pending
// milestone.
func TestCalendarDatesAgreeEverywhere(t *testing.T) {
	for _, zone := range []string{"Pacific/Pitcairn", "Pacific/Tongatapu"} {
		t.Run(zone, func(t *testing.T) {
			app := newTestApp(t, Config{})
			admin := app.db.Tenant(t, "Dates "+zone)
			c := app.client()
			c.login(admin)
			res := c.post("/admin/settings", url.Values{"name": {"Dates"}, "currency": {"USD"}, "time_zone": {zone}, "stagnant_days": {"30"}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("settings: %d\n%s", res.status, res.body)
			}
			closeDay, deferDay, subtaskDay := crm.Date{Y: 2027, M: 4, D: 2}, crm.Date{Y: 2027, M: 12, D: 15}, crm.Date{Y: 2027, M: 11, D: 25}
			res = c.post("/projects/new", url.Values{"title": {"Roof in " + zone}, "account_name": {"Dates household"},
				"contact_name": {"Dana"}, "expected_close": {closeDay.String()}, "value": {"1000"}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("new lead: %d\n%s", res.status, res.body)
			}
			ws := res.header.Get("Location")
			page := c.get(ws).body
			m := regexp.MustCompile(`name="subtask_milestone_id"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="(\d+)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no milestone to hang a subtask on:\n%s", page)
			}
			res = c.post(ws+"/subtasks", url.Values{"subtask_title": {"Survey"}, "subtask_milestone_id": {m[1]}, "subtask_due": {subtaskDay.String()}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("subtask: %d\n%s", res.status, res.body)
			}
			res = c.post(ws+"/defer", url.Values{"version": {wsVersion(t, c.get(ws).body)}, "defer_until": {deferDay.String()}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("defer: %d\n%s", res.status, res.body)
			}

			l := web.NewLocale("en", "", "USD", time.UTC)
			day := func(d crm.Date) string { return l.Day(d) }
			page = c.get(ws).body
			mustContain(t, page, `value="`+closeDay.String()+`"`, "Deferred until "+day(deferDay), "· "+day(subtaskDay))
			due := regexp.MustCompile(`Due ([A-Z][a-z]{2} \d{1,2}, \d{4})`).FindStringSubmatch(page)
			if due == nil {
				t.Fatalf("workspace shows no due day:\n%s", page)
			}

			// The conflict panel: a save on a stale version shows the project as saved.
			res = c.post(ws, url.Values{"version": {"0"}, "title": {"Stale"}, "expected_close": {"2027-05-05"}, "value": {"1"}})
			if res.status != http.StatusConflict {
				t.Fatalf("stale save: %d", res.status)
			}
			mustContain(t, res.body, "<dd>"+day(closeDay)+"</dd>")

			sales := c.get("/?view=deferred").body
			mustContain(t, sales, "deferred until "+day(deferDay), "due "+due[1])

			res = c.get("/sales.csv?view=deferred")
			if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: %d %s", res.status, res.header.Get("Content-Type"))
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\uFEFF"))).ReadAll()
			if err != nil || len(recs) != 2 {
				t.Fatalf("csv: %v, %d records\n%s", err, len(recs), res.body)
			}
			col := map[string]string{}
			for i, h := range recs[0] {
				col[h] = recs[1][i]
			}
			dueDay, err := time.Parse("Jan 2, 2006", due[1])
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]string{"expected_close": closeDay.String(), "defer_until": deferDay.String(),
				"pending_due": dueDay.Format(time.DateOnly), "state": "deferred"} {
				if col[k] != want {
					t.Errorf("csv %s = %q, want %q", k, col[k], want)
				}
			}
		})
	}
}

// wsVersion reads the project version a workspace's forms carry.
func wsVersion(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("workspace has no version field")
	}
	return m[1]
}

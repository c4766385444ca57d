package csvfile

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "Roof": "Roof", "=1+1": "'=1+1", "+49 30": "'+49 30", "-5%": "'-5%",
		"@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "2026-01-02": "2026-01-02",
		"-1234.50": "-1234.50", "-7": "-7", "-1.": "'-1.", "-.5": "'-.5", "-1-1": "'-1-1", "-": "'-", "-1.2.3": "'-1.2.3"} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoney(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1234.56", -250: "-2.50", 100: "1.00"} {
		if got := Money(cents); got != want {
			t.Errorf("Money(%d) = %q, want %q", cents, got, want)
		}
	}
}

// TestProjectsFile writes a file and reads it back: BOM, CRLF, the header
// with a pair of columns per milestone (inactive ones last), names for IDs,
// dates as days, instants in the tenant's zone, a multi-line cell quoted.
func TestProjectsFile(t *testing.T) {
	loc := time.FixedZone("UTC-8", -8*3600)
	l := Lists{
		Users:    []crm.User{{ID: 1, Email: "ann@x.example", Name: "Ann"}, {ID: 2, Email: "bo@x.example", Name: "Bo"}},
		Statuses: []crm.Choice{{ID: 5, Name: "Waiting"}}, Sources: []crm.Choice{{ID: 6, Name: "Web"}}, Reasons: []crm.Choice{{ID: 7, Name: "Price"}},
		Defs: []crm.MilestoneDef{{ID: 10, Position: 0, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Lead created"}},
			{ID: 11, Position: 1, MilestoneSpec: crm.MilestoneSpec{Name: "Old step"}},
			{ID: 12, Position: 2, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Sold"}}},
	}
	var buf bytes.Buffer
	w, err := NewProjectsWriter(&buf, l, loc, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 7, 30, 0, 0, time.UTC) // 23:30 on 3 March at UTC−8
	r := crm.ProjectRecord{Project: crm.Project{ID: 42, Title: "Roof\nand PV", OwnerID: 1, Members: []crm.UserID{2, 1}, SourceID: 6,
		StatusID: 5, Value: 123456, ExpectedClose: crm.Date{Y: 2026, M: 4, D: 2}, State: crm.StateArchived, ArchiveReasonID: 7,
		ArchivedAt: at, CreatedAt: at.Add(-time.Hour), HasProbability: true, Probability: 35, Forecast: crm.ForecastCommit,
		Completions: []crm.Completion{{MilestoneID: 10, At: at.Add(-time.Hour), By: 1}, {MilestoneID: 11, At: at}}},
		Account: crm.Account{Name: "Novak"}, Pending: 12, PendingDue: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	if err := w.Write(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if !strings.HasPrefix(s, "\uFEFFid,external_id,title,") || !strings.Contains(s, "\r\n") {
		t.Fatalf("no BOM or CRLF: %q", s[:40])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\uFEFF"))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v, %d records", err, len(recs))
	}
	h := recs[0]
	tail := strings.Join(h[len(ProjectColumns):], "|")
	if tail != "milestone: Lead created|milestone by: Lead created|milestone: Sold|milestone by: Sold|milestone: Old step|milestone by: Old step" {
		t.Errorf("milestone columns: %s", tail)
	}
	got := map[string]string{}
	for i, n := range h {
		got[n] = recs[1][i]
	}
	for k, want := range map[string]string{"id": "42", "title": "Roof\nand PV", "owner_email": "ann@x.example", "owner": "Ann",
		"team": "bo@x.example;ann@x.example", "source": "Web", "status": "Waiting", "value": "1234.56", "currency": "EUR",
		"expected_close": "2026-04-02", "state": "archived", "archive_reason": "Price", "archived_at": "2026-03-03T23:30:00-08:00",
		"probability": "35", "forecast": "commit", "pending_milestone": "Sold", "pending_due": "2026-03-10", "late": "no",
		"milestone: Lead created": "2026-03-03T22:30:00-08:00", "milestone by: Lead created": "ann@x.example",
		"milestone: Old step": "2026-03-03T23:30:00-08:00", "milestone by: Old step": "", "milestone: Sold": "", "defer_until": ""} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

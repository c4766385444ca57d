package csvfile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

func testLists() ImportLists {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return ImportLists{
		Users:    []crm.User{{ID: 1, Email: "ann@x.example", Name: "Ann"}, {ID: 2, Email: "bo@x.example", Name: "Bo"}},
		Statuses: []crm.Choice{{ID: 5, Name: "Waiting"}}, Sources: []crm.Choice{{ID: 6, Name: "Web"}},
		Reasons: []crm.Choice{{ID: 7, Name: "Price"}},
		Defs: []crm.MilestoneDef{{ID: 10, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Lead created"}},
			{ID: 11, Active: true, Position: 1, MilestoneSpec: crm.MilestoneSpec{Name: "Qualified", Qualifying: true}},
			{ID: 12, Active: true, Position: 2, MilestoneSpec: crm.MilestoneSpec{Name: "Sold", Won: true}}},
		Workgroups: map[string][]crm.UserID{"North": {1}},
		Currency:   "EUR", Loc: berlin, Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Order: DayFirst, Actor: 2,
	}
}

func decodeAll(t *testing.T, file string, l ImportLists) []crm.ImportRow {
	t.Helper()
	r, err := NewReader(strings.NewReader(file), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := Suggest(r.Header, l.Defs)
	for i, h := range r.Header {
		if h == "Extra" {
			m[i] = FieldNote
		}
	}
	d := NewProjectDecoder(r.Header, m, l)
	var rows []crm.ImportRow
	for {
		rec, err := r.Read()
		if err != nil {
			return rows
		}
		var row crm.ImportRow
		d.Decode(rec, r.Line(), r.Formula, &row)
		rows = append(rows, row)
	}
}

// TestDecodeProjects reads rows into projects: names to IDs, amounts and
// times in the tenant's zone, the state with what it carries, completions
// in time order; and each bad value gets its row, column and message.
func TestDecodeProjects(t *testing.T) {
	l := testLists()
	file := "id;title;account;contact_email;owner_email;team;workgroup;source;value;currency;status;forecast;probability;state;archive_reason;archived_at;defer_until;created_at;milestone: Lead created;milestone: Qualified;milestone by: Qualified;Extra\n" +
		"A1;Roof;Novak;PETRA@Novak.example;ann@x.example;bo@x.example;North;Web;1.234,56;EUR;Waiting;Commit;40%;archived;Price;2026-03-01 10:00;;01.02.2026 09:00;01.02.2026 09:00;03.02.2026 11:30;bo@x.example;keep me\n" +
		"A2;PV;Berger;;carl@other.example;;;Fair;12x;USD;Nope;maybe;140;archived;;;;2026-07-01;;31.01.2026;;\n" +
		"A1;=cmd|' /C calc'!A0;X;;;;;;;;;;;deferred;;;;;;;;\n" +
		"A4;Heat pump;Weber;;;;;;;;;;;Closed Won;;;;2026-01-10;;;;\n"
	rows := decodeAll(t, file, l)
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	p := r.Project
	if len(r.Errors) != 0 {
		t.Fatalf("row 1: %v", r.Errors)
	}
	berlin := l.Loc
	if r.ExternalID != "A1" || p.Title != "Roof" || r.Account.Name != "Novak" || r.Contact.Email != "petra@novak.example" ||
		p.OwnerID != 1 || len(p.Members) != 1 || p.Members[0] != 2 || p.SourceID != 6 || p.Value != 123456 || p.StatusID != 5 ||
		p.Forecast != crm.ForecastCommit || !p.HasProbability || p.Probability != 40 || p.State != crm.StateArchived ||
		p.ArchiveReasonID != 7 || !p.ArchivedAt.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, berlin)) ||
		!p.CreatedAt.Equal(time.Date(2026, 2, 1, 9, 0, 0, 0, berlin)) || len(p.Completions) != 2 ||
		p.Completions[1].MilestoneID != 11 || p.Completions[1].By != 2 || r.Note != "Extra: keep me" {
		t.Errorf("row 1: %+v", r)
	}
	want := map[string]string{"owner_email": MsgRowUnknownUser, "source": MsgRowUnknownChoice, "value": MsgValueMoney,
		"currency": MsgRowCurrency, "status": MsgRowUnknownChoice, "forecast": MsgRowForecast, "probability": MsgRowProbability,
		"archive_reason": MsgRowNoReason, "created_at": MsgRowFuture, "milestone: Qualified": MsgRowBeforeCreated}
	got := map[string]string{}
	for _, e := range rows[1].Errors {
		if e.Line != 3 {
			t.Errorf("line %d", e.Line)
		}
		got[e.Column] = e.Msg
	}
	for c, m := range want {
		if got[c] != m {
			t.Errorf("row 2 %s: %q, want %q (all: %v)", c, got[c], m, rows[1].Errors)
		}
	}
	got = map[string]string{}
	for _, e := range rows[2].Errors {
		got[e.Column] = e.Msg
	}
	if got["title"] != MsgRowFormula || got["id"] != "import.row.duplicate_id|2" || got["defer_until"] != MsgRowNoDeferUntil {
		t.Errorf("row 3: %v", rows[2].Errors)
	}
	// Closed Won without a sold date is refused; with its won completion's date it is sold.
	if len(rows[3].Errors) != 1 || rows[3].Errors[0].Msg != MsgRowNoSoldAt {
		t.Errorf("row 4: %v", rows[3].Errors)
	}
	rows = decodeAll(t, "title,state,milestone: Sold\nX,Closed Won,2026-02-02 10:00\n", l)
	if p := rows[0].Project; len(rows[0].Errors) != 0 || p.State != crm.StateSold || !p.SoldAt.Equal(p.Completions[0].At) ||
		p.Forecast != crm.ForecastClosedWon || p.OwnerID != 2 {
		t.Errorf("sold: %+v", rows[0])
	}
	// A sold-at that is not the won milestone's completion is refused; the
	// same instant in both is accepted.
	rows = decodeAll(t, "title,sold_at,milestone: Sold\nX,2026-02-03 10:00,2026-02-02 10:00\nY,2026-02-02 10:00,2026-02-02 10:00\n", l)
	if len(rows[0].Errors) != 1 || rows[0].Errors[0].Msg != MsgRowSoldAtDiffers || rows[0].Errors[0].Column != "sold_at" {
		t.Errorf("sold at differing from the won completion: %v", rows[0].Errors)
	}
	if len(rows[1].Errors) != 0 || rows[1].Project.State != crm.StateSold {
		t.Errorf("sold at equal to the won completion: %v", rows[1].Errors)
	}
}

// TestDecodeOwnExport reads back a file the writer wrote: the same project.
func TestDecodeOwnExport(t *testing.T) {
	l := testLists()
	var buf bytes.Buffer
	w, err := NewProjectsWriter(&buf, Lists{Users: l.Users, Statuses: l.Statuses, Sources: l.Sources, Reasons: l.Reasons, Defs: l.Defs}, l.Loc, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 7, 30, 0, 0, time.UTC)
	in := crm.ProjectRecord{Project: crm.Project{ID: 42, Title: "-Roof and PV", OwnerID: 1, Members: []crm.UserID{2}, SourceID: 6,
		StatusID: 5, Value: 123456, ExpectedClose: crm.Date{Y: 2026, M: 4, D: 2}, State: crm.StateArchived, ArchiveReasonID: 7,
		ArchiveNote: "Too dear", ArchivedAt: at, CreatedAt: at.Add(-time.Hour), HasProbability: true, Probability: 35,
		Forecast: crm.ForecastCommit, Referrer: "=Max", Scope: "south",
		Completions: []crm.Completion{{MilestoneID: 10, At: at.Add(-time.Hour), By: 1}, {MilestoneID: 12, At: at.Add(-time.Minute)}, {MilestoneID: 11, At: at}}},
		Account: crm.Account{Name: "Novak", Phone: "+49 30 1"}, Contact: crm.Contact{Name: "Petra", Email: "p@n.example"}}
	in.State, in.SoldAt = crm.StateArchived, time.Time{}
	_ = w.Write(&in)
	_ = w.Flush()
	rows := decodeAll(t, buf.String(), l)
	if len(rows) != 1 || len(rows[0].Errors) != 0 {
		t.Fatalf("%v", rows)
	}
	r := rows[0]
	p := r.Project
	if r.ExternalID != "42" || p.Title != in.Title || p.Referrer != "=Max" || p.Scope != "south" || r.Account.Phone != "+49 30 1" ||
		r.Contact != (crm.Contact{Name: "Petra", Email: "p@n.example"}) || p.Value != in.Value || p.ExpectedClose != in.ExpectedClose ||
		p.StatusID != 5 || p.SourceID != 6 || p.Forecast != in.Forecast || p.Probability != 35 || p.ArchiveNote != "Too dear" ||
		!p.ArchivedAt.Equal(at) || !p.CreatedAt.Equal(in.CreatedAt) || len(p.Completions) != 3 || p.Completions[1].MilestoneID != 12 ||
		p.Completions[0].By != 1 || len(p.Members) != 1 {
		t.Errorf("read back %+v", r)
	}
}

// TestDecodeProjectAddressParts: a projects file with the account's
// billing address in parts, as a Salesforce opportunity report writes it,
// gives the account one address of lines; a message about it goes beside
// its first column.
func TestDecodeProjectAddressParts(t *testing.T) {
	l := testLists()
	rows := decodeAll(t, "Opportunity Name,Account Name,Billing Street,Billing City,Billing State/Province,Billing Zip/Postal Code,Billing Country\n"+
		"Roof,Novak,Hauptstraße 4,Berlin,,10115,Germany\n"+
		"PV,Weber,,Wien,,,\n"+
		"Heat,Lee,1 Main St,Springfield,IL,62701,United States\n"+
		"Long,Long,"+strings.Repeat("x", crm.MaxAddress)+",Berlin,,,\n", l)
	want := []string{"Hauptstraße 4\n10115 Berlin\nGermany", "Wien", "1 Main St\n62701 Springfield\nIL\nUnited States"}
	for i, w := range want {
		if got := rows[i].Account.Address; got != w || len(rows[i].Errors) != 0 {
			t.Errorf("line %d: address %q (%+v), want %q", rows[i].Line, got, rows[i].Errors, w)
		}
	}
	if e := rows[3].Errors; len(e) != 1 || e[0].Column != "Billing Street" {
		t.Errorf("a long address: %+v, want one message beside Billing Street", e)
	}
}

package csvfile

import (
	"bytes"
	"os"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestSuggestMappings reads the headers of our own export and of sample
// exports of HubSpot, Pipedrive and Salesforce (testdata, written from their
// documented column names) and checks the suggested field of each column.
func TestSuggestMappings(t *testing.T) {
	defs := []crm.MilestoneDef{{ID: 10, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Lead created"}},
		{ID: 11, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Qualified"}},
		{ID: 12, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Sold"}}}
	var own bytes.Buffer
	w, err := NewProjectsWriter(&own, Lists{Defs: defs}, nil, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	header := func(b []byte) []string {
		r, err := NewReader(bytes.NewReader(b), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Header
	}
	file := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, c := range map[string]struct {
		header []string
		want   map[string]Field
	}{
		"pipewell": {header(own.Bytes()), map[string]Field{"external_id": FieldExternalID, "id": FieldIgnore, "title": FieldTitle, "owner_email": FieldOwner,
			"owner": FieldIgnore, "status": FieldStatus, "state": FieldState, "value": FieldValue, "created_at": FieldCreatedAt,
			"pending_milestone": FieldIgnore, "late": FieldIgnore, "milestone: Qualified": MilestoneField(11),
			"milestone by: Sold": MilestoneByField(12), "archive_reason": FieldArchiveReason, "defer_until": FieldDeferUntil,
			"contact_phone": FieldContactPhone, "account_address": FieldAccountAddress, "team": FieldTeam}},
		"hubspot": {header(file("hubspot_deals.csv")), map[string]Field{"Record ID": FieldExternalID, "Deal Name": FieldTitle,
			"Deal Stage": FieldState, "Pipeline": FieldIgnore, "Close Date": FieldExpectedClose, "Deal owner": FieldOwner,
			"Amount": FieldValue, "Create Date": FieldCreatedAt, "Associated Company": FieldAccount, "Associated Contact": FieldContact,
			"Closed Lost Reason": FieldArchiveReason, "Forecast category": FieldForecast, "Deal probability": FieldProbability,
			"Original Source": FieldSource, `Date entered "Qualified (Sales Pipeline)"`: MilestoneField(11),
			`Date exited "Qualified (Sales Pipeline)"`: FieldIgnore}},
		"pipedrive": {header(file("pipedrive_deals.csv")), map[string]Field{"Deal - ID": FieldExternalID, "Deal - Title": FieldTitle,
			"Deal - Value": FieldValue, "Deal - Currency": FieldCurrency, "Deal - Owner": FieldOwner, "Deal - Organization": FieldAccount,
			"Deal - Contact person": FieldContact, "Person - Email": FieldContactEmail, "Person - Phone": FieldContactPhone,
			"Deal - Stage": FieldIgnore, "Deal - Status": FieldState, "Deal - Expected close date": FieldExpectedClose,
			"Deal - Deal created": FieldCreatedAt, "Deal - Won time": FieldSoldAt, "Deal - Lost time": FieldArchivedAt,
			"Deal - Lost reason": FieldArchiveReason, "Deal - Probability": FieldProbability, "Deal - Source origin": FieldSource}},
		"salesforce": {header(file("salesforce_opportunities.csv")), map[string]Field{"Opportunity ID": FieldExternalID,
			"Opportunity Name": FieldTitle, "Account Name": FieldAccount, "Amount": FieldValue, "Close Date": FieldExpectedClose,
			"Stage": FieldState, "Opportunity Owner": FieldOwner, "Lead Source": FieldSource, "Probability (%)": FieldProbability,
			"Forecast Category": FieldForecast, "Created Date": FieldCreatedAt, "Description": FieldScope, "Next Step": FieldStatus,
			"Type": FieldIgnore}},
	} {
		m := Suggest(c.header, defs)
		got := map[string]Field{}
		for i, h := range c.header {
			got[h] = m[i]
		}
		for h, want := range c.want {
			if f, ok := got[h]; !ok || f != want {
				t.Errorf("%s: %q → %q, want %q", name, h, f, want)
			}
		}
	}
}

package csvfile

import (
	"strings"
	"unicode"

	"github.com/pipewell/pipewell/internal/crm"
)

// Field is what a column of an imported projects file is read as: one of
// the fixed fields below, a milestone's completion time ("milestone:ID")
// or its completer ("milestone_by:ID"), a note (the column goes into the
// project log's "imported fields" note) or nothing.
type Field string

// The fields of a projects file.
const (
	FieldIgnore         Field = ""
	FieldNote           Field = "note"
	FieldExternalID     Field = "external_id"
	FieldTitle          Field = "title"
	FieldAccount        Field = "account"
	FieldAccountEmail   Field = "account_email"
	FieldAccountPhone   Field = "account_phone"
	FieldAccountAddress Field = "account_address"
	// The account's address in parts, as a Salesforce opportunity report
	// writes the account's billing address: with FieldAccountAddress (the
	// street) they make the address's lines.
	FieldAccountAddress2   Field = "account_address_line2"
	FieldAccountPostalCode Field = "account_postal_code"
	FieldAccountCity       Field = "account_city"
	FieldAccountRegion     Field = "account_region"
	FieldAccountCountry    Field = "account_country"
	FieldContact           Field = "contact"
	FieldContactEmail      Field = "contact_email"
	FieldContactPhone      Field = "contact_phone"
	FieldOwner             Field = "owner_email"
	FieldTeam              Field = "team"
	FieldWorkgroup         Field = "workgroup"
	FieldSource            Field = "source"
	FieldReferrer          Field = "referrer"
	FieldScope             Field = "scope"
	FieldValue             Field = "value"
	FieldCurrency          Field = "currency"
	FieldExpectedClose     Field = "expected_close"
	FieldStatus            Field = "status"
	FieldForecast          Field = "forecast"
	FieldProbability       Field = "probability"
	FieldState             Field = "state"
	FieldArchiveReason     Field = "archive_reason"
	FieldArchiveNote       Field = "archive_note"
	FieldArchivedAt        Field = "archived_at"
	FieldDeferUntil        Field = "defer_until"
	FieldSoldAt            Field = "sold_at"
	FieldResumedAt         Field = "resumed_at"
	FieldCreatedAt         Field = "created_at"
)

// ProjectFields are the fixed fields in the order the mapping screen
// offers them.
var ProjectFields = []Field{FieldExternalID, FieldTitle, FieldAccount, FieldAccountEmail, FieldAccountPhone, FieldAccountAddress,
	FieldAccountAddress2, FieldAccountPostalCode, FieldAccountCity, FieldAccountRegion, FieldAccountCountry,
	FieldContact, FieldContactEmail, FieldContactPhone, FieldOwner, FieldTeam, FieldWorkgroup, FieldSource, FieldReferrer,
	FieldScope, FieldValue, FieldCurrency, FieldExpectedClose, FieldStatus, FieldForecast, FieldProbability, FieldState,
	FieldArchiveReason, FieldArchiveNote, FieldArchivedAt, FieldDeferUntil, FieldSoldAt, FieldResumedAt, FieldCreatedAt}

// accountAddressParts are a projects file's account address fields in the
// order an address is written (see addressOf).
var accountAddressParts = []Field{FieldAccountAddress, FieldAccountAddress2, FieldAccountPostalCode, FieldAccountCity,
	FieldAccountRegion, FieldAccountCountry}

// MilestoneField and MilestoneByField name a milestone's two fields.
func MilestoneField(id crm.MilestoneID) Field   { return Field("milestone:" + itoa(int64(id))) }
func MilestoneByField(id crm.MilestoneID) Field { return Field("milestone_by:" + itoa(int64(id))) }

// Milestone returns the milestone a field is about and whether it is its
// completer (milestone_by); ok is false for the fixed fields.
func (f Field) Milestone() (id crm.MilestoneID, by, ok bool) {
	s := string(f)
	rest, found := strings.CutPrefix(s, "milestone_by:")
	if found {
		by = true
	} else if rest, found = strings.CutPrefix(s, "milestone:"); !found {
		return 0, false, false
	}
	n, okID := crm.ParseID(rest)
	return crm.MilestoneID(n), by, okID && n > 0
}

// Mapping is the field of each column of a file, by position.
type Mapping []Field

// aliases are the header names read as each field: Pipewell's own export
// first, then what HubSpot (deals), Pipedrive (deals) and Salesforce
// (opportunities, report and Data Loader names) write. Keys are compared
// folded: lower case, letters and digits only.
var aliases = map[Field][]string{
	FieldExternalID: {"external_id", "id", "Record ID", "Deal ID", "Deal - ID", "Opportunity ID", "Opportunity: ID",
		"Opportunity.Id", "Id"},
	FieldTitle: {"title", "Deal Name", "Deal - Title", "Title", "Opportunity Name", "Opportunity: Opportunity Name",
		"Name", "Opportunity.Name", "Deal"},
	FieldAccount: {"account", "Associated Company", "Company", "Company name", "Deal - Organization", "Organization - Name",
		"Organization", "Account Name", "Account: Account Name", "Account.Name", "Customer"},
	FieldAccountEmail: {"account_email", "Organization - Email", "Company email", "Account Email"},
	FieldAccountPhone: {"account_phone", "Organization - Phone", "Company phone", "Account Phone", "Phone number (company)"},
	FieldAccountAddress: {"account_address", "Organization - Address", "Company address", "Billing Address", "Account Address",
		"Billing Street", "BillingStreet", "Account: Billing Street", "Account.BillingStreet"},
	FieldAccountAddress2: {"account_address_line2", "Account Address 2", "Company address 2"},
	FieldAccountPostalCode: {"account_postal_code", "Billing Zip/Postal Code", "BillingPostalCode", "Account: Billing Zip/Postal Code",
		"Account.BillingPostalCode"},
	FieldAccountCity:    {"account_city", "Billing City", "BillingCity", "Account: Billing City", "Account.BillingCity"},
	FieldAccountRegion:  {"account_region", "Billing State/Province", "BillingState", "Account: Billing State/Province", "Account.BillingState"},
	FieldAccountCountry: {"account_country", "Billing Country", "BillingCountry", "Account: Billing Country", "Account.BillingCountry"},
	FieldContact: {"contact", "Associated Contact", "Deal - Contact person", "Person - Name", "Contact person", "Contact Name",
		"Contact: Full Name", "Primary Contact", "Contact"},
	FieldContactEmail: {"contact_email", "Email", "Contact email", "Person - Email", "Contact: Email", "Primary Contact Email",
		"Email address"},
	FieldContactPhone: {"contact_phone", "Phone", "Phone Number", "Contact phone", "Person - Phone", "Contact: Phone"},
	FieldOwner: {"owner_email", "Deal owner", "Deal Owner Email", "Deal - Owner", "Owner", "Owner email", "Opportunity Owner",
		"Opportunity Owner: Email", "Owner Email", "Owner.Email", "Sales owner"},
	FieldTeam:      {"team", "Team members", "Deal collaborators", "Opportunity Team", "Followers"},
	FieldWorkgroup: {"workgroup", "Team", "HubSpot Team", "Owner Role", "Sales team"},
	FieldSource: {"source", "Lead Source", "LeadSource", "Original Source", "Original Source Type", "Deal - Source origin",
		"Deal - Source channel", "Source"},
	FieldReferrer: {"referrer", "Referred by", "Referral", "Deal - Source channel ID", "Campaign", "Primary Campaign Source",
		"Referring partner"},
	FieldScope:         {"scope", "Deal Description", "Description", "Deal - Notes", "Notes"},
	FieldValue:         {"value", "Amount", "Deal - Value", "Value", "Amount (in company currency)", "Opportunity Amount"},
	FieldCurrency:      {"currency", "Deal - Currency", "Currency", "Opportunity Currency", "CurrencyIsoCode", "Deal currency code"},
	FieldExpectedClose: {"expected_close", "Close Date", "CloseDate", "Deal - Expected close date", "Expected close date"},
	FieldStatus:        {"status", "Milestone status", "Deal - Label", "Next Step", "NextStep"},
	FieldForecast:      {"forecast", "Forecast category", "ForecastCategory", "ForecastCategoryName", "Forecast"},
	FieldProbability: {"probability", "Deal probability", "Deal - Probability", "Probability (%)", "Probability",
		"Opportunity.Probability"},
	FieldState:         {"state", "Deal - Status", "Status", "Deal Stage", "Stage", "StageName", "Opportunity Stage"},
	FieldArchiveReason: {"archive_reason", "Closed Lost Reason", "Deal - Lost reason", "Lost reason", "Loss Reason", "Reason Lost"},
	FieldArchiveNote:   {"archive_note", "Lost note", "Closed lost note"},
	FieldArchivedAt:    {"archived_at", "Deal - Lost time", "Lost time", "Closed lost date", "Date lost"},
	FieldDeferUntil:    {"defer_until", "Deferred until", "Follow-up date"},
	FieldSoldAt:        {"sold_at", "Deal - Won time", "Won time", "Closed won date", "Date won"},
	FieldResumedAt:     {"resumed_at", "Reopened at", "Reopen date"},
	FieldCreatedAt: {"created_at", "Create Date", "Created Date", "CreatedDate", "Deal - Deal created", "Deal created",
		"Opportunity Created Date", "Date created"},
}

// Aliases returns the header names read as f, Pipewell's own first.
func Aliases(f Field) []string { return aliases[f] }

// aliasIndex is each folded alias's field and its rank among the field's
// aliases (0: Pipewell's own name).
var aliasIndex = func() map[string]aliasRank {
	m := map[string]aliasRank{}
	for _, f := range ProjectFields {
		for i, a := range aliases[f] {
			if _, taken := m[fold(a)]; !taken {
				m[fold(a)] = aliasRank{f, i}
			}
		}
	}
	return m
}()

type aliasRank struct {
	field Field
	rank  int
}

// fold is a header name as compared: lower case letters and digits, and
// Pipedrive's " - " between an object and its field ("Deal - Stage" is not
// HubSpot's "Deal Stage").
func fold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.ReplaceAll(s, " - ", "|")) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '|' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Suggest maps each column of header to a field by its name: the aliases,
// and the tenant's milestones by name — "milestone: NAME" and "milestone by:
// NAME" as Pipewell writes them, the bare name, or HubSpot's "Date entered
// "NAME (pipeline)"". A field is given to the column with its best-ranked
// name (Pipewell's external_id over its id), of those the first; the
// others are left unmapped, as are unknown names.
func Suggest(header []string, defs []crm.MilestoneDef) Mapping {
	byName := map[string]crm.MilestoneID{}
	for _, d := range defs {
		byName[fold(d.Name)] = d.ID
	}
	return pick(header, func(h string) (Field, int) { return suggestOne(h, byName) })
}

// pick gives each field the column of header with its best-ranked name
// (by one), of those the first.
func pick(header []string, one func(string) (Field, int)) Mapping {
	m := make(Mapping, len(header))
	best := map[Field]int{} // field → column
	ranks := make([]int, len(header))
	for i, h := range header {
		f, rank := one(h)
		if f == FieldIgnore {
			continue
		}
		ranks[i] = rank
		if j, ok := best[f]; !ok || rank < ranks[j] {
			best[f] = i
		}
	}
	for f, i := range best {
		m[i] = f
	}
	return m
}

func suggestOne(h string, milestones map[string]crm.MilestoneID) (Field, int) {
	lower := strings.ToLower(strings.TrimSpace(h))
	for _, p := range []struct {
		prefix string
		by     bool
	}{{"milestone by:", true}, {"milestone:", false}, {"date entered", false}, {"date exited", false}} {
		rest, ok := strings.CutPrefix(lower, p.prefix)
		if !ok {
			continue
		}
		if p.prefix == "date exited" {
			return FieldIgnore, 0
		}
		rest = strings.Trim(strings.TrimSpace(rest), `"'“”`)
		if i := strings.LastIndex(rest, " ("); i > 0 && p.prefix == "date entered" {
			rest = rest[:i]
		}
		if id, ok := milestones[fold(rest)]; ok {
			if p.by {
				return MilestoneByField(id), 0
			}
			return MilestoneField(id), 0
		}
		return FieldIgnore, 0
	}
	if a, ok := aliasIndex[fold(h)]; ok {
		return a.field, a.rank
	}
	if id, ok := milestones[fold(h)]; ok {
		return MilestoneField(id), 1
	}
	return FieldIgnore, 0
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Fields is the set of fields m maps, by name, with "milestones" when any
// milestone column is mapped: what an update by external ID changes.
func (m Mapping) Fields() map[string]bool {
	set := map[string]bool{}
	for _, f := range m {
		if _, _, ok := f.Milestone(); ok {
			set["milestones"] = true
		} else if f != FieldIgnore {
			set[string(f)] = true
		}
	}
	return set
}

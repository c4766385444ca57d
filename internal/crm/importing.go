package crm

// LogImported is the log entry of a project an import created or updated
// (Field "created" or "updated", Body the file's name).
const LogImported LogKind = "imported"

// RowError is why a row of an imported file cannot be imported: its line,
// its column's name in the file ("" for the row as a whole) and a message
// key (with the numbers it states, as Msg writes them).
type RowError struct {
	Line   int
	Column string
	Msg    string
}

// ImportRow is one row of an imported projects file read into a project:
// every name the file gives resolved to the tenant's IDs, except its
// account, contact and a new lead source, which the database matches (by
// e-mail, phone or name) or creates.
type ImportRow struct {
	Line       int
	ExternalID string // the row's ID in the system it came from; "" for none
	Project    Project
	Account    Account
	Contact    Contact
	NewSource  string // a lead source to create; Project.SourceID is 0
	Note       string // the "imported fields" note, "" for none
	Errors     []RowError
}

// RecordRow is one row of an imported accounts or contacts file: the
// account (an accounts file) or the contact and its account as the file
// names it (a contacts file), which the database matches or creates.
type RecordRow struct {
	Line       int
	ExternalID string // the record's ID in the system it came from; "" for none
	Account    Account
	// AccountRef is the contact's account by its ID in the file (its
	// external ID, or its Pipewell ID); "" for none.
	AccountRef string
	Contact    Contact
	Errors     []RowError
}

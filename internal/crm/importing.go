package crm

import "strconv"

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

// ImportedChanges are the log entries, old → new, of the fields an import
// that updates project was changed in, as the change decisions write them
// (value, expected close, probability, forecast, defer-until, state and
// owner): the log the past is rebuilt from. fields are the file's mapped
// fields (by the import's field names); a field the file does not have, or
// that did not change, writes nothing.
func ImportedChanges(was, now Project, fields map[string]bool) []LogEntry {
	var out []LogEntry
	add := func(kind LogKind, field, old, new string) {
		if old != new {
			out = append(out, LogEntry{Kind: kind, Field: field, OldValue: old, NewValue: new})
		}
	}
	stateFields := fields["state"] || fields["archive_reason"] || fields["archived_at"] || fields["defer_until"] || fields["sold_at"]
	if fields["value"] {
		add(LogFieldChanged, "value", strconv.FormatInt(was.Value, 10), strconv.FormatInt(now.Value, 10))
	}
	if fields["expected_close"] {
		add(LogFieldChanged, "expected_close", was.ExpectedClose.String(), now.ExpectedClose.String())
	}
	if fields["probability"] {
		add(LogFieldChanged, "probability", probabilityInput(was), probabilityInput(now))
	}
	if fields["forecast"] || fields["state"] {
		add(LogFieldChanged, "forecast", string(was.Forecast), string(now.Forecast))
	}
	if stateFields {
		add(LogFieldChanged, "defer_until", was.DeferUntil.String(), now.DeferUntil.String())
		add(LogStateChanged, "state", string(was.State), string(now.State))
	}
	if fields["owner_email"] {
		add(LogOwnerChanged, "owner", id64(int64(was.OwnerID)), id64(int64(now.OwnerID)))
	}
	return out
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

package csvfile

import (
	"io"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// The columns of the accounts, contacts and project log files.
var (
	AccountColumns = []string{"id", "name", "email", "phone", "address", "created_at"}
	ContactColumns = []string{"id", "account_id", "account", "name", "email", "phone", "created_at"}
	LogColumns     = []string{"project_id", "external_id", "project", "at", "user_email", "kind", "field", "old_value", "new_value",
		"body", "happened_at"}
)

// TableWriter writes a file of records of one kind: the header, then
// lines, every cell made safe for a spreadsheet.
type TableWriter struct {
	w   *writer
	loc *time.Location
	rec []string
}

// NewTableWriter starts a file with header on w; instants are written in loc.
func NewTableWriter(w io.Writer, header []string, loc *time.Location) (*TableWriter, error) {
	tw := &TableWriter{loc: loc, rec: make([]string, 0, len(header))}
	var err error
	if tw.w, err = newWriter(w); err != nil {
		return nil, err
	}
	return tw, tw.w.write(append(tw.rec[:0], header...))
}

// Account writes an account's line (AccountColumns).
func (tw *TableWriter) Account(a *crm.Account) error {
	return tw.w.write(append(tw.rec[:0], id(a.ID), a.Name, a.Email, a.Phone, a.Address, Instant(a.CreatedAt, tw.loc)))
}

// Contact writes a contact's line (ContactColumns) with its account's name.
func (tw *TableWriter) Contact(c *crm.Contact, account string) error {
	return tw.w.write(append(tw.rec[:0], id(c.ID), id(c.AccountID), account, c.Name, c.Email, c.Phone, Instant(c.CreatedAt, tw.loc)))
}

// LogEntry writes a log entry's line (LogColumns).
func (tw *TableWriter) LogEntry(e *crm.LogEntry, externalID, project, userEmail string) error {
	return tw.w.write(append(tw.rec[:0], id(int64(e.ProjectID)), externalID, project, Instant(e.At, tw.loc), userEmail,
		string(e.Kind), e.Field, e.OldValue, e.NewValue, e.Body, Instant(e.HappenedAt, tw.loc)))
}

// Flush writes what is buffered.
func (tw *TableWriter) Flush() error { return tw.w.flush() }

func id(n int64) string { return strconv.FormatInt(n, 10) }

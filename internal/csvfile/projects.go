package csvfile

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// Lists are what a projects file names instead of IDs: users (by e-mail),
// pick-list values and milestones (by name).
type Lists struct {
	Users                      []crm.User
	Statuses, Sources, Reasons []crm.Choice
	Defs                       []crm.MilestoneDef
}

// ProjectColumns are the fixed columns of a projects file, in order (the
// external ID is the one the project was imported with, else its own ID,
// so that a project keeps one identity from tenant to tenant); one
// "milestone: <name>" and one "milestone by: <name>" column per milestone
// follow (when it was completed, by whom). The same names are what the
// import reads.
var ProjectColumns = []string{
	"id", "external_id", "title", "account", "account_email", "account_phone", "account_address",
	"contact", "contact_email", "contact_phone", "owner_email", "owner", "team",
	"source", "referrer", "scope", "value", "currency", "expected_close", "status", "forecast", "probability",
	"state", "archive_reason", "archive_note", "archived_at", "defer_until", "sold_at", "resumed_at", "created_at",
	"pending_milestone", "pending_due", "late",
}

// MilestoneColumn and MilestoneByColumn name a milestone's two columns.
func MilestoneColumn(name string) string   { return "milestone: " + name }
func MilestoneByColumn(name string) string { return "milestone by: " + name }

// ProjectsWriter writes a projects file.
type ProjectsWriter struct {
	w                          *writer
	loc                        *time.Location
	currency                   string
	users                      map[crm.UserID]crm.User
	statuses, sources, reasons map[int64]string
	defs                       []crm.MilestoneDef // in column order
	col                        map[crm.MilestoneID]int
	rec                        []string
}

// NewProjectsWriter starts a projects file on w: the byte-order mark and
// the header. Milestones are in process order, inactive ones after the
// active ones, so that every completion has its column.
func NewProjectsWriter(w io.Writer, l Lists, loc *time.Location, currency string) (*ProjectsWriter, error) {
	pw := &ProjectsWriter{loc: loc, currency: currency, users: map[crm.UserID]crm.User{},
		statuses: names(l.Statuses), sources: names(l.Sources), reasons: names(l.Reasons), col: map[crm.MilestoneID]int{}}
	for _, u := range l.Users {
		pw.users[u.ID] = u
	}
	pw.defs = crm.Process(l.Defs)
	for _, d := range l.Defs {
		if !d.Active {
			pw.defs = append(pw.defs, d)
		}
	}
	header := append([]string{}, ProjectColumns...)
	for i, d := range pw.defs {
		pw.col[d.ID] = len(ProjectColumns) + 2*i
		header = append(header, MilestoneColumn(d.Name), MilestoneByColumn(d.Name))
	}
	var err error
	if pw.w, err = newWriter(w); err != nil {
		return nil, err
	}
	pw.rec = make([]string, len(header))
	return pw, pw.w.write(header)
}

func names(list []crm.Choice) map[int64]string {
	m := make(map[int64]string, len(list))
	for _, c := range list {
		m[c.ID] = c.Name
	}
	return m
}

// Write writes one project's line.
func (pw *ProjectsWriter) Write(r *crm.ProjectRecord) error {
	p := &r.Project
	rec := pw.rec
	for i := range rec {
		rec[i] = ""
	}
	owner := pw.users[p.OwnerID]
	team := make([]string, 0, len(p.Members))
	for _, m := range p.Members {
		team = append(team, pw.users[m].Email)
	}
	probability := ""
	if p.HasProbability {
		probability = strconv.Itoa(p.Probability)
	}
	pending := ""
	for _, d := range pw.defs {
		if d.ID == r.Pending {
			pending = d.Name
		}
	}
	copy(rec, []string{
		strconv.FormatInt(int64(p.ID), 10), externalID(p), p.Title, r.Account.Name, r.Account.Email, r.Account.Phone, r.Account.Address,
		r.Contact.Name, r.Contact.Email, r.Contact.Phone, owner.Email, owner.Name, strings.Join(team, ";"),
		pw.sources[p.SourceID], p.Referrer, p.Scope, Money(p.Value), pw.currency, Day(p.ExpectedClose), pw.statuses[p.StatusID],
		string(p.Forecast), probability,
		string(p.State), pw.reasons[p.ArchiveReasonID], p.ArchiveNote, Instant(p.ArchivedAt, pw.loc), Day(p.DeferUntil),
		Instant(p.SoldAt, pw.loc), Instant(p.ResumedAt, pw.loc), Instant(p.CreatedAt, pw.loc),
		pending, DayAt(r.PendingDue, pw.loc), yesNo(r.Late),
	})
	for _, c := range p.Completions {
		if i, ok := pw.col[c.MilestoneID]; ok {
			rec[i] = Instant(c.At, pw.loc)
			if c.By != 0 {
				rec[i+1] = pw.users[c.By].Email
			}
		}
	}
	return pw.w.write(rec)
}

func externalID(p *crm.Project) string {
	if p.ExternalID != "" {
		return p.ExternalID
	}
	return strconv.FormatInt(int64(p.ID), 10)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Flush writes what is buffered; call it at the end and, to stream, now and then.
func (pw *ProjectsWriter) Flush() error { return pw.w.flush() }

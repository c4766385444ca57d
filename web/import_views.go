package web

import "time"

// ImportHomeView is the import and export page: the upload form, the
// recent imports, the exports.
type ImportHomeView struct {
	AdminPage
	Form    Form // file, kind, encoding, comma
	Imports []ImportLine
	MaxMB   int
	Exports bool // the viewer may export everything (an admin)
}

// ImportLine is one recent import in the list.
type ImportLine struct {
	ID        int64
	Kind      string // projects, accounts, contacts
	FileName  string
	State     string // postgres.Import* states
	By        string
	At        time.Time
	Total     int
	Created   int
	Updated   int
	Rejected  int
	RowsDone  int
	Message   string
	Finished  time.Time
	HasPrefix bool
}

// ImportView is one import: its mapping and preview while not written, its
// progress while running, its result after.
type ImportView struct {
	AdminPage
	ImportLine
	Form     Form // col.N (the field of each column), create_sources, create_accounts, valid_only, date_order, mapping_name, saved
	Columns  []ImportColumn
	Fields   []Option // every field a column can be read as
	Saved    []Option // saved mappings
	Preview  *ImportPreviewView
	Progress ImportProgress
	CanUndo  bool
}

// ImportColumn is one column of the file: its name, the first values.
type ImportColumn struct {
	Index  int
	Name   string
	Sample []string
}

// ImportPreviewView is what the file would do.
type ImportPreviewView struct {
	Total, Create, Update, Skip, ErrorCount int
	CreateAccounts                          int // accounts a contacts file creates
	Errors                                  []ImportError
	MoreErrors                              int
	Rows                                    []ImportPreviewRow
	Duplicates                              []ImportDuplicateLine
	// CanCommit: no errors, or the valid rows only are to be written.
	CanCommit bool
}

// ImportError is one error of a row.
type ImportError struct {
	Line    int
	Column  string
	Message string // a message key with its numbers
}

// ImportPreviewRow is one row as it would be written, in display form.
type ImportPreviewRow struct {
	Line   int
	Action string // "create", "update", "skip"
	Title  string
	// An account's or contact's row: its name, e-mail, phone and address
	// (an account's), and Account (a contact's account as the file names it).
	Name, Email, Phone, Address string
	Account                     string
	Contact                     string
	Owner                       string
	Value                       int64
	State                       string
	CreatedAt                   time.Time
	Completions                 int
}

// ImportDuplicateLine is a row whose contact is already known.
type ImportDuplicateLine struct {
	Line    int
	Contact string
	Match   string // "email" or "phone"
	Name    string // "" when the existing contact is not visible
}

// ImportProgress is a running import's progress.
type ImportProgress struct {
	ID         int64
	Running    bool
	Done       int
	Total      int
	Percent    int
	RowsPerSec int
	Left       time.Duration
	Known      bool // rows per second and time left are known
}

// importCounts is the preview's one-line summary, each count in its
// grammatical number: "1 row: 1 project will be created, 0 updated, 0 rows
// skipped."
func importCounts(l *Locale, kind string, p *ImportPreviewView) string {
	create := l.N("import.counts.create."+kind, int64(p.Create))
	if p.CreateAccounts > 0 {
		create = l.T("import.counts.with_accounts", create, l.N("import.counts.new_accounts", int64(p.CreateAccounts)))
	}
	return l.T("import.counts",
		l.N("import.counts.rows", int64(p.Total)),
		create,
		l.N("import.counts.updated", int64(p.Update)),
		l.N("import.counts.skipped", int64(p.Skip)))
}

// importResultLine is a finished import's one-line summary, each count in its
// grammatical number: "1 project created, 0 updated, 2 rows rejected."
func importResultLine(l *Locale, kind string, created, updated, rejected int) string {
	return l.T("import.result",
		l.N("import.result.created."+kind, int64(created)),
		l.N("import.result.updated", int64(updated)),
		l.N("import.result.rejected", int64(rejected)))
}

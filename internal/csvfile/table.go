package csvfile

import "io"

// Table writes a report's table as a CSV file: a header, then one record
// per row, with the BOM, CRLF line ends and formula escaping of every
// Pipewell file. Numbers are written plain (Money for cents, digits for
// counts), dates as ISO days, by the caller.
type Table struct{ w *writer }

// NewTable starts a table file on w with its header.
func NewTable(w io.Writer, header ...string) (*Table, error) {
	wr, err := newWriter(w)
	if err != nil {
		return nil, err
	}
	t := &Table{w: wr}
	return t, t.Row(header...)
}

// Row writes one record; its cells are made safe for a spreadsheet.
func (t *Table) Row(cells ...string) error { return t.w.write(cells) }

// Flush writes what is buffered.
func (t *Table) Flush() error { return t.w.flush() }

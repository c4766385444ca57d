package csvfile

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// bom is the UTF-8 byte-order mark that tells Excel the file is UTF-8.
const bom = "\uFEFF"

// writer writes records to a buffered CSV stream.
type writer struct {
	buf *bufio.Writer
	csv *csv.Writer
}

func newWriter(w io.Writer) (*writer, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	if _, err := buf.WriteString(bom); err != nil {
		return nil, err
	}
	c := csv.NewWriter(buf)
	c.UseCRLF = true
	return &writer{buf: buf, csv: c}, nil
}

// write writes one record, every cell made safe for a spreadsheet.
func (w *writer) write(rec []string) error {
	for i, s := range rec {
		rec[i] = Cell(s)
	}
	return w.csv.Write(rec)
}

// flush writes what is buffered to the underlying writer.
func (w *writer) flush() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return err
	}
	return w.buf.Flush()
}

// Cell returns s as a spreadsheet may safely open it: a cell starting with
// a character that makes a formula (=, +, -, @, tab, carriage return) gets
// a leading apostrophe, which spreadsheets show as text. A negative
// plain number (-1234.50, as Money writes one) is a number, not a formula,
// and is kept as it is.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] == '-' && plainNumber(s[1:]) {
			return s
		}
		return "'" + s
	}
	return s
}

// plainNumber tells whether s is digits with at most one decimal point
// between digits.
func plainNumber(s string) bool {
	digits, point := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && point < 0 && digits > 0:
			point = i
		default:
			return false
		}
	}
	return digits > 0 && point != len(s)-1
}

// Day formats a calendar date ("" for none).
func Day(d crm.Date) string { return d.String() }

// DayAt formats the tenant-local calendar day of an instant ("" for none).
func DayAt(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.DateOnly)
}

// Instant formats an instant in the tenant's zone, to the second ("" for none).
func Instant(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

// Money formats cents as a plain decimal with two places: 1234.50.
func Money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10))
	return string(b)
}

// RejectedWriter writes the rows an import left out: the file's own
// columns and an "error" column with every error of the row.
type RejectedWriter struct {
	w   *writer
	rec []string
}

// NewRejectedWriter starts a file of rejected rows with header and "error".
func NewRejectedWriter(w io.Writer, header []string) (*RejectedWriter, error) {
	rw := &RejectedWriter{}
	var err error
	if rw.w, err = newWriter(w); err != nil {
		return nil, err
	}
	rw.rec = make([]string, 0, len(header)+1)
	return rw, rw.w.write(append(append(rw.rec[:0], header...), "error"))
}

// Write writes one rejected row and its errors.
func (rw *RejectedWriter) Write(rec []string, errs string) error {
	return rw.w.write(append(append(rw.rec[:0], rec...), errs))
}

// Flush writes what is buffered.
func (rw *RejectedWriter) Flush() error { return rw.w.flush() }

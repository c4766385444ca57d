package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/pipewell/pipewell/internal/crm"
)

// Encodings a file may be read in. EncodingAuto detects: a byte-order mark
// names UTF-8 or UTF-16; without one, text that is valid UTF-8 is UTF-8 and
// anything else Windows-1252 (of which Latin-1's printable characters are
// a subset).
const (
	EncodingAuto        = ""
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
)

// Limits of a file that is read.
const (
	MaxColumns   = 1000     // columns of the header
	MaxCellBytes = 64 << 10 // bytes of one cell, as UTF-8
	sniffBytes   = 64 << 10 // what detection looks at
)

// Messages of a file that cannot be read (catalog keys; the numbers they
// state follow as crm.Msg arguments).
const (
	MsgFileEmpty         = "import.file.empty"            // no header
	MsgFileNoRows        = "import.file.no_rows"          // a header and nothing else
	MsgFileBinary        = "import.file.binary"           // not text
	MsgFileQuote         = "import.file.quote"            // |record's line|line|column: a quote out of place or never closed
	MsgFileRagged        = "import.file.ragged"           // |line|fields|header fields
	MsgFileColumns       = "import.file.too_many_columns" // |columns|max
	MsgFileCellTooLong   = "import.file.cell_too_long"    // |line|column|max bytes
	MsgFileBOMInside     = "import.file.bom_inside"       // |line|column: two files joined?
	MsgFileNotUTF8       = "import.file.not_utf8"         // |line: chosen UTF-8, but it is not
	MsgFileHeaderBlank   = "import.file.header_blank"     // |column: a header cell without a name
	MsgFileHeaderRepeats = "import.file.header_repeats"   // |column: the same name twice
)

// FileError is why a file cannot be read, and where: a message key and
// the numbers it states (line and column are 1-based, counted in the file
// as a text editor shows it).
type FileError struct {
	Key  string
	Args []int
}

func (e *FileError) Error() string { return fmt.Sprintf("csv: %s %v", e.Key, e.Args) }

// Msg is the error as a message the web layer formats.
func (e *FileError) Msg() string { return crm.Msg(e.Key, e.Args...) }

func fileError(key string, args ...int) *FileError { return &FileError{Key: key, Args: args} }

// ReadOptions choose what the reader otherwise detects.
type ReadOptions struct {
	Encoding string // EncodingAuto or one of the encodings
	Comma    rune   // 0: detect comma, semicolon or tab
}

// Reader reads a CSV file record by record: the header first (NewReader),
// then each line. Every record has the header's number of fields; a cell
// that Pipewell's writer escaped with an apostrophe is read back as it was
// written.
type Reader struct {
	Header   []string
	Encoding string // the encoding read (detected or chosen)
	Comma    rune   // the delimiter read
	csv      *csv.Reader
	checkUTF bool
	formula  []bool
	rows     int
}

// NewReader reads the header of the file in. A file that cannot be read
// returns a *FileError.
func NewReader(in io.Reader, opt ReadOptions) (*Reader, error) {
	br := bufio.NewReaderSize(in, sniffBytes)
	sample, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, fileError(MsgFileEmpty)
	}
	enc, skip := detectEncoding(sample, opt.Encoding)
	if _, err := br.Discard(skip); err != nil {
		return nil, err
	}
	sample = sample[skip:]
	var text io.Reader = br
	switch enc {
	case EncodingUTF16LE, EncodingUTF16BE:
		text = &utf16Reader{r: br, big: enc == EncodingUTF16BE}
		sample = decodeUTF16(sample, enc == EncodingUTF16BE)
	case EncodingWindows1252:
		text = &cp1252Reader{r: br}
		sample = decode1252(sample)
	}
	if binary(sample) {
		return nil, fileError(MsgFileBinary)
	}
	comma := opt.Comma
	if comma == 0 {
		comma = detectComma(sample)
	}
	c := csv.NewReader(text)
	c.Comma = comma
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	r := &Reader{Encoding: enc, Comma: comma, csv: c, checkUTF: enc == EncodingUTF8}
	header, err := r.read()
	if errors.Is(err, io.EOF) {
		return nil, fileError(MsgFileEmpty)
	}
	if err != nil {
		return nil, err
	}
	if len(header) > MaxColumns {
		return nil, fileError(MsgFileColumns, len(header), MaxColumns)
	}
	r.Header = make([]string, len(header))
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		r.Header[i] = h
		if h == "" && len(header) > 1 {
			return nil, fileError(MsgFileHeaderBlank, i+1)
		}
		k := strings.ToLower(h)
		if seen[k] {
			return nil, fileError(MsgFileHeaderRepeats, i+1)
		}
		seen[k] = true
	}
	r.formula = make([]bool, len(header))
	return r, nil
}

// Read returns the next record, io.EOF after the last one, or a
// *FileError (MsgFileNoRows when the header is all there is). The slice is
// reused by the next call.
func (r *Reader) Read() ([]string, error) {
	for {
		rec, err := r.read()
		if errors.Is(err, io.EOF) && r.rows == 0 {
			return nil, fileError(MsgFileNoRows)
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && rec[0] == "" && len(r.Header) > 1 {
			continue // a blank line
		}
		if len(rec) != len(r.Header) {
			line, _ := r.csv.FieldPos(0)
			return nil, fileError(MsgFileRagged, line, len(rec), len(r.Header))
		}
		for i, f := range rec {
			r.formula[i] = false
			if len(f) >= 2 && f[0] == '\'' && strings.IndexByte("=+-@\t\r", f[1]) >= 0 {
				rec[i] = f[1:]
			} else if IsFormula(f) {
				r.formula[i] = true
			}
		}
		r.rows++
		return rec, nil
	}
}

// Line is the line of the file the last record read starts on.
func (r *Reader) Line() int {
	line, _ := r.csv.FieldPos(0)
	return line
}

// Formula tells whether field i of the last record is a formula a
// spreadsheet would run (not escaped by an apostrophe).
func (r *Reader) Formula(i int) bool { return r.formula[i] }

// IsFormula tells a cell that a spreadsheet takes for a formula: one that
// starts with = or @, or with + or - followed by a letter (as "+cmd|...").
// Numbers and phone numbers (-5, +49 30) are not formulas.
func IsFormula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@':
		return true
	case '+', '-':
		if len(s) > 1 {
			c := s[1]
			return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		}
	}
	return false
}

func (r *Reader) read() ([]string, error) {
	rec, err := r.csv.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				return nil, fileError(MsgFileRagged, pe.Line, 0, len(r.Header))
			}
			return nil, fileError(MsgFileQuote, pe.StartLine, pe.Line, pe.Column)
		}
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, err
	}
	for i, f := range rec {
		if len(f) > MaxCellBytes {
			line, col := r.csv.FieldPos(i)
			return nil, fileError(MsgFileCellTooLong, line, col, MaxCellBytes)
		}
		if r.checkUTF && !utf8.ValidString(f) {
			line, _ := r.csv.FieldPos(i)
			return nil, fileError(MsgFileNotUTF8, line)
		}
		if j := strings.IndexRune(f, '\uFEFF'); j >= 0 {
			line, col := r.csv.FieldPos(i)
			return nil, fileError(MsgFileBOMInside, line, col+utf8.RuneCountInString(f[:j]))
		}
	}
	return rec, nil
}

// detectEncoding returns the file's encoding and the length of its
// byte-order mark.
func detectEncoding(b []byte, chosen string) (string, int) {
	skip := 0
	enc := ""
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		enc, skip = EncodingUTF8, 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		enc, skip = EncodingUTF16LE, 2
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		enc, skip = EncodingUTF16BE, 2
	}
	if chosen != EncodingAuto {
		if enc != chosen && !(chosen == EncodingUTF8 && enc == "") {
			skip = 0 // a chosen encoding wins; a mark of another is not skipped
			if (chosen == EncodingWindows1252) && enc == EncodingUTF8 {
				skip = 3 // a UTF-8 mark read as Windows-1252 would be "ï»¿"
			}
		}
		return chosen, skip
	}
	if enc != "" {
		return enc, skip
	}
	if validPrefix(b) {
		return EncodingUTF8, 0
	}
	return EncodingWindows1252, 0
}

// validPrefix tells whether b is UTF-8, allowing a character cut at its end.
func validPrefix(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}

// binary tells a sample that is not text: a NUL, or more than one in a
// hundred characters a control character other than tab and line ends.
func binary(text []byte) bool {
	controls, n := 0, 0
	for _, c := range string(text) {
		n++
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			controls++
		}
	}
	return controls*100 > n
}

// detectComma picks the delimiter the first line has most of (outside
// quotes): comma, semicolon or tab; comma when it has none.
func detectComma(text []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(text) {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best, n := ',', counts[',']
	for _, c := range []rune{';', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

// utf16Reader decodes UTF-16 into UTF-8.
type utf16Reader struct {
	r    *bufio.Reader
	big  bool
	out  []byte
	high rune // a high surrogate waiting for its pair
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		var pair [2]byte
		if _, err := io.ReadFull(u.r, pair[:]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			if u.high != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.high = 0
				break
			}
			return 0, err
		}
		c := rune(pair[0]) | rune(pair[1])<<8
		if u.big {
			c = rune(pair[1]) | rune(pair[0])<<8
		}
		switch {
		case u.high != 0 && utf16.IsSurrogate(c) && c >= 0xDC00:
			u.out = utf8.AppendRune(u.out, utf16.DecodeRune(u.high, c))
			u.high = 0
		case c >= 0xD800 && c < 0xDC00:
			if u.high != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
			}
			u.high = c
		default:
			if u.high != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.high = 0
			}
			if utf16.IsSurrogate(c) {
				c = utf8.RuneError
			}
			u.out = utf8.AppendRune(u.out, c)
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func decodeUTF16(b []byte, big bool) []byte {
	out, _ := io.ReadAll(&utf16Reader{r: bufio.NewReader(bytes.NewReader(b[:len(b)&^1])), big: big})
	return out
}

// cp1252 maps the bytes 0x80–0x9F of Windows-1252; the others are Latin-1.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// cp1252Reader decodes Windows-1252 into UTF-8.
type cp1252Reader struct {
	r   *bufio.Reader
	out []byte
}

func (c *cp1252Reader) Read(p []byte) (int, error) {
	if len(c.out) == 0 {
		var buf [4096]byte
		n, err := c.r.Read(buf[:])
		if n == 0 {
			return 0, err
		}
		c.out = append(c.out[:0], decode1252(buf[:n])...)
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func decode1252(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xA0:
			out = utf8.AppendRune(out, cp1252[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

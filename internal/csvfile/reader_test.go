package csvfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf16"
)

// readAll reads a whole file with opt.
func readAll(t *testing.T, b []byte, opt ReadOptions) (*Reader, [][]string, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), opt)
	if err != nil {
		return nil, nil, err
	}
	var recs [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r, recs, nil
		}
		if err != nil {
			return r, recs, err
		}
		recs = append(recs, append([]string(nil), rec...))
	}
}

func utf16File(s string, big bool) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte{0xFF, 0xFE}
	if big {
		b = []byte{0xFE, 0xFF}
	}
	for _, c := range u {
		if big {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return b
}

// TestReadEncodingsAndDelimiters reads the same content written in every
// encoding and with every delimiter, with CRLF or LF, and a quoted cell with
// a line break inside.
func TestReadEncodingsAndDelimiters(t *testing.T) {
	want := [][]string{{"Müller Straße", "1.234,56", "Zoë\nline two"}, {"Café €", "12", "x"}}
	for _, comma := range []string{",", ";", "\t"} {
		for _, eol := range []string{"\r\n", "\n"} {
			text := "title" + comma + "value" + comma + "scope" + eol +
				`Müller Straße` + comma + `"1.234,56"` + comma + "\"Zoë\nline two\"" + eol +
				"Café €" + comma + "12" + comma + "x" + eol
			latin := bytes.ReplaceAll([]byte(text), []byte("ü"), []byte{0xFC})
			latin = bytes.ReplaceAll(latin, []byte("ß"), []byte{0xDF})
			latin = bytes.ReplaceAll(latin, []byte("ë"), []byte{0xEB})
			latin = bytes.ReplaceAll(latin, []byte("é"), []byte{0xE9})
			latin = bytes.ReplaceAll(latin, []byte("€"), []byte{0x80})
			for name, c := range map[string]struct {
				file []byte
				enc  string
			}{
				"utf-8":        {[]byte(text), EncodingUTF8},
				"utf-8 BOM":    {append([]byte("\uFEFF"), text...), EncodingUTF8},
				"utf-16le":     {utf16File(text, false), EncodingUTF16LE},
				"utf-16be":     {utf16File(text, true), EncodingUTF16BE},
				"windows-1252": {latin, EncodingWindows1252},
			} {
				r, recs, err := readAll(t, c.file, ReadOptions{})
				if err != nil {
					t.Fatalf("%s %q %q: %v", name, comma, eol, err)
				}
				if r.Encoding != c.enc || string(r.Comma) != comma {
					t.Errorf("%s %q: detected %s %q", name, comma, r.Encoding, r.Comma)
				}
				if strings.Join(r.Header, "|") != "title|value|scope" {
					t.Errorf("%s %q: header %q", name, comma, r.Header)
				}
				if len(recs) != 2 {
					t.Fatalf("%s %q: %d records", name, comma, len(recs))
				}
				for i := range want {
					for j := range want[i] {
						got := strings.ReplaceAll(recs[i][j], "\r\n", "\n")
						if got != want[i][j] {
							t.Errorf("%s %q %q: [%d][%d] = %q, want %q", name, comma, eol, i, j, got, want[i][j])
						}
					}
				}
			}
		}
	}
}

// TestReadChosenEncoding reads Latin-1 text as chosen, and a file chosen
// as UTF-8 that is not says so with its line.
func TestReadChosenEncoding(t *testing.T) {
	file := []byte("title\nRoof\nM\xfcller\n")
	_, recs, err := readAll(t, file, ReadOptions{Encoding: EncodingWindows1252})
	if err != nil || recs[1][0] != "Müller" {
		t.Fatalf("%v %q", err, recs)
	}
	_, _, err = readAll(t, file, ReadOptions{Encoding: EncodingUTF8})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Msg() != "import.file.not_utf8|3" {
		t.Fatalf("chosen utf-8: %v", err)
	}
	// A semicolon chosen over the detected comma.
	r, recs, err := readAll(t, []byte("a;b,c\n1;2,3\n"), ReadOptions{Comma: ';'})
	if err != nil || len(r.Header) != 2 || recs[0][1] != "2,3" {
		t.Fatalf("%v %q %q", err, r.Header, recs)
	}
}

// TestReadUnescapesOwnCells reads back what the writer escaped, and tells
// formulas that were not escaped.
func TestReadUnescapesOwnCells(t *testing.T) {
	var buf bytes.Buffer
	w, _ := newWriter(&buf)
	_ = w.write([]string{"a", "b", "c", "d"})
	_ = w.write([]string{"=1+1", "-2.50", "+49 30", "@x"})
	_ = w.flush()
	r, recs, err := readAll(t, append(buf.Bytes(), "=SUM(A1),-5,+49 1,+cmd|x\r\n"...), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], "|") != "=1+1|-2.50|+49 30|@x" {
		t.Errorf("own cells: %q", recs[0])
	}
	for i, want := range []bool{true, false, false, true} {
		if got := IsFormula(recs[1][i]); got != want {
			t.Errorf("IsFormula(%q) = %v", recs[1][i], got)
		}
	}
	_ = r
}

// TestReadBadFiles: each bad file of the issue gets its message, where.
func TestReadBadFiles(t *testing.T) {
	file := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	wide := strings.Repeat("c,", 9999) + "c\n" + strings.Repeat("1,", 9999) + "1\n"
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i*i*31)
	}
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"broken quote": {file("broken_quote.csv"), "import.file.quote|2|3|9"},
		"ragged row":   {file("ragged.csv"), "import.file.ragged|3|2|3"},
		"header only":  {file("header_only.csv"), "import.file.no_rows"},
		"empty":        {nil, "import.file.empty"},
		"blank":        {[]byte("\r\n\r\n"), "import.file.empty"},
		"10000 cols":   {[]byte(wide), "import.file.too_many_columns|10000|1000"},
		"1 MB cell":    {[]byte("title,scope\nRoof,\"" + strings.Repeat("x", 1<<20) + "\"\n"), "import.file.cell_too_long|2|6|65536"},
		"binary":       {garbage, "import.file.binary"},
		"nul":          {[]byte("title\x00,x\n"), "import.file.binary"},
		"bom inside":   {file("bom_inside.csv"), "import.file.bom_inside|3|1"},
		"blank header": {[]byte("title,,value\n1,2,3\n"), "import.file.header_blank|2"},
		"same header":  {[]byte("title,Title\n1,2\n"), "import.file.header_repeats|2"},
	} {
		_, _, err := readAll(t, c.file, ReadOptions{})
		var fe *FileError
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Msg(), c.want) {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	// A formula cell reads, and is told: the importer refuses it by row and column.
	r, recs, err := readAll(t, file("formula.csv"), ReadOptions{})
	if err != nil || len(recs) != 2 || !IsFormula(recs[1][0]) || r.Line() != 3 {
		t.Errorf("formula: %v %q", err, recs)
	}
}

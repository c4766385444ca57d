package csvfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{
		"": 0, "0": 0, "12": 1200, "1,234.56": 123456, "1.234,56": 123456, "$1,234": 123400, "1234.5": 123450,
		"1 234,56": 123456, "1\u00a0234,56 €": 123456, "EUR 12.00": 1200, "1234.5 EUR": 123450, "€1.234.567,89": 123456789,
		"1,234": 123400, "1.234": 123400, "12,5": 1250, "0.05": 5, "-2.50": -250, "(250.00)": -25000, "1'234.50": 123450,
		"12.345": 1234500, "12.3456": 1235, "12.3449": 1234, "USD 5": 500, "5 USD": 500, ".5": 50, "+7": 700, "1,234,567": 123456700, "US$ 99.99": 9999,
	} {
		got, msg := ParseAmount(in)
		if msg != "" || got != want {
			t.Errorf("ParseAmount(%q) = %d, %q; want %d", in, got, msg, want)
		}
	}
	for _, in := range []string{"abc", "1,2,3", "12.34.56,7,8", "1-2", "--5", ",", ".", "1.2.3", "12,34,5", "5 apples ok", "1e5",
		"12/3", "99999999999999", "12x", "5 ab"} {
		if got, msg := ParseAmount(in); msg == "" {
			t.Errorf("ParseAmount(%q) = %d, accepted", in, got)
		}
	}
}

func TestParseDay(t *testing.T) {
	want := crm.Date{Y: 2026, M: 3, D: 4}
	for in, order := range map[string]DateOrder{
		"2026-03-04": MonthFirst, "2026/03/04": MonthFirst, "04.03.2026": MonthFirst, "4.3.2026": "", "03/04/2026": MonthFirst,
		"3/4/2026": "", "04/03/2026": DayFirst, "4 Mar 2026": "", "Mar 4, 2026": "", "March 4, 2026": "", "04-Mar-2026": "",
		"2026-03-04T23:30:00-08:00": "", "2026-03-04 10:00": "", "20260304": "", "3/4/26": "",
	} {
		got, msg := ParseDay(in, order)
		if msg != "" || got != want {
			t.Errorf("ParseDay(%q, %q) = %v, %q", in, order, got, msg)
		}
	}
	// A first number over 12 is the day, whatever the order.
	if got, _ := ParseDay("25/12/2026", MonthFirst); got != (crm.Date{Y: 2026, M: 12, D: 25}) {
		t.Errorf("25/12/2026 = %v", got)
	}
	for _, in := range []string{"2026-02-30", "tomorrow", "13/13/2026", "2026-13-01", "0000-01-01", "12"} {
		if got, msg := ParseDay(in, MonthFirst); msg == "" {
			t.Errorf("ParseDay(%q) = %v, accepted", in, got)
		}
	}
}

func TestParseInstant(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 9, 30, 0, 0, berlin)
	for in, want := range map[string]time.Time{
		"2026-03-04T09:30:00+01:00": at, "2026-03-04T08:30:00Z": at, "2026-03-04 09:30": at, "2026-03-04 09:30:00": at,
		"2026-03-04T09:30": at, "03/04/2026 9:30 AM": at, "04.03.2026 09:30": at, "3/4/2026 09:30": at,
		"2026-03-04 08:30:00 UTC": at, "Mar 4, 2026 9:30 AM": at, "2026-03-04 09:30:00.000": at,
		"2026-03-04": time.Date(2026, 3, 4, 0, 0, 0, 0, berlin), "2026-03-04 08:30:00+00:00": at,
	} {
		got, msg := ParseInstant(in, berlin, MonthFirst)
		if msg != "" || !got.Equal(want) {
			t.Errorf("ParseInstant(%q) = %v, %q; want %v", in, got, msg, want)
		}
	}
	for _, in := range []string{"2026-03-04 25:00", "soon", "2026-03-04T09:30:00+25:00", "9:30"} {
		if got, msg := ParseInstant(in, berlin, MonthFirst); msg == "" {
			t.Errorf("ParseInstant(%q) = %v, accepted", in, got)
		}
	}
}

// The fuzz targets: nothing panics, and what is accepted is sane.

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1,234.56", "1.234,56", "$1,234", "(5)", "-0", "1'000", "€ 9,99", "99999999999999.999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, msg := ParseAmount(s)
		if msg == "" && (cents > crm.MaxMoneyCents || cents < -crm.MaxMoneyCents) {
			t.Fatalf("%q = %d: out of range", s, cents)
		}
		if msg != "" && cents != 0 {
			t.Fatalf("%q: refused with %d", s, cents)
		}
	})
}

func FuzzParseDates(f *testing.F) {
	for _, s := range []string{"2026-03-04", "03/04/2026 9:30 AM", "4.3.26", "Mar 4, 2026", "2026-03-04T09:30:00+01:00", "0001-01-01"} {
		f.Add(s)
	}
	loc := time.FixedZone("UTC+5:30", 5*3600+1800)
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []DateOrder{MonthFirst, DayFirst} {
			if d, msg := ParseDay(s, o); msg == "" && strings.TrimSpace(s) != "" && (d.Y < 1900 || d.Y > 9999 || d.M < 1 || d.M > 12 || d.D < 1 || d.D > 31) {
				t.Fatalf("ParseDay(%q) = %v", s, d)
			}
			if at, msg := ParseInstant(s, loc, o); msg == "" && strings.TrimSpace(s) != "" && at.IsZero() {
				t.Fatalf("ParseInstant(%q) accepted a zero time", s)
			}
		}
	})
}

// FuzzReader reads any bytes: a header and records of its width, or a
// *FileError; never a panic, never a record of another width.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b\r\n\"x\ny\";2\r\n", "\uFEFFa\tb\n1\t2\n", "a,b\n\"1,2\n", "\xff\xfea\x00,\x00b\x00\n\x00",
		"a,b\n1\n", "a\n\uFEFF1\n", "a,b\n'=1,-2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), ReadOptions{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("not a FileError: %v", err)
			}
			return
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("not a FileError: %v", err)
				}
				return
			}
			if len(rec) != len(r.Header) {
				t.Fatalf("record of %d fields, header of %d", len(rec), len(r.Header))
			}
		}
	})
}

package web

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/number"
)

func TestCatalogsAreComplete(t *testing.T) {
	cat := Catalog()
	en, zh := cat["en"], cat["zh-Hans"]
	if len(en) == 0 || len(zh) == 0 {
		t.Fatalf("empty catalog: en %d keys, zh-Hans %d keys", len(en), len(zh))
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-Hans lacks %q", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k, v := range en {
		if strings.Count(v, "%") != strings.Count(zh[k], "%") {
			t.Errorf("%q: en and zh-Hans take different arguments: %q vs %q", k, v, zh[k])
		}
	}
}

// A literal percent sign is written "%%": a lone one is read as a verb and
// shows as "%!)(NOVERB)" or "%!,(MISSING)" on the page.
func TestCatalogPercentSigns(t *testing.T) {
	for lang, msgs := range Catalog() {
		for k, v := range msgs {
			s := strings.ReplaceAll(v, "%%", "")
			for i := strings.IndexByte(s, '%'); i >= 0; i = strings.IndexByte(s, '%') {
				if i+1 >= len(s) || !strings.ContainsRune("dsvq", rune(s[i+1])) {
					t.Errorf("%s %q: a lone %% in %q; write %%%% for a percent sign", lang, k, v)
					break
				}
				s = s[i+2:]
			}
		}
	}
}

// Every literal key passed to T in the code must exist in the catalog.
func TestEveryUsedKeyExists(t *testing.T) {
	en := Catalog()["en"]
	// Literal keys passed to T, and any string literal in a namespace the catalog uses.
	spaces := map[string]bool{}
	for k := range en {
		spaces[k[:strings.IndexByte(k+".", '.')]] = true
	}
	names := make([]string, 0, len(spaces))
	for s := range spaces {
		names = append(names, regexp.QuoteMeta(s))
	}
	re := regexp.MustCompile(`\bTN?\(ctx, "([a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	reKey := regexp.MustCompile(`"((?:` + strings.Join(names, "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	root := ".."
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && (info.Name() == ".git" || info.Name() == "node_modules" || info.Name() == ".data") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".templ") && !(strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_templ.go") && !strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range append(re.FindAllSubmatch(b, -1), reKey.FindAllSubmatch(b, -1)...) {
			if _, ok := en[string(m[1])]; !ok {
				t.Errorf("%s uses key %q, missing from the catalog", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLocaleFormats(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	en := NewLocale("", "en-US,en;q=0.9", "USD", ny)
	zh := NewLocale("", "zh-CN,zh;q=0.9", "CNY", time.UTC)
	if got := en.Money(123456789); got != "$1,234,567.89" {
		t.Errorf("en money = %q", got)
	}
	if got := zh.Money(123456789); !strings.Contains(got, "1,234,567.89") || !strings.ContainsAny(got, "¥￥") {
		t.Errorf("zh money = %q", got)
	}
	if got := en.T("nav.sales"); got != "Sales screen" {
		t.Errorf("en nav.sales = %q", got)
	}
	if got := zh.T("nav.sales"); got != "销售看板" {
		t.Errorf("zh nav.sales = %q", got)
	}
	// 02:30 UTC on March 1 is still February 28 in New York.
	ts := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	if got := en.Date(ts); got != "Feb 28, 2026" {
		t.Errorf("en date = %q", got)
	}
	if got := zh.Date(ts); got != "2026年3月1日" {
		t.Errorf("zh date = %q", got)
	}
	if got := NewLocale("zh-Hans", "en", "EUR", nil).Lang(); got != "zh-Hans" {
		t.Errorf("user setting ignored: %q", got)
	}
	if got := NewLocale("", "fr-FR", "EUR", nil).Lang(); got != "en" {
		t.Errorf("unsupported language falls back to %q", got)
	}
	if got := en.T("signup.password_hint", 10); !strings.Contains(got, "10") {
		t.Errorf("argument not formatted: %q", got)
	}
}

// TestFastFormattingMatchesPrinter: the direct formatting of messages,
// numbers and money gives exactly what x/text's printer gives, for every
// message of every language.
func TestFastFormattingMatchesPrinter(t *testing.T) {
	ints := []int64{0, 7, -42, 999, 1000, 1234567, -9876543210}
	for _, tag := range Languages {
		l := NewLocale(tag.String(), "", "USD", time.UTC)
		fast := 0
		for key, text := range Catalog()[tag.String()] {
			m, ok := compileMessage(text)
			if !ok {
				continue
			}
			fast++
			for _, n := range ints {
				args := make([]any, len(m.verbs))
				for i, v := range m.verbs {
					if v == 's' {
						args[i] = fmt.Sprintf("Ada <%d> & 50%%", n)
					} else if i%2 == 0 {
						args[i] = int(n)
					} else {
						args[i] = n
					}
				}
				if got, want := l.T(key, args...), l.printer.Sprintf(key, args...); got != want {
					t.Errorf("%s %s: %q, printer %q", tag, key, got, want)
				}
			}
		}
		if fast == 0 {
			t.Errorf("%s: no message takes the direct path", tag)
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(tag.String()))))
		for i := range 20000 {
			n := rng.Int64N(1e11) >> rng.IntN(40)
			if i%2 == 1 {
				n = -n
			}
			if got, want := l.Number(n), l.printer.Sprint(number.Decimal(n)); got != want {
				t.Fatalf("%s number %d: %q, printer %q", tag, n, got, want)
			}
			if got, want := l.Money(n), printerMoney(l, n); got != want {
				t.Fatalf("%s money %d: %q, printer %q", tag, n, got, want)
			}
		}
	}
}

// printerMoney is Money written with x/text's number formatting.
func printerMoney(l *Locale, cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := l.printer.Sprint(number.Decimal(float64(cents)/100, number.Scale(2)))
	sym := l.printer.Sprint(currency.Symbol(l.currency))
	if r, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(r) {
		sym += "\u00a0"
	}
	s = sym + s
	if neg {
		s = "−" + s
	}
	return s
}

func BenchmarkSalesRowStrings(b *testing.B) {
	l := NewLocale("", "en", "USD", time.UTC)
	now := time.Now()
	for b.Loop() {
		_ = l.T("sales.age_days", 12)
		_ = l.T("sales.due", l.Date(now))
		_ = l.T("sales.log_of", "Rooftop PV – Novak")
		_ = l.Money(1234567)
		_ = l.T("sales.late")
	}
}

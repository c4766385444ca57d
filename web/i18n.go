package web

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"
)

// Catalogs: one folder per language, one JSON file per screen, each a flat
// object of message key → fmt-style text (x/text/message formats the
// arguments for the locale). Every language has every key (tested).
//
//go:embed locales
var localesFS embed.FS

// Languages lists the UI languages, the default first.
var Languages = []language.Tag{language.English, language.SimplifiedChinese}

var (
	messages = mustLoadCatalog()
	matcher  = language.NewMatcher(Languages)
)

// Catalog returns every language's keys and texts (for tests and tools).
func Catalog() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, tag := range Languages {
		out[tag.String()] = loadLanguage(tag)
	}
	return out
}

func loadLanguage(tag language.Tag) map[string]string {
	dir := path.Join("locales", tag.String())
	msgs := map[string]string{}
	files, err := fs.Glob(localesFS, dir+"/*.json")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := localesFS.ReadFile(f)
		if err != nil {
			panic(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("catalog %s: %v", f, err))
		}
		for k, v := range m {
			if _, dup := msgs[k]; dup {
				panic(fmt.Sprintf("catalog %s: key %q defined twice", f, k))
			}
			msgs[k] = v
		}
	}
	return msgs
}

func mustLoadCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, tag := range Languages {
		for k, v := range loadLanguage(tag) {
			if err := b.SetString(tag, k, v); err != nil {
				panic(err)
			}
		}
	}
	return b
}

// Locale is how one request speaks: language, number and money formats, the
// tenant's currency and time zone.
type Locale struct {
	Tag      language.Tag
	printer  *message.Printer
	currency currency.Unit
	hasCur   bool
	loc      *time.Location
}

// NewLocale picks the best UI language for the user's setting (if any), else
// the Accept-Language header, and binds the tenant's currency and time zone.
func NewLocale(userSetting, acceptLanguage, currencyCode string, tz *time.Location) *Locale {
	var tag language.Tag
	if userSetting != "" {
		tag, _ = language.MatchStrings(matcher, userSetting)
	} else {
		tag, _ = language.MatchStrings(matcher, acceptLanguage)
	}
	base := English
	for _, t := range Languages {
		if b, _ := tag.Base(); b == mustBase(t) {
			base = t
		}
	}
	if tz == nil {
		tz = time.UTC
	}
	l := &Locale{Tag: base, printer: message.NewPrinter(base, message.Catalog(messages)), loc: tz}
	if cur, err := currency.ParseISO(currencyCode); err == nil {
		l.currency, l.hasCur = cur, true
	}
	return l
}

// English is the default language.
var English = language.English

func mustBase(t language.Tag) language.Base { b, _ := t.Base(); return b }

// Lang is the BCP 47 tag for the html lang attribute.
func (l *Locale) Lang() string { return l.Tag.String() }

// T translates key, formatting args for the locale.
func (l *Locale) T(key string, args ...any) string { return l.printer.Sprintf(key, args...) }

// Money formats integer cents in the tenant currency ("$1,234.50", "US$1,234.50" in Chinese).
func (l *Locale) Money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := l.printer.Sprint(number.Decimal(float64(cents)/100, number.Scale(2)))
	if l.hasCur {
		sym := l.printer.Sprint(currency.Symbol(l.currency))
		if r, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(r) {
			sym += "\u00a0" // "CHF 12.00", but "$12.00"
		}
		s = sym + s
	}
	if neg {
		s = "−" + s
	}
	return s
}

// Number formats an integer with the locale's grouping.
func (l *Locale) Number(n int64) string { return l.printer.Sprint(number.Decimal(n)) }

// Percent formats a fraction in [0,1] as a whole percentage.
func (l *Locale) Percent(f float64) string {
	return l.printer.Sprint(number.Percent(f, number.MaxFractionDigits(0)))
}

var dateLayouts = map[string][2]string{
	"en":      {"Jan 2, 2006", "Jan 2, 2006 15:04"},
	"zh-Hans": {"2006年1月2日", "2006年1月2日 15:04"},
}

// Date formats t as a date in the tenant's time zone.
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.loc).Format(dateLayouts[l.Tag.String()][0])
}

// DateTime formats t as date and time in the tenant's time zone.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.loc).Format(dateLayouts[l.Tag.String()][1])
}

// Location is the tenant's time zone.
func (l *Locale) Location() *time.Location { return l.loc }

type localeKey struct{}

// WithLocale returns ctx carrying l for the components rendered with it.
func WithLocale(ctx context.Context, l *Locale) context.Context {
	return context.WithValue(ctx, localeKey{}, l)
}

// LocaleFrom returns the request's locale, English/UTC when none was set.
func LocaleFrom(ctx context.Context) *Locale {
	if l, ok := ctx.Value(localeKey{}).(*Locale); ok {
		return l
	}
	return NewLocale("", "", "", time.UTC)
}

// T translates key with the locale carried by ctx.
func T(ctx context.Context, key string, args ...any) string { return LocaleFrom(ctx).T(key, args...) }

// Keys returns the sorted keys of one language's catalog.
func Keys(lang string) []string {
	m := Catalog()[lang]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

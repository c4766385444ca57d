package web

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pipewell/pipewell/internal/crm"
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
	// compiled holds every language's messages split into text and verbs,
	// built once at start from the same files as messages and never
	// changed: the formatter of the common case (see Locale.T).
	compiled = compileCatalogs()
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
	symbol   string // the currency symbol, once Money needed it
	loc      *time.Location
	msgs     map[string]*compiledMessage // this language's messages
	dates    [2]string                   // date and date-time layouts
}

// NewLocale picks the best UI language for the user's setting (if any), else
// the Accept-Language header, and binds the tenant's currency and time zone.
func NewLocale(userSetting, acceptLanguage, currencyCode string, tz *time.Location) *Locale {
	pref := userSetting
	if pref == "" {
		pref = acceptLanguage
	}
	tag := matchLanguage(pref)
	base := English
	for _, t := range Languages {
		if b, _ := tag.Base(); b == mustBase(t) {
			base = t
		}
	}
	if tz == nil {
		tz = time.UTC
	}
	l := &Locale{Tag: base, printer: message.NewPrinter(base, message.Catalog(messages)), loc: tz,
		msgs: compiled[base.String()], dates: dateLayouts[base.String()]}
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

// T translates key, formatting args for the locale. Messages whose
// arguments are all strings and integers (nearly all) are formatted directly
// from the compiled catalog; x/text's printer, which gives the same text
// (tested) but costs a few microseconds a call, formats the rest. A page of
// the Sales screen translates hundreds of strings.
func (l *Locale) T(key string, args ...any) string {
	if m := l.msgs[key]; m != nil {
		if s, ok := m.format(args); ok {
			return s
		}
	}
	return l.printer.Sprintf(key, args...)
}

// Money formats integer cents in the tenant currency ("$1,234.50", "US$1,234.50" in Chinese).
func (l *Locale) Money(cents int64) string {
	return string(l.AppendMoney(make([]byte, 0, 32), cents))
}

// AppendMoney appends Money(cents) to b.
func (l *Locale) AppendMoney(b []byte, cents int64) []byte {
	neg := cents < 0
	if neg {
		cents = -cents
		b = append(b, "−"...)
	}
	// Both languages group by thousands with "," and write "." before the
	// cents, as x/text's number.Decimal does for them (tested).
	if l.hasCur {
		if l.symbol == "" {
			l.symbol = currencySymbol(l.Tag, l.currency, l.printer)
		}
		b = append(b, l.symbol...)
	}
	b = appendGrouped(b, uint64(cents/100))
	return append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10))
}

// Number formats an integer with the locale's grouping.
func (l *Locale) Number(n int64) string { return string(appendInt(nil, n)) }

// appendInt writes n grouped by thousands ("-1,234,567"), as x/text does for
// English and Chinese.
func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		return appendGrouped(b, uint64(-n))
	}
	return appendGrouped(b, uint64(n))
}

func appendGrouped(b []byte, n uint64) []byte {
	var digits [24]byte
	s := strconv.AppendUint(digits[:0], n, 10)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return b
}

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
	return t.In(l.loc).Format(l.dates[0])
}

// AppendDate appends Date(t) to b.
func (l *Locale) AppendDate(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return t.In(l.loc).AppendFormat(b, l.dates[0])
}

// Day formats a calendar date (an expected close, a defer-until day, a due
// date): the date it is, in no time zone.
func (l *Locale) Day(d crm.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(l.dates[0])
}

// AppendDay appends Day(d) to b.
func (l *Locale) AppendDay(b []byte, d crm.Date) []byte {
	if d.IsZero() {
		return b
	}
	return d.Time().AppendFormat(b, l.dates[0])
}

// DateTime formats t as date and time in the tenant's time zone.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.loc).Format(l.dates[1])
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

// Message translates a field or form message: a catalog key, or a key with
// the numbers it states as crm.Msg writes them ("error.too_long_max|200").
func Message(ctx context.Context, m string) string {
	key, rest, ok := strings.Cut(m, "|")
	if !ok {
		return T(ctx, m)
	}
	var args []any
	for _, a := range strings.Split(rest, "|") {
		n, err := strconv.Atoi(a)
		if err != nil {
			return T(ctx, key)
		}
		args = append(args, n)
	}
	return T(ctx, key, args...)
}

// N translates a message about n things, n its first argument: the
// catalog's key+".one" when n is 1 and the language has it (English), else
// key. So "1 open subtask", "2 open subtasks"; Chinese has one form.
func (l *Locale) N(key string, n int64, args ...any) string {
	if n == 1 {
		if _, ok := l.msgs[key+".one"]; ok {
			key += ".one"
		}
	}
	return l.T(key, append([]any{n}, args...)...)
}

// TN is N with the locale of ctx.
func TN(ctx context.Context, key string, n int64, args ...any) string {
	return LocaleFrom(ctx).N(key, n, args...)
}

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

// compiledMessage is a catalog message cut at its verbs: text[0] verb[0]
// text[1] ... text[n]. Catalogs use only %s and %d.
type compiledMessage struct {
	text  []string
	verbs []byte // 's' or 'd'
	size  int    // bytes of text
}

// compileCatalogs compiles every language's messages; a message with any
// other verb is left to the printer.
func compileCatalogs() map[string]map[string]*compiledMessage {
	out := map[string]map[string]*compiledMessage{}
	for _, tag := range Languages {
		msgs := map[string]*compiledMessage{}
		for k, v := range loadLanguage(tag) {
			if m, ok := compileMessage(v); ok {
				msgs[k] = m
			}
		}
		out[tag.String()] = msgs
	}
	return out
}

func compileMessage(s string) (*compiledMessage, bool) {
	m := &compiledMessage{}
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			m.text = append(m.text, s)
			m.size += len(s)
			return m, true
		}
		if i+1 >= len(s) || (s[i+1] != 's' && s[i+1] != 'd') {
			return nil, false
		}
		m.text = append(m.text, s[:i])
		m.size += len(s[:i])
		m.verbs = append(m.verbs, s[i+1])
		s = s[i+2:]
	}
}

// format fills the verbs with args: strings for %s, integers (grouped by
// thousands) for %d. It reports false for anything else, which the printer
// then formats.
func (m *compiledMessage) format(args []any) (string, bool) {
	if len(args) != len(m.verbs) {
		return "", false
	}
	if len(args) == 0 {
		return m.text[0], true
	}
	b := make([]byte, 0, m.size+16*len(args))
	for i, a := range args {
		b = append(b, m.text[i]...)
		switch v := a.(type) {
		case string:
			if m.verbs[i] != 's' {
				return "", false
			}
			b = append(b, v...)
		case int:
			if m.verbs[i] != 'd' {
				return "", false
			}
			b = appendInt(b, int64(v))
		case int64:
			if m.verbs[i] != 'd' {
				return "", false
			}
			b = appendInt(b, v)
		default:
			return "", false
		}
	}
	b = append(b, m.text[len(args)]...)
	return string(b), true
}

// appendHTML appends the message key with its one argument, HTML-escaped:
// arg is a string for %s or, when num is true, an integer for %d. Messages
// the compiled catalog cannot format go through T.
func (l *Locale) appendHTML(b []byte, key string, arg string, n int64, num bool) []byte {
	m := l.msgs[key]
	if m == nil || len(m.verbs) != 1 || (m.verbs[0] == 'd') != num {
		if num {
			return appendEscaped(b, l.T(key, n))
		}
		return appendEscaped(b, l.T(key, arg))
	}
	b = appendEscaped(b, m.text[0])
	if num {
		b = appendInt(b, n)
	} else {
		b = appendEscaped(b, arg)
	}
	return appendEscaped(b, m.text[1])
}

// symbols caches currency symbols by language and currency: x/text's
// printer takes microseconds to find one, and a page shows many amounts.
var symbols sync.Map // symbolKey → string

type symbolKey struct {
	lang string
	cur  currency.Unit
}

func currencySymbol(tag language.Tag, cur currency.Unit, p *message.Printer) string {
	k := symbolKey{tag.String(), cur}
	if s, ok := symbols.Load(k); ok {
		return s.(string)
	}
	sym := p.Sprint(currency.Symbol(cur))
	if r, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(r) {
		sym += "\u00a0" // "CHF 12.00", but "$12.00"
	}
	symbols.Store(k, sym)
	return sym
}

// matched caches matchLanguage's answers: x/text's matcher parses the
// Accept-Language header anew on every request. The header is the client's,
// so at most 1,000 short values are kept.
var (
	matched      sync.Map // string → language.Tag
	matchedCount atomic.Int32
)

func matchLanguage(pref string) language.Tag {
	if t, ok := matched.Load(pref); ok {
		return t.(language.Tag)
	}
	tag, _ := language.MatchStrings(matcher, pref)
	if len(pref) <= 200 && matchedCount.Add(1) <= 1000 {
		matched.Store(pref, tag)
	}
	return tag
}

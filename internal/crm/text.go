package crm

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of user-typed text, in characters. They are stated on the
// forms and enforced here and by CHECK constraints in the schema.
const (
	MaxName     = 200  // names of people, companies, projects
	MaxEmail    = 254  // RFC 5321
	MaxPassword = 256  // long enough for any passphrase, short enough to hash cheaply
	MinPassword = 10   // NIST SP 800-63B asks for at least 8
	MaxLongText = 5000 // notes, scope
)

// Validation message keys (translated by the UI catalog).
const (
	MsgRequired     = "error.required"
	MsgTooLong      = "error.too_long"
	MsgTooLongMax   = "error.too_long_max"  // with the limit: Msg(MsgTooLongMax, max)
	MsgRangeBetween = "error.range_between" // with the bounds: Msg(MsgRangeBetween, min, max)
	MsgInvalidText  = "error.invalid_text"
	MsgInvalidEmail = "error.invalid_email"
	MsgShortPass    = "error.password_short"
	MsgEmailTaken   = "error.email_taken"
	MsgBadLogin     = "error.bad_login"
)

// CleanLine trims a single-line input and reports whether it is valid UTF-8
// without control characters.
func CleanLine(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s, false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return s, false
		}
	}
	return s, true
}

// CleanText trims a multi-line input; newlines and tabs are allowed, other
// control characters are not.
func CleanText(s string) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return s, false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return s, false
		}
	}
	return s, true
}

// CheckLine validates a required or optional single-line field of at most max
// characters and returns the cleaned value.
func (v *Validator) CheckLine(field, value string, required bool, max int) string {
	s, ok := CleanLine(value)
	switch {
	case !ok:
		v.Add(field, MsgInvalidText)
	case required && s == "":
		v.Add(field, MsgRequired)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, Msg(MsgTooLongMax, max))
	}
	return s
}

// CheckText is CheckLine for multi-line text.
func (v *Validator) CheckText(field, value string, required bool, max int) string {
	s, ok := CleanText(value)
	switch {
	case !ok:
		v.Add(field, MsgInvalidText)
	case required && s == "":
		v.Add(field, MsgRequired)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, Msg(MsgTooLongMax, max))
	}
	return s
}

// NormalizeEmail lower-cases and trims an address; ok is false when it is not
// a plain address (no display name, one @, a dot-free host is allowed only as
// "localhost"-style names are not: we require a dot in the domain).
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > MaxEmail || !utf8.ValidString(s) {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return s, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return s, false
	}
	return s, true
}

// CheckEmail validates a required e-mail field.
func (v *Validator) CheckEmail(field, value string) string {
	s, ok := NormalizeEmail(value)
	switch {
	case strings.TrimSpace(value) == "":
		v.Add(field, MsgRequired)
	case !ok:
		v.Add(field, MsgInvalidEmail)
	}
	return s
}

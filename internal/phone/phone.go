// Package phone compares phone numbers in one normalised form: the E.164
// form ("+15554810380") when the number can be read, a number without a
// country code read in the tenant's country (crm.Tenant.PhoneRegion). The
// normalised form is stored beside the number as typed (the phone_norm
// columns) and is what duplicate checks and phone searches look up.
package phone

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"github.com/pipewell/pipewell/internal/crm"
)

// Normal is raw's normalised form for region (an ISO 3166 code, ""
// when unknown): E.164 when the library reads it as a possible number,
// else its digits alone (so that two spellings of an unreadable number
// still match), and "" when it has fewer than three digits.
func Normal(raw, region string) string {
	digits := crm.PhoneDigits(raw)
	if len(digits) < 3 {
		return ""
	}
	if n, err := phonenumbers.Parse(raw, strings.ToUpper(region)); err == nil && phonenumbers.IsPossibleNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164)
	}
	return digits
}

// Prefix is what a phone search for the typed text looks for at the
// start of the normalised numbers: the typed digits read as the start of a
// number in region (with its country code when it has none), "" when the
// text is not a phone number being typed (letters, fewer than three digits).
func Prefix(text, region string) string {
	text = strings.TrimSpace(text)
	digits := crm.PhoneDigits(text)
	if len(digits) < 3 || strings.Trim(text, "0123456789+-()./ ") != "" {
		return ""
	}
	if strings.HasPrefix(text, "+") || strings.HasPrefix(text, "00") {
		return "+" + strings.TrimPrefix(digits, "00")
	}
	code := phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region))
	if code == 0 {
		return digits
	}
	// A national trunk prefix ("0" in most of Europe, "1" in the NANP)
	// is not part of the E.164 form.
	if prefix := phonenumbers.GetNddPrefixForRegion(strings.ToUpper(region), true); prefix != "" {
		digits = strings.TrimPrefix(digits, prefix)
	}
	return "+" + strconv.Itoa(code) + digits
}

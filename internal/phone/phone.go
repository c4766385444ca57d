// Package phone compares phone numbers in one normalised form: the E.164
// form ("+15554810380") when the number can be read, a number without a
// country code read in the tenant's country (crm.Tenant.PhoneRegion). The
// normalised form is stored beside the number as typed (the phone_norm
// columns) and is what duplicate checks and phone searches look up.
package phone

import (
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

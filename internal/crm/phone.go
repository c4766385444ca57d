package crm

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers are compared in one normalised form (NormalPhone): the
// E.164 form ("+15554810380") when the number can be read, a number
// without a country code read in the tenant's country (Tenant.PhoneRegion).
// The normalised form is stored beside the number as typed (the
// phone_norm columns) and is what duplicate checks and phone searches
// look up.

// NormalPhone is raw's normalised form for region (an ISO 3166 code, ""
// when unknown): E.164 when the library reads it as a possible number,
// else its digits alone (so that two spellings of an unreadable number
// still match), and "" when it has fewer than three digits.
func NormalPhone(raw, region string) string {
	digits := PhoneDigits(raw)
	if len(digits) < 3 {
		return ""
	}
	if n, err := phonenumbers.Parse(raw, strings.ToUpper(region)); err == nil && phonenumbers.IsPossibleNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164)
	}
	return digits
}

// PhonePrefix is what a phone search for the typed text looks for at the
// start of the normalised numbers: the typed digits read as the start of a
// number in region (with its country code when it has none), "" when the
// text is not a phone number being typed (letters, fewer than three digits).
func PhonePrefix(text, region string) string {
	text = strings.TrimSpace(text)
	digits := PhoneDigits(text)
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

//go:embed zones.tab
var zonesTab string

var zoneCountry = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(zonesTab, "\n") {
		if country, zone, ok := strings.Cut(line, "\t"); ok {
			m[zone] = country
		}
	}
	return m
})

// CountryForZone is the country of an IANA time zone ("America/Chicago":
// "US"), from the time zone database's zone.tab (public domain), "" for a
// zone of no one country ("UTC", "Etc/GMT+5").
func CountryForZone(zone string) string { return zoneCountry()[zone] }

// Countries are the region codes phone numbers can be read in, sorted.
var Countries = sync.OnceValue(func() []string {
	var out []string
	for r := range phonenumbers.GetSupportedRegions() {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
})

// ValidCountry reports whether code is one of Countries.
func ValidCountry(code string) bool {
	return phonenumbers.GetSupportedRegions()[code]
}

// PhoneRegion is the country phone numbers without a country code are
// read in: the tenant's Country, else the country of its time zone, else
// none ("").
func (t Tenant) PhoneRegion() string {
	if t.Country != "" {
		return t.Country
	}
	return CountryForZone(t.TimeZone)
}

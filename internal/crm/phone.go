package crm

import (
	_ "embed"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Phone numbers are compared in one normalised form (package phone): a
// number without a country code is read in the tenant's country
// (Tenant.PhoneRegion), a country of the time zone database's zone.tab.

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

// Countries are the ISO 3166 codes of the countries that have a time zone
// of their own in zone.tab, sorted: those a tenant may choose.
var Countries = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range zoneCountry() {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
})

// ValidCountry reports whether code is one of Countries.
func ValidCountry(code string) bool {
	_, ok := slices.BinarySearch(Countries(), code)
	return ok
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

package crm

import "time"

// TenantID identifies a tenant (one company). It is typed so that it cannot be
// confused with any other ID when the tenant is bound to a transaction.
type TenantID int64

// Tenant is one company and its settings.
type Tenant struct {
	ID       TenantID
	Name     string
	Currency string // ISO 4217
	TimeZone string // IANA
	// Country (ISO 3166 alpha-2, "" unset) is where phone numbers without
	// a country code are from; unset, the time zone's (PhoneRegion).
	Country              string
	StagnantDays         int
	LearnedProbabilities bool
	LearnedAt            time.Time // when its probabilities were last learned; zero: never
	CreatedAt            time.Time
	// Loc is TimeZone loaded, set by whoever read the tenant (loading a zone
	// reads its file); Location falls back to loading it.
	Loc *time.Location
}

// Location returns the tenant's time zone, UTC when the stored name is
// unknown: the one source of the zone every date and deadline uses.
func (t Tenant) Location() *time.Location {
	if t.Loc != nil {
		return t.Loc
	}
	return LoadZone(t.TimeZone)
}

// LoadZone loads the IANA zone name, UTC when it is unknown.
func LoadZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

package crm

import "time"

// TenantID identifies a tenant (one company). It is typed so that it cannot be
// confused with any other ID when the tenant is bound to a transaction.
type TenantID int64

// Tenant is one company and its settings.
type Tenant struct {
	ID                   TenantID
	Name                 string
	Currency             string // ISO 4217
	TimeZone             string // IANA
	StagnantDays         int
	LearnedProbabilities bool
	CreatedAt            time.Time
}

// Location returns the tenant's time zone, UTC when the stored name is unknown.
func (t Tenant) Location() *time.Location {
	if loc, err := time.LoadLocation(t.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

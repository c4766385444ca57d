package crm

import "time"

// UserID identifies a user within a tenant.
type UserID int64

// Role decides what a user may see and do.
type Role string

// The three roles of PRODUCT.md.
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleSales   Role = "sales"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleSales}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleManager || r == RoleSales
}

// AtLeast reports whether r has at least the rights of min
// (admin > manager > sales).
func (r Role) AtLeast(min Role) bool {
	rank := map[Role]int{RoleSales: 1, RoleManager: 2, RoleAdmin: 3}
	return rank[r] >= rank[min] && rank[r] > 0
}

// User is a person who logs in to a tenant.
type User struct {
	TenantID  TenantID
	ID        UserID
	Email     string
	Name      string
	Role      Role
	Active    bool
	Locale    string // "" = from the browser
	CreatedAt time.Time
}

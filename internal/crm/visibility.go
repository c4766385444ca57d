package crm

// Viewer is who is looking: the identity every visibility decision takes.
type Viewer struct {
	TenantID TenantID
	UserID   UserID
	Role     Role
}

// ProjectAccess is what visibility needs to know about one project.
type ProjectAccess struct {
	OwnerID      UserID
	Members      []UserID // team members
	WorkgroupID  int64    // 0 = none
	ManagedGroup bool     // the viewer manages the project's workgroup
	TenantHasWG  bool     // the tenant has at least one workgroup
}

// CanSee is the visibility rule of PRODUCT.md, the same one internal/postgres
// expresses as SQL: admins see every project; managers see the projects of the
// workgroups they manage, or every project when the tenant has no workgroups;
// salespeople see projects they own or are a team member of.
func (v Viewer) CanSee(p ProjectAccess) bool {
	switch v.Role {
	case RoleAdmin:
		return true
	case RoleManager:
		return !p.TenantHasWG || p.ManagedGroup || p.OwnerID == v.UserID || contains(p.Members, v.UserID)
	case RoleSales:
		return p.OwnerID == v.UserID || contains(p.Members, v.UserID)
	}
	return false
}

func contains(ids []UserID, id UserID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

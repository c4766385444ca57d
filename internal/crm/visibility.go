package crm

// Viewer is who is looking: the identity every visibility decision takes.
type Viewer struct {
	TenantID TenantID
	UserID   UserID
	Role     Role
}

// ProjectAccess is what visibility needs to know about one project.
type ProjectAccess struct {
	OwnerID UserID
	Members []UserID // team members
	// OwnerInManagedGroup: the owner is a member of a workgroup the viewer manages.
	OwnerInManagedGroup bool
	// TenantHasWorkgroups: the tenant has at least one workgroup.
	TenantHasWorkgroups bool
}

// CanSee is the visibility rule of PRODUCT.md, the same one internal/postgres
// expresses as SQL (Scope): admins see every project; managers see the
// projects of the workgroups they manage (a project belongs to its owner's
// workgroups), or every project when the tenant has no workgroups; salespeople
// see projects they own or are a team member of. Everyone sees their own and
// those they are a team member of.
func (v Viewer) CanSee(p ProjectAccess) bool {
	own := p.OwnerID == v.UserID || contains(p.Members, v.UserID)
	switch v.Role {
	case RoleAdmin:
		return true
	case RoleManager:
		return own || !p.TenantHasWorkgroups || p.OwnerInManagedGroup
	case RoleSales:
		return own
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

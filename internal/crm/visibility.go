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

// CustomerAccess is what visibility needs to know about one account or
// contact: who created it and the projects that link to it (an account's
// projects are those of which it is the account, a contact's those of which
// it is the contact).
type CustomerAccess struct {
	CreatedBy UserID // 0: not known (seeded, imported, or older than the column)
	Projects  []ProjectAccess
	// AccountVisible: for a contact, whether the viewer can see its account
	// (CanSeeAccount); unused for an account.
	AccountVisible bool
	// TenantHasWorkgroups: the tenant has at least one workgroup.
	TenantHasWorkgroups bool
}

// CanSeeAccount is the rule of PRODUCT.md that customer records follow
// project visibility, for accounts; internal/postgres expresses it as SQL
// (Scope.AccountWhere). Whoever sees every project (admins; managers when
// the tenant has no workgroups) sees every account. Otherwise an account is
// visible when the viewer can see a project that links to it, and an
// account no project links to yet is visible to the user who created it.
// Once a project links to an account, the project decides: its creator no
// longer sees it by having created it, as the rep a lead is handed to does.
func (v Viewer) CanSeeAccount(a CustomerAccess) bool {
	if !v.Role.Valid() {
		return false
	}
	if v.seesEveryProject(a.TenantHasWorkgroups) {
		return true
	}
	if len(a.Projects) > 0 {
		return v.canSeeAny(a.Projects)
	}
	return a.CreatedBy != 0 && a.CreatedBy == v.UserID
}

// CanSeeContact is the same rule for contacts (Scope.ContactWhere in SQL):
// a contact is visible when the viewer can see a project of which it is
// the contact; a contact no project links to is visible when its account is
// visible or the viewer created it. A contact whose projects the viewer
// cannot see stays hidden on an account they can see: it is another rep's
// customer.
func (v Viewer) CanSeeContact(c CustomerAccess) bool {
	if !v.Role.Valid() {
		return false
	}
	if v.seesEveryProject(c.TenantHasWorkgroups) {
		return true
	}
	if len(c.Projects) > 0 {
		return v.canSeeAny(c.Projects)
	}
	return c.AccountVisible || c.CreatedBy != 0 && c.CreatedBy == v.UserID
}

// seesEveryProject: admins, and managers of a tenant without workgroups,
// see every project (CanSee), so every customer record too.
func (v Viewer) seesEveryProject(tenantHasWorkgroups bool) bool {
	return v.Role == RoleAdmin || v.Role == RoleManager && !tenantHasWorkgroups
}

func (v Viewer) canSeeAny(ps []ProjectAccess) bool {
	for _, p := range ps {
		if v.CanSee(p) {
			return true
		}
	}
	return false
}

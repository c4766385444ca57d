package crm

import "testing"

func TestCanSee(t *testing.T) {
	me := UserID(1)
	other := UserID(2)
	cases := []struct {
		name string
		role Role
		p    ProjectAccess
		want bool
	}{
		{"admin sees all", RoleAdmin, ProjectAccess{OwnerID: other, TenantHasWorkgroups: true}, true},
		{"sales own", RoleSales, ProjectAccess{OwnerID: me}, true},
		{"sales team member", RoleSales, ProjectAccess{OwnerID: other, Members: []UserID{3, me}}, true},
		{"sales other rep", RoleSales, ProjectAccess{OwnerID: other}, false},
		{"sales other rep, no workgroups", RoleSales, ProjectAccess{OwnerID: other, TenantHasWorkgroups: false}, false},
		{"manager, no workgroups", RoleManager, ProjectAccess{OwnerID: other}, true},
		{"manager, managed group", RoleManager, ProjectAccess{OwnerID: other, TenantHasWorkgroups: true, OwnerInManagedGroup: true}, true},
		{"manager, other group", RoleManager, ProjectAccess{OwnerID: other, TenantHasWorkgroups: true}, false},
		{"manager, own project", RoleManager, ProjectAccess{OwnerID: me, TenantHasWorkgroups: true}, true},
		{"unknown role", Role("guest"), ProjectAccess{OwnerID: me}, false},
	}
	for _, tc := range cases {
		if got := (Viewer{UserID: me, Role: tc.role}).CanSee(tc.p); got != tc.want {
			t.Errorf("%s: CanSee = %v, want %v", tc.name, got, tc.want)
		}
	}
}

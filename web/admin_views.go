package web

import (
	"context"
	"sort"
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/pipewell/pipewell/internal/crm"
)

// AdminTab is one entry of the administration sub-navigation.
type AdminTab struct {
	Key  string // catalog key and active marker
	Href string
}

// AdminTabs lists the administration screens in order.
var AdminTabs = []AdminTab{
	{"admin.tab.milestones", "/admin/milestones"},
	{"admin.tab.statuses", "/admin/lists/statuses"},
	{"admin.tab.reasons", "/admin/lists/reasons"},
	{"admin.tab.sources", "/admin/lists/sources"},
	{"admin.tab.users", "/admin/users"},
	{"admin.tab.workgroups", "/admin/workgroups"},
	{"admin.tab.quotas", "/admin/quotas"},
	{"admin.tab.settings", "/admin/settings"},
	{"admin.tab.audit", "/admin/audit"},
	{"admin.tab.import", "/admin/import"},
}

// AdminPage is what every administration page shares.
type AdminPage struct {
	Page
	Tab string // the active AdminTab key
}

// Tabs are the administration screens the viewer may open: all for an
// admin, import and export for a manager.
func (p AdminPage) Tabs() []AdminTab {
	if p.User == nil || p.User.Role == crm.RoleAdmin {
		return AdminTabs
	}
	return []AdminTab{{"admin.tab.import", "/admin/import"}}
}

// MilestoneRow is a milestone definition with how much it is used.
type MilestoneRow struct {
	crm.MilestoneDef
	crm.MilestoneUse
}

// MilestonesView is the list of milestone definitions with the add form.
type MilestonesView struct {
	AdminPage
	Milestones []MilestoneRow
	Form       Form // the add form
	ListError  string
	Preview    *MilestonePreview      // what adding the milestone would change, to confirm
	Deactivate *MilestoneDeactivation // what deactivating one would change, to confirm
}

// MilestoneDeactivation is what deactivating a milestone changes, shown
// before it is done: the open projects pending on it move on to Next (""
// when none follows), and Completions of it stop counting. First: it is the
// process's first active milestone, so Next's deadline then counts from
// each project's creation (NextFromPrevious: it counted from this one).
type MilestoneDeactivation struct {
	ID                      crm.MilestoneID
	Name, Next              string
	Pending, Completions    int
	First, NextFromPrevious bool
}

// MilestonePreview is what adding a milestone to a live process does to
// the open projects: Pending have completed every milestone before it,
// Past of them a later one too (they skip it unless it applies to all).
type MilestonePreview struct {
	Name, After   string
	Pending, Past int64
}

// MilestoneEditView is the edit form of one milestone definition.
type MilestoneEditView struct {
	AdminPage
	Milestone MilestoneRow
	Form      Form
}

// PickListView is one pick list with its add and rename forms.
type PickListView struct {
	AdminPage
	List    crm.PickList
	Values  []crm.PickValue
	Form    Form  // the add form
	Rename  Form  // the rename form that failed, if any
	Editing int64 // the value whose rename failed
}

// UsersView is the user list with the invitation form.
type UsersView struct {
	AdminPage
	Users []crm.TeamUser
	Form  Form
}

// UserView is one user: role, status, links.
type UserView struct {
	AdminPage
	User crm.TeamUser
	Form Form
	// Link is a freshly made invitation or password-reset link, shown once
	// to copy; LinkKind says which; Mailed tells whether it was also sent.
	Link     string
	LinkKind string
	Mailed   bool
}

// WorkgroupsView lists the workgroups with the create form.
type WorkgroupsView struct {
	AdminPage
	Workgroups   []crm.Workgroup
	IdleManagers []string // active managers who manage no workgroup
	Form         Form
}

// WorkgroupView is one workgroup: rename, members and managers.
type WorkgroupView struct {
	AdminPage
	Workgroup crm.Workgroup
	Members   []crm.WorkgroupMember
	Users     []crm.TeamUser // candidates to add
	Form      Form           // rename
	AddForm   Form
}

// QuotasView is the quota grid of one year with commission rates.
type QuotasView struct {
	AdminPage
	Year  int
	Rows  []crm.QuotaRow
	Form  Form // cell values as typed: q_<user>_<month>, rate_<user>
	Saved bool
}

// QuotaCell is the form field name of a user's month (1–12).
func QuotaCell(user crm.UserID, month int) string {
	return "q_" + strconv.FormatInt(int64(user), 10) + "_" + strconv.Itoa(month)
}

// RateField is the form field name of a user's commission rate.
func RateField(user crm.UserID) string { return "rate_" + strconv.FormatInt(int64(user), 10) }

// SettingsView is the tenant settings form.
type SettingsView struct {
	AdminPage
	Form Form
}

// AuditView is the audit page with its filters.
type AuditView struct {
	AdminPage
	Entries  []crm.AuditEntry
	Entities []string
	Users    []crm.TeamUser
	Filter   Form   // entity, user, from, to as typed
	Next     string // query string of the next page, "" on the last
}

// MyAccountView is My account.
type MyAccountView struct {
	Page
	Email        string
	Form         Form // name, locale
	PasswordForm Form
}

// TokenView is the page an invitation or password-reset link opens.
type TokenView struct {
	Page
	Kind  string // "invitation" or "password_reset"
	Email string
	Form  Form
}

// ID formats an ID for a URL or a form value.
func ID[T ~int64](id T) string { return strconv.FormatInt(int64(id), 10) }

// UseCount writes a count of what uses a milestone or list value, counted
// to crm.UseCountCap+1: above the cap it says "more than" the cap.
func UseCount(ctx context.Context, n int) string {
	l := LocaleFrom(ctx)
	if n > crm.UseCountCap {
		return l.T("admin.count.more", l.Number(crm.UseCountCap))
	}
	return l.Number(int64(n))
}

// countryOptions are the countries phone numbers can be read in, by their
// names in the viewer's language.
func countryOptions(ctx context.Context) []Option {
	names := display.Regions(LocaleFrom(ctx).Tag)
	out := make([]Option, 0, len(crm.Countries()))
	for _, c := range crm.Countries() {
		label := c
		if r, err := language.ParseRegion(c); err == nil {
			if n := names.Name(r); n != "" {
				label = n + " (" + c + ")"
			}
		}
		out = append(out, Option{Value: c, Label: label})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

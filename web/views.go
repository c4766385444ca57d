// Package web renders Pipewell's pages: templ components, one view struct per
// page, the translation catalogs and the embedded static files. It renders what
// it is given and does no I/O.
package web

import "github.com/pipewell/pipewell/internal/crm"

// Page is what every page's layout needs.
type Page struct {
	Title     string // a catalog key
	Nav       string // the active navigation item
	User      *Viewer
	Flash     string // a catalog key, shown once
	RequestID string
	// SkipTo is where the skip link leads ("#main" when empty): the list
	// itself on the Sales screen.
	SkipTo string
	// SearchQuery is what the header's search box shows.
	SearchQuery string
}

// Skip is the skip link's target.
func (p Page) Skip() string {
	if p.SkipTo != "" {
		return p.SkipTo
	}
	return "#main"
}

// Viewer is the signed-in user as the layout shows them.
type Viewer struct {
	Name    string
	Email   string
	Role    crm.Role
	Company string
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Key  string // catalog key and active marker
	Href string
}

// Nav returns the navigation for the viewer's role.
func (p Page) NavItems() []NavItem {
	if p.User == nil {
		return nil
	}
	items := []NavItem{{Key: "nav.sales", Href: "/"}, {Key: "nav.myday", Href: "/my-day"}, {Key: "nav.pipeline", Href: "/pipeline"},
		{Key: "nav.reports", Href: "/reports"}, {Key: "nav.accounts", Href: "/accounts"}}
	switch p.User.Role {
	case crm.RoleAdmin:
		items = append(items, NavItem{Key: "nav.admin", Href: "/admin"})
	case crm.RoleManager:
		items = append(items, NavItem{Key: "nav.import", Href: "/admin/import"})
	}
	items = append(items, NavItem{Key: "nav.account", Href: "/account"})
	return items
}

// Form is a form's values as typed and its per-field messages (catalog keys).
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Prefix makes element IDs unique when a page repeats a form (one per
	// milestone): the field "note" gets the ID Prefix+"note".
	Prefix string
}

// ID is the element ID of a field.
func (f Form) ID(name string) string { return f.Prefix + name }

// Value returns the typed value of a field.
func (f Form) Value(name string) string { return f.Values[name] }

// Error returns the message key for a field, "" when it is valid.
func (f Form) Error(name string) string { return f.Errors[name] }

// AuthView is the log-in and sign-up page.
type AuthView struct {
	Page
	Form
}

// ForgotView is the "forgot your password" page; Sent once asked.
type ForgotView struct {
	AuthView
	Sent bool
}

// ErrorView is an error page (404, 422, 500...).
type ErrorView struct {
	Page
	Status  int
	Message string // a catalog key
}

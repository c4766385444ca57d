package web

import (
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
)

// SearchView is the header search's results page.
type SearchView struct {
	Page
	Query, Notice string // Notice: a catalog key saying why nothing was searched
	Searched      bool
	Projects      []SearchProjects // one group per Sales screen view
	Accounts      []SearchHit
	MoreAccounts  bool
	AccountsURL   string
	Contacts      []SearchHit
	// AccountsTooSlow, ContactsTooSlow: they could not be searched in time.
	AccountsTooSlow, ContactsTooSlow bool
}

// SearchProjects is one view's matching projects: the newest few, the count
// (AtLeast: a lower bound) and the link to all of them on the Sales screen.
type SearchProjects struct {
	View    crm.State
	Total   int64
	AtLeast bool
	Rows    []SearchHit
	AllURL  string
}

// SearchHit is one found record: its page, its name and a line about it.
type SearchHit struct {
	URL, Title, Detail string
}

// AccountURL is an account's page.
func AccountURL(id int64) string { return "/accounts/" + strconv.FormatInt(id, 10) }

// ContactURL is a contact's page.
func ContactURL(id int64) string { return "/contacts/" + strconv.FormatInt(id, 10) }

package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// searchLimit is how many projects of each view, accounts and contacts the
// header's search shows; each group links to all of its matches.
const searchLimit = 5

// handleSearch answers the header's search box: the projects (per view),
// accounts and contacts the viewer can see whose text contains the query,
// each group with a link to the full list.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := web.SearchView{Page: s.page(r, "search.title", ""), Query: q}
	v.Page.SearchQuery = q
	text, check := searchText(q)
	switch {
	case q == "":
	case check == searchBad:
		v.Notice = "search.bad"
	case check == searchShort:
		v.Notice = "search.short"
	default:
		res, err := s.db.GlobalSearch(ctx, viewer(ctx), text, moment(), searchLimit)
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		v.Searched = true
		for _, st := range postgres.SearchViews {
			page := res.Projects[st]
			g := web.SearchProjects{View: st, Total: page.Total, AtLeast: page.AtLeast || page.MoreThan,
				AllURL: "/?view=" + string(st) + "&q=" + url.QueryEscape(q)}
			for _, p := range page.Rows {
				g.Rows = append(g.Rows, web.SearchHit{URL: web.ProjectURL(p.ID), Title: p.Title, Detail: p.Customer + " · " + p.OwnerName})
			}
			v.Projects = append(v.Projects, g)
		}
		v.AccountsTooSlow = res.CustomersTooSlow
		for i, a := range res.Accounts {
			if i == searchLimit {
				v.MoreAccounts = true
				break
			}
			v.Accounts = append(v.Accounts, web.SearchHit{URL: web.AccountURL(a.ID), Title: a.Name, Detail: strings.Trim(a.Email+" · "+a.Phone, " ·")})
		}
		v.AccountsURL = "/accounts?q=" + url.QueryEscape(q)
		v.ContactsTooSlow = res.CustomersTooSlow
		for _, c := range res.Contacts {
			v.Contacts = append(v.Contacts, web.SearchHit{URL: web.ContactURL(c.ID), Title: c.Name, Detail: strings.Trim(c.AccountName+" · "+c.Email+" · "+c.Phone, " ·")})
		}
	}
	s.render(w, r, http.StatusOK, web.SearchPage(v))
}

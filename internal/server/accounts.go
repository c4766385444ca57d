package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	rows, err := s.db.Accounts(r.Context(), viewer(r.Context()), q, 200)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.AccountsView{Page: s.page(r, "accounts.title", "nav.accounts"), Query: q}
	for _, a := range rows {
		v.Rows = append(v.Rows, web.AccountRow{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, Contacts: a.Contacts})
	}
	s.render(w, r, http.StatusOK, web.AccountsPage(v))
}

func links(ps []postgres.ProjectRow) []web.ProjectLink {
	out := make([]web.ProjectLink, 0, len(ps))
	for _, p := range ps {
		out = append(out, web.ProjectLink(p))
	}
	return out
}

func (s *Server) handleNewAccountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.AccountPage(web.AccountView{Page: s.page(r, "accounts.new", "nav.accounts")}))
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderAccount(w, r, id, http.StatusOK, nil, nil, web.Form{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, id int64, status int, values, errs map[string]string, contact web.Form) {
	page, err := s.db.Account(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	a := page.Account
	if values == nil {
		values = map[string]string{"name": a.Name, "email": a.Email, "phone": a.Phone, "address": a.Address}
	}
	v := web.AccountView{Page: s.page(r, "accounts.title", "nav.accounts"), Form: web.Form{Values: values, Errors: errs},
		Account: a, Contacts: page.Contacts, Projects: links(page.Projects), Contact: contact}
	s.render(w, r, status, web.AccountPage(v))
}

// handleSaveAccount creates (POST /accounts/new) or updates an account.
func (s *Server) handleSaveAccount(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, _ := urlID(r, "id")
	if r.URL.Path != "/accounts/new" && id == 0 {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	in := crm.Account{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"),
		Address: r.PostFormValue("address")}
	values := keep(r, "name", "email", "phone", "address")
	saved, err := s.db.SaveAccount(r.Context(), a, id, func(old crm.Account) (crm.AccountEdit, error) {
		return crm.DecideAccount(old, in, a.Viewer.UserID)
	})
	s.finish(w, r, err, "/accounts/"+itoa(saved), "accounts.saved", func(errs map[string]string) {
		if id == 0 {
			s.render(w, r, http.StatusUnprocessableEntity, web.AccountPage(web.AccountView{Page: s.page(r, "accounts.new", "nav.accounts"),
				Form: web.Form{Values: values, Errors: errs}}))
			return
		}
		s.renderAccount(w, r, id, http.StatusUnprocessableEntity, values, errs, web.Form{})
	})
}

func (s *Server) handleAddContact(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	a := actor(r)
	in := crm.Contact{Name: r.PostFormValue("contact_name"), Email: r.PostFormValue("contact_email"),
		Phone: r.PostFormValue("contact_phone")}
	_, err := s.db.AddContact(r.Context(), a, id, func(old crm.Contact) (crm.ContactEdit, error) {
		return crm.DecideContact(old, in, "contact_", a.Viewer.UserID)
	})
	s.finish(w, r, err, "/accounts/"+itoa(id), "", func(errs map[string]string) {
		s.renderAccount(w, r, id, http.StatusUnprocessableEntity, nil, nil,
			web.Form{Values: keep(r, "contact_name", "contact_email", "contact_phone"), Errors: errs})
	})
}

func (s *Server) handleContact(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderContact(w, r, id, http.StatusOK, nil, nil)
}

func (s *Server) renderContact(w http.ResponseWriter, r *http.Request, id int64, status int, values, errs map[string]string) {
	page, err := s.db.Contact(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	c := page.Contact
	if values == nil {
		values = map[string]string{"name": c.Name, "email": c.Email, "phone": c.Phone}
	}
	s.render(w, r, status, web.ContactPage(web.ContactView{Page: s.page(r, "contacts.title", "nav.accounts"),
		Form: web.Form{Values: values, Errors: errs}, Contact: c, Account: page.Account, Projects: links(page.Projects)}))
}

func (s *Server) handleSaveContact(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	a := actor(r)
	in := crm.Contact{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone")}
	err := s.db.SaveContact(r.Context(), a, id, func(old crm.Contact) (crm.ContactEdit, error) {
		return crm.DecideContact(old, in, "", a.Viewer.UserID)
	})
	s.finish(w, r, err, "/contacts/"+itoa(id), "accounts.saved", func(errs map[string]string) {
		s.renderContact(w, r, id, http.StatusUnprocessableEntity, keep(r, "name", "email", "phone"), errs)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

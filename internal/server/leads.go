package server

import (
	"errors"
	"net/http"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

var leadFields = []string{"title", "account_id", "account_name", "account_email", "account_phone", "account_address",
	"contact_id", "contact_name", "contact_email", "contact_phone", "source_id", "referrer", "scope", "value",
	"expected_close", "owner_id"}

func (s *Server) handleNewLeadPage(w http.ResponseWriter, r *http.Request) {
	values := map[string]string{"account_id": r.URL.Query().Get("account"), "contact_id": r.URL.Query().Get("contact")}
	s.renderLead(w, r, http.StatusOK, values, nil, nil)
}

func (s *Server) renderLead(w http.ResponseWriter, r *http.Request, status int, values, errs map[string]string, dups []crm.Duplicate) {
	ctx := r.Context()
	who := identity(ctx)
	names, _, err := s.db.PickLists(ctx, who.Tenant.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	accounts, err := s.db.Accounts(ctx, viewer(ctx), "", 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.LeadView{Page: s.page(r, "lead.title", ""), Form: web.Form{Values: values, Errors: errs},
		Sources: names.Sources, Users: names.Users, OwnerFixed: who.User.Role == crm.RoleSales}
	for _, a := range accounts {
		v.Accounts = append(v.Accounts, crm.Choice{ID: a.ID, Name: a.Name, Active: true})
	}
	if acc, ok := crm.ParseID(values["account_id"]); ok && acc != 0 {
		if page, err := s.db.Account(ctx, viewer(ctx), acc); err == nil {
			for _, c := range page.Contacts {
				v.Contacts = append(v.Contacts, crm.Choice{ID: c.ID, Name: c.Name, Active: true})
			}
		}
	}
	v.Duplicates = dups
	s.render(w, r, status, web.NewLeadPage(v))
}

// handleNewLead creates a lead. Existing account or contact IDs that are not
// the tenant's are 404; a contact e-mail or phone that exists already brings
// the form back with a warning and links until the user confirms.
func (s *Server) handleNewLead(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	a := actor(r)
	values := keep(r, leadFields...)
	in := crm.LeadForm{Title: r.PostFormValue("title"), AccountID: r.PostFormValue("account_id"),
		Account: crm.Account{Name: r.PostFormValue("account_name"), Email: r.PostFormValue("account_email"),
			Phone: r.PostFormValue("account_phone"), Address: r.PostFormValue("account_address")},
		ContactID: r.PostFormValue("contact_id"),
		Contact: crm.Contact{Name: r.PostFormValue("contact_name"), Email: r.PostFormValue("contact_email"),
			Phone: r.PostFormValue("contact_phone")},
		SourceID: r.PostFormValue("source_id"), Referrer: r.PostFormValue("referrer"), Scope: r.PostFormValue("scope"),
		Value: r.PostFormValue("value"), ExpectedClose: r.PostFormValue("expected_close"), OwnerID: r.PostFormValue("owner_id"),
		ConfirmDuplicate: r.PostFormValue("confirm_duplicate") == "1"}
	id, err := s.db.CreateLead(ctx, a.Viewer, in.Contact.Email, in.Contact.Phone,
		func(setup crm.Setup, dups []crm.Duplicate) (crm.Lead, crm.Change, error) {
			return crm.DecideLead(in, setup, dups, a)
		})
	var dup *crm.DuplicateError
	if errors.As(err, &dup) {
		s.renderLead(w, r, http.StatusUnprocessableEntity, values, map[string]string{"": "lead.duplicates_found"}, dup.Matches)
		return
	}
	s.finish(w, r, err, web.ProjectURL(id), "lead.created", func(errs map[string]string) {
		s.renderLead(w, r, http.StatusUnprocessableEntity, values, errs, nil)
	})
}

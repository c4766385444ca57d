package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

var leadFields = []string{"title", "account_id", "account_name", "account_email", "account_phone", "account_address",
	"contact_id", "contact_name", "contact_email", "contact_phone", "source_id", "referrer", "scope", "value",
	"expected_close", "owner_id", "customer_q"}

// pickerLimit is how many accounts, and how many contacts, the customer
// search shows at most.
const pickerLimit = 8

func (s *Server) handleNewLeadPage(w http.ResponseWriter, r *http.Request) {
	values := map[string]string{"account_id": r.URL.Query().Get("account"), "contact_id": r.URL.Query().Get("contact")}
	s.renderLead(w, r, http.StatusOK, values, nil, nil, false)
}

// renderLead renders the new-lead form with values: the chosen account
// (account_id) with its contacts, an account the viewer cannot see being
// crm.ErrNotFound; with search, what the customer search finds for
// customer_q.
func (s *Server) renderLead(w http.ResponseWriter, r *http.Request, status int, values, errs map[string]string, dups []crm.Duplicate, search bool) {
	ctx := r.Context()
	who := identity(ctx)
	names, _, err := s.db.PickLists(ctx, who.Tenant.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.LeadView{Page: s.page(r, "lead.title", ""), Form: web.Form{Values: values, Errors: errs},
		Sources: names.Sources, Users: names.Users, OwnerFixed: who.User.Role == crm.RoleSales}
	if acc, ok := crm.ParseID(values["account_id"]); ok && acc != 0 {
		page, err := s.db.Account(ctx, viewer(ctx), acc)
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		a := page.Account
		v.Account = &web.AccountRow{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, Address: a.Address, Contacts: len(page.Contacts)}
		for _, c := range page.Contacts {
			v.Contacts = append(v.Contacts, crm.Choice{ID: c.ID, Name: contactLabel(c), Active: true})
		}
	} else if search {
		if v.Picker, err = s.pickCustomers(r, values["customer_q"]); err != nil {
			s.serverError(w, r, err)
			return
		}
	} else {
		v.Picker.Query = values["customer_q"]
	}
	v.Duplicates = dups
	s.render(w, r, status, web.NewLeadPage(v))
}

// contactLabel tells an account's contacts apart in its contact list.
func contactLabel(c crm.Contact) string {
	label := c.Name
	for _, d := range []string{c.Email, c.Phone} {
		if d != "" {
			label += " · " + d
		}
	}
	return label
}

// pickCustomers is the customer search's view of what q finds.
func (s *Server) pickCustomers(r *http.Request, q string) (web.PickerView, error) {
	ctx := r.Context()
	out := web.PickerView{Query: q}
	res, err := s.db.PickCustomers(ctx, viewer(ctx), q, pickerLimit)
	if err != nil {
		return out, err
	}
	out.Searched, out.TooSlow = strings.TrimSpace(q) != "", res.TooSlow
	if len(res.Accounts) > pickerLimit || len(res.Contacts) > pickerLimit {
		out.More = true
	}
	for i, a := range res.Accounts {
		if i == pickerLimit {
			break
		}
		out.Accounts = append(out.Accounts, web.AccountRow{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, Address: a.Address, Contacts: a.Contacts})
	}
	for i, c := range res.Contacts {
		if i == pickerLimit {
			break
		}
		out.Contacts = append(out.Contacts, web.PickerContact{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, AccountName: c.AccountName})
	}
	return out, nil
}

// handleCustomerSearch answers the new-lead form's type-ahead: the
// accounts and contacts the viewer can see that match customer_q, as the
// fragment the form shows under its search box.
func (s *Server) handleCustomerSearch(w http.ResponseWriter, r *http.Request) {
	p, err := s.pickCustomers(r, r.URL.Query().Get("customer_q"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.PickerResults(p))
}

// handleNewLead creates a lead, or, for the customer picker's buttons,
// renders the form again with every typed field and the picker's step
// done: find (search customer_q), pick_account (choose an account, 0 for
// none), pick_contact (choose a contact and its account) and use_contact
// (the duplicate warning's "use this contact": the existing contact
// replaces the one typed). Existing account or contact IDs that are not
// the tenant's, or not the viewer's to see, are 404; a contact e-mail or
// phone that exists already brings the form back with a warning until the
// user confirms or uses the existing contact.
func (s *Server) handleNewLead(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	a := actor(r)
	values := keep(r, leadFields...)
	switch {
	case r.PostForm.Has("find"):
		// (With an account chosen there is nothing to search: Enter in a
		// field lands here and changes nothing.)
		s.renderLead(w, r, http.StatusOK, values, nil, nil, true)
		return
	case r.PostForm.Has("pick_account"):
		values["account_id"], values["contact_id"] = r.PostFormValue("pick_account"), ""
		s.renderLead(w, r, http.StatusOK, values, nil, nil, false)
		return
	case r.PostForm.Has("pick_contact"), r.PostForm.Has("use_contact"):
		use := r.PostForm.Has("use_contact")
		raw := r.PostFormValue("pick_contact")
		if use {
			raw = r.PostFormValue("use_contact")
		}
		id, ok := crm.ParseID(raw)
		if !ok || id == 0 {
			s.notFound(w, r)
			return
		}
		page, err := s.db.Contact(ctx, a.Viewer, id)
		if err == nil && !page.AccountVisible {
			err = crm.ErrNotFound // a lead cannot be on an account the viewer cannot see
		}
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		values["account_id"], values["contact_id"] = itoa(page.Account.ID), itoa(page.Contact.ID)
		if use {
			values["contact_name"], values["contact_email"], values["contact_phone"] = "", "", ""
		}
		s.renderLead(w, r, http.StatusOK, values, nil, nil, false)
		return
	}
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
		s.renderLead(w, r, http.StatusUnprocessableEntity, values, map[string]string{"": "lead.duplicates_found"}, dup.Matches, false)
		return
	}
	s.finish(w, r, err, web.ProjectURL(id), "lead.created", func(errs map[string]string) {
		s.renderLead(w, r, http.StatusUnprocessableEntity, values, errs, nil, false)
	})
}

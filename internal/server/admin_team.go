package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

func (s *Server) renderWorkgroups(w http.ResponseWriter, r *http.Request, status int, f web.Form) {
	gs, idle, err := s.db.Workgroups(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.WorkgroupsView{AdminPage: s.adminPage(r, "admin.workgroups.title", "admin.tab.workgroups"), Workgroups: gs,
		IdleManagers: idle, Form: f}
	s.render(w, r, status, web.WorkgroupsPage(v))
}

func (s *Server) handleAdminWorkgroups(w http.ResponseWriter, r *http.Request) {
	s.renderWorkgroups(w, r, http.StatusOK, web.Form{})
}

func (s *Server) handleAdminWorkgroupCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	var v crm.Validator
	name := v.CheckLine("name", r.PostFormValue("name"), true, crm.MaxName)
	err := v.Err()
	var id int64
	if err == nil {
		id, err = s.db.CreateWorkgroup(r.Context(), tenantOf(r), actorID(r), name)
	}
	s.finish(w, r, err, "/admin/workgroups/"+strconv.FormatInt(id, 10), "admin.workgroups.saved", func(errs map[string]string) {
		s.renderWorkgroups(w, r, http.StatusUnprocessableEntity, form(keep(r, "name"), errs))
	})
}

func (s *Server) renderWorkgroup(w http.ResponseWriter, r *http.Request, status int, id int64, f, add web.Form) {
	g, members, err := s.db.Workgroup(r.Context(), tenantOf(r), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	us, err := s.db.Users(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := map[crm.UserID]bool{}
	for _, m := range members {
		in[m.UserID] = true
	}
	var candidates []crm.TeamUser
	for _, u := range us {
		if u.Active && !in[u.ID] {
			candidates = append(candidates, u)
		}
	}
	if f.Values == nil {
		f.Values = map[string]string{"name": g.Name}
	}
	v := web.WorkgroupView{AdminPage: s.adminPage(r, "admin.workgroups.title", "admin.tab.workgroups"),
		Workgroup: g, Members: members, Users: candidates, Form: f, AddForm: add}
	s.render(w, r, status, web.WorkgroupPage(v))
}

func (s *Server) handleAdminWorkgroup(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderWorkgroup(w, r, http.StatusOK, id, web.Form{}, web.Form{})
}

func (s *Server) handleAdminWorkgroupRename(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	var v crm.Validator
	name := v.CheckLine("name", r.PostFormValue("name"), true, crm.MaxName)
	err := v.Err()
	if err == nil {
		err = s.db.RenameWorkgroup(r.Context(), tenantOf(r), actorID(r), id, name)
	}
	s.finish(w, r, err, "/admin/workgroups/"+strconv.FormatInt(id, 10), "admin.workgroups.saved", func(errs map[string]string) {
		s.renderWorkgroup(w, r, http.StatusUnprocessableEntity, id, form(keep(r, "name"), errs), web.Form{})
	})
}

// handleAdminWorkgroupDelete deletes an empty workgroup; one with members
// comes back with a message.
func (s *Server) handleAdminWorkgroupDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	err := s.db.DeleteWorkgroup(r.Context(), tenantOf(r), actorID(r), id)
	s.finish(w, r, err, "/admin/workgroups", "admin.workgroups.deleted", func(errs map[string]string) {
		s.renderWorkgroup(w, r, http.StatusUnprocessableEntity, id, web.Form{Errors: errs}, web.Form{})
	})
}

// handleAdminWorkgroupMember adds a member or changes whether they manage the group.
func (s *Server) handleAdminWorkgroupMember(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	user, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil || user <= 0 {
		s.renderWorkgroup(w, r, http.StatusUnprocessableEntity, id, web.Form{},
			form(keep(r, "manager"), map[string]string{"user_id": crm.MsgRequired}))
		return
	}
	err = s.db.SetMember(r.Context(), tenantOf(r), actorID(r), id, crm.UserID(user), r.PostFormValue("manager") == "1")
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.saved(w, r, "/admin/workgroups/"+strconv.FormatInt(id, 10), "admin.workgroups.saved")
}

func (s *Server) handleAdminWorkgroupRemove(w http.ResponseWriter, r *http.Request) {
	id, ok := urlID(r, "id")
	user, ok2 := urlID(r, "userID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if err := s.db.RemoveMember(r.Context(), tenantOf(r), actorID(r), id, crm.UserID(user)); err != nil {
		s.handleError(w, r, err)
		return
	}
	s.saved(w, r, "/admin/workgroups/"+strconv.FormatInt(id, 10), "admin.workgroups.saved")
}

// quotaYear reads ?year= (or the form's year); default: this year in the tenant's zone.
func quotaYear(r *http.Request, raw string) (int, bool) {
	if raw == "" {
		return time.Now().In(zone(r.Context())).Year(), true
	}
	y, err := strconv.Atoi(raw)
	return y, err == nil && y >= 2000 && y <= 2100
}

func (s *Server) renderQuotas(w http.ResponseWriter, r *http.Request, status int, year int, f *web.Form) {
	rows, err := s.db.Quotas(r.Context(), tenantOf(r), year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if f == nil {
		f = &web.Form{Values: map[string]string{}}
		for _, q := range rows {
			if q.CommissionBP != 0 {
				// No rate shows as an empty field (placeholder 0): a "0" typed
				// into turned 5 into 50 %.
				f.Values[web.RateField(q.User.ID)] = crm.FormatBP(q.CommissionBP)
			}
			for m := 1; m <= 12; m++ {
				if q.Set[m-1] {
					f.Values[web.QuotaCell(q.User.ID, m)] = crm.MoneyInput(q.Cents[m-1])
				}
			}
		}
	}
	v := web.QuotasView{AdminPage: s.adminPage(r, "admin.tab.quotas", "admin.tab.quotas"), Year: year, Rows: rows, Form: *f}
	s.render(w, r, status, web.QuotasPage(v))
}

func (s *Server) handleAdminQuotas(w http.ResponseWriter, r *http.Request) {
	year, ok := quotaYear(r, r.URL.Query().Get("year"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderQuotas(w, r, http.StatusOK, year, nil)
}

// handleAdminQuotasSave saves the whole grid of a year: every cell of every
// user shown; an empty cell clears that month's quota.
func (s *Server) handleAdminQuotasSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	year, ok := quotaYear(r, r.PostFormValue("year"))
	if !ok {
		s.badRequest(w, r)
		return
	}
	rows, err := s.db.Quotas(r.Context(), tenantOf(r), year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var v crm.Validator
	values := map[string]string{}
	changes := make([]postgres.QuotaChange, 0, len(rows))
	for _, q := range rows {
		c := postgres.QuotaChange{User: q.User.ID}
		rf := web.RateField(q.User.ID)
		values[rf] = r.PostFormValue(rf)
		if bp, ok := crm.ParsePercentBP(values[rf]); ok {
			c.CommissionBP = bp
		} else if values[rf] == "" {
			c.CommissionBP = 0
		} else {
			v.Add(rf, crm.MsgPercent)
		}
		for m := 1; m <= 12; m++ {
			name := web.QuotaCell(q.User.ID, m)
			values[name] = r.PostFormValue(name)
			if values[name] == "" {
				continue
			}
			cents, msg := crm.ParseMoney(values[name])
			if msg != "" {
				v.Add(name, crm.MsgMoney)
				continue
			}
			c.Cents[m-1] = &cents
		}
		changes = append(changes, c)
	}
	err = v.Err()
	if err == nil {
		err = s.db.SaveQuotas(r.Context(), tenantOf(r), actorID(r), year, changes)
	}
	s.finish(w, r, err, "/admin/quotas?year="+strconv.Itoa(year), "admin.quotas.saved", func(errs map[string]string) {
		f := form(values, errs)
		f.Errors[""] = "admin.error.grid"
		s.renderQuotas(w, r, http.StatusUnprocessableEntity, year, &f)
	})
}

package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// handleAdminAudit lists admin changes, newest first, 100 a page, filtered by
// what changed, who changed it and when (dates in the tenant's time zone).
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	loc := zone(r.Context())
	f := postgres.AuditFilter{Limit: 100}
	values := map[string]string{"entity": q.Get("entity"), "user": q.Get("user"), "from": q.Get("from"), "to": q.Get("to")}
	errs := map[string]string{}
	for _, e := range postgres.AuditEntities {
		if e == values["entity"] {
			f.Entity = e
		}
	}
	if id, err := strconv.ParseInt(values["user"], 10, 64); err == nil && id > 0 {
		f.UserID = crm.UserID(id)
	}
	if values["from"] != "" {
		d, err := time.ParseInLocation("2006-01-02", values["from"], loc)
		if err != nil {
			errs["from"] = "admin.error.date"
		}
		f.From = d
	}
	if values["to"] != "" {
		d, err := time.ParseInLocation("2006-01-02", values["to"], loc)
		if err != nil {
			errs["to"] = "admin.error.date"
		}
		f.To = d.AddDate(0, 0, 1)
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.Before = b
	}
	status := http.StatusOK
	var entries []crm.AuditEntry
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		var err error
		if entries, err = s.db.Audit(r.Context(), tenantOf(r), f); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	users, err := s.db.Users(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.AuditView{AdminPage: s.adminPage(r, "admin.audit.title", "admin.tab.audit"), Entries: entries,
		Entities: postgres.AuditEntities, Users: users, Filter: form(values, errs)}
	if len(entries) == f.Limit {
		next := url.Values{}
		for k, val := range values {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		v.Next = next.Encode()
	}
	s.render(w, r, status, web.AuditPage(v))
}

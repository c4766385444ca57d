package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// Administration is for admins only (the access table says so for every
// /admin route). Managers organise their teams through admins: workgroup
// membership decides what a manager sees, so it is not theirs to change.

func (s *Server) adminPage(r *http.Request, title, tab string) web.AdminPage {
	return web.AdminPage{Page: s.page(r, title, "nav.admin"), Tab: tab}
}

// actorID is the signed-in user making an admin change (routes behind guard only).
func actorID(r *http.Request) crm.UserID { return identity(r.Context()).User.ID }

func tenantOf(r *http.Request) crm.TenantID { return identity(r.Context()).Tenant.ID }

// moveForm reads a move request: the path ID (404 when malformed) and the
// dir field, up = -1, down = +1 (400 otherwise). It has answered when ok is false.
func (s *Server) moveForm(w http.ResponseWriter, r *http.Request) (id int64, delta int, ok bool) {
	id, ok = s.idForm(w, r, "id")
	if !ok {
		return 0, 0, false
	}
	switch r.PostFormValue("dir") {
	case "up":
		return id, -1, true
	case "down":
		return id, 1, true
	}
	s.badRequest(w, r)
	return 0, 0, false
}

// activeForm reads an activate/deactivate request: the path ID (404 when
// malformed) and the active field, "1" or "0" (400 otherwise). It has
// answered when ok is false.
func (s *Server) activeForm(w http.ResponseWriter, r *http.Request) (id int64, active, ok bool) {
	id, ok = s.idForm(w, r, "id")
	if !ok {
		return 0, false, false
	}
	switch r.PostFormValue("active") {
	case "1":
		return id, true, true
	case "0":
		return id, false, true
	}
	s.badRequest(w, r)
	return 0, false, false
}

// parseOrder reads a new order as "order=3,1,2" (the drag script) or as
// repeated "id" fields.
func parseOrder(r *http.Request) ([]int64, bool) {
	raw := r.PostForm["id"]
	if o := r.PostFormValue("order"); o != "" {
		raw = splitComma(o)
	}
	if len(raw) == 0 || len(raw) > 1000 {
		return nil, false
	}
	out := make([]int64, len(raw))
	for i, s := range raw {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		out[i] = id
	}
	return out, true
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func checked(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func (s *Server) handleAdminHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/milestones", http.StatusSeeOther)
}

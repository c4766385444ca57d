package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// sessBulk carries a bulk action's summary to the page shown after it.
const sessBulk = "bulk_result"

// handleBulk applies a bulk action (assign owner, archive with reason, defer
// until) to the selected projects or to all matching the filters the form
// carries. Any selected project the manager may not see → 404 and nothing
// changes; a bad choice → the Sales screen again with the input and a
// message (422).
func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	query := r.PostFormValue("query")
	q, err := url.ParseQuery(query)
	if err != nil || len(query) > 4096 {
		s.badRequest(w, r)
		return
	}
	ac := actor(r)
	sq := parseSalesQuery(q, ac.Loc, ac.Now)
	t := postgres.BulkTarget{All: r.PostFormValue("all") == "1", Filter: sq.Filter}
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.badRequest(w, r)
			return
		}
		t.IDs = append(t.IDs, crm.ProjectID(id))
	}
	b := crm.BulkAction{Kind: r.PostFormValue("action")}
	var val crm.Validator
	switch b.Kind {
	case crm.BulkOwner:
		n, ok := crm.ParseID(r.PostFormValue("owner"))
		val.Check(ok && n > 0, "owner", crm.MsgBulkOwner)
		b.Owner = crm.UserID(n)
	case crm.BulkArchive:
		n, ok := crm.ParseID(r.PostFormValue("reason"))
		val.Check(ok && n > 0, "reason", crm.MsgBulkReason)
		b.Reason = n
	case crm.BulkDefer:
		d, ok := crm.ParseDate(r.PostFormValue("until"))
		val.Check(ok, "until", crm.MsgBulkUntil)
		b.Until = d
	}
	if !t.All && len(t.IDs) == 0 {
		val.Add("", crm.MsgBulkNone)
	}
	err = val.Err()
	var res postgres.BulkResult
	if err == nil {
		res, err = s.db.ChangeProjects(ctx, ac.Viewer, t, func(setup crm.Setup) error { return b.Check(setup, ac) },
			func(p crm.Project, setup crm.Setup) (crm.Change, error) { return crm.DecideBulk(p, b, setup, ac) })
	}
	if fe := formErrors(err); fe != nil {
		form := web.BulkForm{Form: form(keep(r, "action", "owner", "reason", "until"), fe)}
		v, verr := s.salesView(r, q, &form)
		if verr != nil {
			s.handleError(w, r, verr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.SalesPage(v))
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessBulk, fmt.Sprintf("%s|%d|%d", b.Kind, res.Changed, res.Skipped))
	http.Redirect(w, r, "/?"+sq.encode("view", string(sq.Filter.View)), http.StatusSeeOther)
}

// popBulkResult returns the summary of the bulk action just applied, if any.
func (s *Server) popBulkResult(r *http.Request) *web.BulkResult {
	v := s.sessions.PopString(r.Context(), sessBulk)
	parts := strings.Split(v, "|")
	if len(parts) != 3 {
		return nil
	}
	changed, _ := strconv.Atoi(parts[1])
	skipped, _ := strconv.Atoi(parts[2])
	return &web.BulkResult{Action: parts[0], Changed: changed, Skipped: skipped}
}

// handleRepLoad is the rep load panel for managers: open projects and late
// ones per salesperson they may see, each linking to the Sales screen
// filtered to that owner.
func (s *Server) handleRepLoad(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sq := parseSalesQuery(r.URL.Query(), zone(ctx), moment())
	v := web.RepLoadView{Page: s.page(r, "sales.load.title", "nav.sales"), Fragment: r.Header.Get("HX-Request") == "true"}
	loads, err := s.db.RepLoads(ctx, viewer(ctx), sq.Filter)
	for _, l := range loads {
		v.Reps = append(v.Reps, web.RepLoadRow{Name: l.Owner.Name, Open: l.Open, Late: l.Late,
			URL: "/?" + sq.encode("owner", strconv.FormatInt(l.Owner.ID, 10), "after", "")})
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.RepLoadPage(v))
}

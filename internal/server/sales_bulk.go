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
	b, err := crm.ParseBulk(crm.BulkForm{Action: r.PostFormValue("action"), Owner: r.PostFormValue("owner"),
		Reason: r.PostFormValue("reason"), Until: r.PostFormValue("until"), None: !t.All && len(t.IDs) == 0})
	var res postgres.BulkResult
	if err == nil {
		res, err = s.db.ChangeProjects(ctx, ac.Viewer, t, func(setup crm.Setup) error { return b.Check(setup, ac) },
			func(p crm.Project, setup crm.Setup) (crm.Change, error) { return crm.DecideBulk(p, b, setup, ac) })
	}
	if err == nil {
		s.sessions.Put(ctx, sessBulk, fmt.Sprintf("%s|%d|%d", b.Kind, res.Changed, res.Skipped))
	}
	s.finish(w, r, err, "/?"+sq.encode("view", string(sq.Filter.View)), "", func(errs map[string]string) {
		form := web.BulkForm{Form: form(keep(r, "action", "owner", "reason", "until"), errs)}
		v, err := s.salesView(r, q, &form)
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.SalesPage(v))
	})
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

package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// logView turns log entries into sentences: a catalog key per kind and
// field, with names looked up and money and dates formatted for the locale.
func (s *Server) logView(r *http.Request, id crm.ProjectID, entries []crm.LogEntry, more bool, defs []crm.MilestoneDef, n postgres.Names, f web.Form) web.LogView {
	ctx := r.Context()
	l := web.LocaleFrom(ctx)
	milestone := func(v string) string {
		x, _ := strconv.ParseInt(v, 10, 64)
		if d, ok := crm.FindDef(defs, crm.MilestoneID(x)); ok {
			return d.Name
		}
		return v
	}
	named := func(list []crm.Choice, v string) string {
		if v == "" {
			return "—"
		}
		x, _ := strconv.ParseInt(v, 10, 64)
		if name := nameOf(list, x); name != "" {
			return name
		}
		return v
	}
	value := func(field, v string) string {
		switch field {
		case "value":
			c, _ := strconv.ParseInt(v, 10, 64)
			return l.Money(c)
		case "expected_close", "defer_until":
			if d, ok := crm.ParseDate(v); ok {
				return l.Date(d.Time())
			}
		case "status":
			return named(n.Statuses, v)
		case "source":
			return named(n.Sources, v)
		case "archive_reason":
			return named(n.Reasons, v)
		case "owner", "member":
			return named(n.Users, v)
		case "forecast":
			if v != "" {
				return web.T(ctx, "forecast."+v)
			}
		case "state":
			return web.T(ctx, "state."+v)
		case "probability":
			if v != "" {
				return v + " %"
			}
		case "starts_at":
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return l.DateTime(t)
			}
		}
		if v == "" {
			return "—"
		}
		return v
	}
	lv := web.LogView{ProjectID: id, More: more, Form: f}
	for _, e := range entries {
		line := web.LogLine{At: e.At, User: e.UserName, Kind: string(e.Kind), Body: e.Body, Happened: e.HappenedAt}
		if line.User == "" {
			line.User = web.T(ctx, "log.system")
		}
		switch e.Kind {
		case crm.LogCreated:
			line.Key = "log.created"
		case crm.LogImported:
			line.Key, line.Args = "log.imported", []any{e.Body}
			if e.Field == "updated" {
				line.Key = "log.imported_update"
			}
			line.Body = ""
		case crm.LogNote:
			line.Key = "log.noted"
		case crm.LogMilestoneCompleted:
			happened := e.HappenedAt
			if happened.IsZero() { // entries loaded in bulk carry only their time
				happened = e.At
			}
			line.Key, line.Args = "log.milestone_completed", []any{milestone(e.NewValue), l.DateTime(happened)}
		case crm.LogMilestoneUndone:
			line.Key, line.Args = "log.milestone_undone", []any{milestone(e.OldValue)}
		case crm.LogStateChanged:
			line.Key, line.Args = "log.state_changed", []any{value("state", e.OldValue), value("state", e.NewValue)}
		case crm.LogOwnerChanged:
			line.Key, line.Args = "log.owner_changed", []any{value("owner", e.OldValue), value("owner", e.NewValue)}
		case crm.LogStatusChanged:
			line.Key, line.Args = "log.status_changed", []any{value("status", e.OldValue), value("status", e.NewValue)}
		case crm.LogTeam:
			if e.NewValue != "" {
				line.Key, line.Args = "log.member_added", []any{value("member", e.NewValue)}
			} else {
				line.Key, line.Args = "log.member_removed", []any{value("member", e.OldValue)}
			}
		case crm.LogEvent:
			switch e.Field {
			case "created":
				line.Key, line.Args = "log.event_created", []any{e.Body, l.DateTime(e.HappenedAt)}
			case "done":
				line.Key, line.Args = "log.event_done", []any{e.Body}
			case "reopened":
				line.Key, line.Args = "log.event_reopened", []any{e.Body}
			default:
				line.Key, line.Args = "log.event_changed", []any{e.Body, web.T(ctx, "logfield."+e.Field), value(e.Field, e.OldValue), value(e.Field, e.NewValue)}
			}
			line.Body = ""
		case crm.LogSubtask:
			switch e.Field {
			case "created":
				line.Key, line.Args = "log.subtask_created", []any{e.Body}
			case "done":
				line.Key, line.Args = "log.subtask_done", []any{e.Body}
			default:
				line.Key, line.Args = "log.subtask_reopened", []any{e.Body}
			}
			line.Body = ""
		case crm.LogCustomerChanged:
			key := "log.account_changed"
			if strings.HasPrefix(e.Field, "contact_") {
				key = "log.contact_changed"
			}
			line.Key, line.Args = key, []any{e.Body, web.T(ctx, "logfield."+e.Field), value(e.Field, e.OldValue), value(e.Field, e.NewValue)}
			line.Body = ""
		default: // field_changed
			line.Key, line.Args = "log.field_changed", []any{web.T(ctx, "logfield."+e.Field), value(e.Field, e.OldValue), value(e.Field, e.NewValue)}
		}
		lv.Lines = append(lv.Lines, line)
	}
	return lv
}

// handleLog is the project log; with HX-Request only the fragment (entries
// and the add-note form), as the Sales screen's log drawer loads it.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ret := r.URL.Query().Get("return")
	if !localPath(ret) {
		ret = "" // the note form does not carry a foreign target along (handleNote checks it again)
	}
	s.renderLog(w, r, crm.ProjectID(id), http.StatusOK, logState{}, ret, true)
}

// logState is what a re-rendered log shows besides the project: the note
// form as posted, or the drawer's status or qualify form (action) with its
// input and messages, what was just saved, a problem with the whole form.
type logState struct {
	note         web.Form
	action       string
	values, errs map[string]string
	saved        string
	problem      string
}

// renderLog writes the log page, or with HX-Request the log fragment, in the
// drawer's frame (title, close button, status and qualify) when drawer is set.
func (s *Server) renderLog(w http.ResponseWriter, r *http.Request, id crm.ProjectID, status int, st logState, ret string, drawer bool) {
	p, log, names, defs, err := s.db.ProjectLog(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	lv := s.logView(r, id, log, len(log) >= postgres.LogLimit, defs, names, st.note)
	lv.Return = ret
	if drawer || !isHX(r) {
		lv.Actions = s.logActions(r, p, defs, names, st)
	}
	if isHX(r) && drawer {
		s.render(w, r, status, web.LogDrawer(p.Title, lv))
		return
	}
	if isHX(r) {
		s.render(w, r, status, web.LogFragment(lv))
		return
	}
	s.render(w, r, status, web.LogPage(web.LogPageView{Page: s.page(r, "log.title", ""), Title: p.Title, Log: lv}))
}

// logActions are the drawer's status and qualify forms: the project's
// values, or what was posted with its messages.
func (s *Server) logActions(r *http.Request, p crm.Project, defs []crm.MilestoneDef, n postgres.Names, st logState) *web.LogActions {
	ctx := r.Context()
	loc, now := zone(ctx), moment()
	a := &web.LogActions{Version: p.Version, Statuses: n.Statuses, StatusID: p.StatusID,
		CanQualify: crm.Allowed(p, defs, viewer(ctx), now, loc).Qualify, Action: st.action, Saved: st.saved, Problem: st.problem}
	for _, d := range crm.Process(defs) {
		if d.Qualifying {
			a.Qualifying = d.Name
			break
		}
	}
	status := ""
	if p.StatusID != 0 {
		status = strconv.FormatInt(p.StatusID, 10)
	}
	a.Status = web.Form{Prefix: "log-", Values: map[string]string{"status_id": status}}
	a.Qualify = web.Form{Prefix: "log-", Values: map[string]string{"completed_at": now.In(loc).Format(crm.LocalTimeLayout)}}
	switch st.action {
	case "status":
		a.Status.Values, a.Status.Errors = st.values, st.errs
	case "qualify":
		a.Qualify.Values, a.Qualify.Errors = st.values, st.errs
	}
	return a
}

// handleNote adds a note. With HX-Request it answers with the log fragment;
// otherwise 303 to the local path in "return", else the workspace.
func (s *Server) handleNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	pid := crm.ProjectID(id)
	ret := r.PostFormValue("return")
	a, body := actor(r), r.PostFormValue("body")
	_, err := s.db.ChangeProject(r.Context(), a.Viewer, pid, func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideNote(p, body, a)
	})
	if err == nil && isHX(r) {
		s.renderLog(w, r, pid, http.StatusOK, logState{}, ret, false)
		return
	}
	s.finish(w, r, err, returnTo(ret, web.ProjectURL(pid)), "", func(errs map[string]string) {
		f := web.Form{Values: keep(r, "body"), Errors: errs}
		if isHX(r) {
			s.renderLog(w, r, pid, http.StatusUnprocessableEntity, logState{note: f}, ret, false)
			return
		}
		s.renderWorkspace(w, r, pid, http.StatusUnprocessableEntity, wsState{values: f.Values, errs: errs, action: "note"})
	})
}

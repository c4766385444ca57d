package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// actor is who acts, now, in the tenant's zone.
func actor(r *http.Request) crm.Actor {
	return crm.Actor{Viewer: viewer(r.Context()), Now: moment(), Loc: zone(r.Context())}
}

// wsState is what a re-rendered workspace shows besides the project: the
// posted form and its errors, which form they belong to, a conflict or the
// earlier-milestones question.
type wsState struct {
	values   map[string]string
	errs     map[string]string
	action   string
	conflict bool
	earlier  *crm.EarlierOpenError
	already  *crm.Completion // the milestone was completed before this form was sent
	target   crm.MilestoneID
}

func (s *Server) handleWorkspace(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderWorkspace(w, r, crm.ProjectID(id), http.StatusOK, wsState{})
}

func (s *Server) renderWorkspace(w http.ResponseWriter, r *http.Request, id crm.ProjectID, status int, st wsState) {
	ws, err := s.db.Workspace(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v, err := s.workspaceView(r, ws, st)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.WorkspacePage(v))
}

func nameOf(list []crm.Choice, id int64) string {
	for _, n := range list {
		if n.ID == id {
			return n.Name
		}
	}
	return ""
}

// engineFacts evaluates the project with the tenant's engine: its pending
// milestone, due date and late flags come from the one definition.
func engineFacts(t crm.Tenant, ws postgres.Workspace, now time.Time, loc *time.Location) (*pipeline.Engine, pipeline.Facts, []pipeline.LateItem, error) {
	e, err := pipeline.TenantEngine(t, loc, ws.Defs, now)
	if err != nil {
		return nil, pipeline.Facts{}, nil, err
	}
	var pp pipeline.Project
	pipeline.ProjectOf(&pp, &ws.Project, loc)
	return e, e.Facts(&pp), e.LateItems(&pp, nil), nil
}

func (s *Server) workspaceView(r *http.Request, ws postgres.Workspace, st wsState) (web.WorkspaceView, error) {
	ctx := r.Context()
	who := identity(ctx)
	loc := zone(ctx)
	now := time.Now()
	p := ws.Project
	n := ws.Names
	v := web.WorkspaceView{
		Page:    s.page(r, "project.title", ""),
		P:       p,
		State:   p.EffectiveState(now, loc),
		Account: ws.Account, Contact: ws.Contact,
		OwnerName:  nameOf(n.Users, int64(p.OwnerID)),
		StatusName: nameOf(n.Statuses, p.StatusID),
		ReasonName: nameOf(n.Reasons, p.ArchiveReasonID),
		Events:     ws.Events,
		Statuses:   n.Statuses,
		Sources:    n.Sources,
		Reasons:    n.Reasons,
		Users:      n.Users,
		NowLocal:   now.In(loc).Format(crm.LocalTimeLayout),
		Tomorrow:   crm.Today(now, loc).Time().AddDate(0, 0, 1).Format(crm.DateLayout),
		Action:     st.action,
		Conflict:   st.conflict,
		Viewer:     who.User.ID,
		Can:        crm.Allowed(p, ws.Defs, viewer(ctx), now, loc),
	}
	v.DeferPassed = p.State == crm.StateDeferred && v.State == crm.StateActive
	if c := st.already; c != nil {
		v.Already = &web.AlreadyDone{By: c.ByName, At: c.At, Note: st.values["note"]}
		if c.ByName == "" {
			v.Already.By = web.T(ctx, "project.someone")
		}
		for _, d := range ws.Defs {
			if d.ID == c.MilestoneID {
				v.Already.Milestone = d.Name
			}
		}
	}
	for _, c := range crm.ForecastCategories {
		v.Forecasts = append(v.Forecasts, web.Option{Value: string(c), Label: web.T(ctx, "forecast."+string(c))})
	}
	for _, m := range p.Members {
		v.Members = append(v.Members, crm.Choice{ID: int64(m), Name: nameOf(n.Users, int64(m)), Active: true})
	}
	e, f, late, err := engineFacts(who.Tenant, ws, now, loc)
	if err != nil {
		return v, err
	}
	v.Late = f.Late
	v.LateDays = map[string]int{}
	for _, li := range late {
		switch li.Kind {
		case pipeline.LateMilestoneDue:
			v.LateDays["milestone"] = li.DaysLate
		case pipeline.LateSubtask:
			v.LateDays["subtask-"+strconv.FormatInt(li.ID, 10)] = li.DaysLate
		case pipeline.LateEvent:
			v.LateDays["event-"+strconv.FormatInt(li.ID, 10)] = li.DaysLate
		}
	}
	pendingID := e.MilestoneID(f.Pending)
	for _, d := range crm.Process(ws.Defs) {
		t := web.TrackItem{ID: d.ID, Name: d.Name, Criteria: d.Criteria, Won: d.Won, Qualifying: d.Qualifying}
		if c, ok := p.Completed(d.ID); ok {
			t.Done, t.At, t.By, t.Note = true, c.At, c.ByName, c.Note
		}
		if int64(d.ID) == pendingID {
			t.Pending, t.HasDue, t.Due, t.Late = true, f.HasDue, f.PendingDue, f.LateMilestone
		}
		for _, sub := range ws.Subtasks {
			if sub.MilestoneID == d.ID {
				t.Subtasks = append(t.Subtasks, sub)
				if !sub.Done {
					t.OpenTasks++
				}
			}
		}
		t.First = len(v.Track) == 0
		t.CanUndo = v.Can.Undo == d.ID
		v.Track = append(v.Track, t)
		v.Milestones = append(v.Milestones, crm.Choice{ID: int64(d.ID), Name: d.Name, Active: true})
	}
	// The form: the project's current details, overlaid with what was posted.
	d := crm.DetailsOf(p)
	values := map[string]string{"title": d.Title, "value": d.Value, "status_id": d.StatusID, "forecast": d.Forecast, "probability": d.Probability,
		"source_id": d.SourceID, "referrer": d.Referrer, "expected_close": d.ExpectedClose, "scope": d.Scope}
	if st.values != nil {
		for k, x := range st.values {
			values[k] = x
		}
	}
	v.Form = web.Form{Values: values, Errors: st.errs}
	if st.conflict {
		v.Current = []web.CurrentValue{
			{Field: "field.title", Value: p.Title},
			{Field: "field.value", Value: web.LocaleFrom(ctx).Money(p.Value)},
			{Field: "field.status", Value: v.StatusName},
			{Field: "field.expected_close", Value: web.LocaleFrom(ctx).Day(p.ExpectedClose)},
			{Field: "field.state", Value: web.T(ctx, "state."+string(p.State))},
			{Field: "field.owner", Value: v.OwnerName},
		}
	}
	if st.earlier != nil {
		q := &web.Earlier{Target: st.target}
		for _, t := range v.Track {
			if t.ID == st.target {
				q.TargetName = t.Name
			}
			for _, id := range st.earlier.Open {
				if t.ID == id {
					q.Open = append(q.Open, t)
					f := crm.EarlierField(id)
					if v.Form.Values[f] == "" {
						v.Form.Values[f] = v.Form.Values["completed_at"]
					}
				}
			}
		}
		v.Earlier = q
	}
	v.Log = s.logView(r, p.ID, ws.Log, ws.LogMore, ws.Defs, n, web.Form{})
	v.Log.Return = web.ProjectURL(p.ID)
	return v, nil
}

// change runs a project command and answers: 303 back to the workspace, or
// to the local path in the form's "return" (or the workspace itself for htmx), 422 with the input kept, 409 with the
// current values and the input, the earlier-milestones question, or 404.
func (s *Server) change(w http.ResponseWriter, r *http.Request, action string, fields []string, decide postgres.Decide) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	pid := crm.ProjectID(id)
	_, err := s.db.ChangeProject(r.Context(), viewer(r.Context()), pid, decide)
	s.answer(w, r, pid, action, fields, err)
}

// answer responds to a project command's outcome.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, pid crm.ProjectID, action string, fields []string, err error) {
	var earlier *crm.EarlierOpenError
	var already *crm.AlreadyCompletedError
	switch {
	case err == nil, errors.Is(err, crm.ErrAlreadyCompleted):
		if isHX(r) {
			s.renderWorkspace(w, r, pid, http.StatusOK, wsState{})
			return
		}
		// A form posted from elsewhere (the board's "complete next
		// milestone") goes back there; problems are shown on the workspace.
		http.Redirect(w, r, returnTo(r.PostFormValue("return"), web.ProjectURL(pid)), http.StatusSeeOther)
	case errors.As(err, &earlier):
		mid, _ := urlID(r, "milestoneID")
		s.renderWorkspace(w, r, pid, http.StatusOK, wsState{values: keep(r, fields...), action: action, earlier: earlier, target: crm.MilestoneID(mid)})
	case errors.As(err, &already):
		s.renderWorkspace(w, r, pid, http.StatusConflict, wsState{values: keep(r, fields...), action: action, already: &already.Completion})
	case errors.Is(err, crm.ErrForbidden):
		// The viewer can see the project, so there is nothing to hide.
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "project.action_forbidden")
	case errors.Is(err, crm.ErrConflict):
		s.renderWorkspace(w, r, pid, http.StatusConflict, wsState{values: keep(r, fields...), action: action, conflict: true})
	case formErrors(err) != nil:
		s.renderWorkspace(w, r, pid, http.StatusUnprocessableEntity, wsState{values: keep(r, fields...), errs: formErrors(err), action: action})
	default:
		s.handleError(w, r, err)
	}
}

// version reads the form's project version; a missing or bad one can only
// be stale.
func version(r *http.Request) int {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return -1
	}
	return n
}

var detailFields = []string{"title", "value", "status_id", "forecast", "probability", "source_id", "referrer", "expected_close", "scope"}

func (s *Server) handleDetails(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	in := crm.Details{Version: version(r), Title: r.PostFormValue("title"), SourceID: r.PostFormValue("source_id"),
		Referrer: r.PostFormValue("referrer"), Scope: r.PostFormValue("scope"), Value: r.PostFormValue("value"),
		ExpectedClose: r.PostFormValue("expected_close"), StatusID: r.PostFormValue("status_id"), Forecast: r.PostFormValue("forecast"),
		Probability: r.PostFormValue("probability")}
	s.change(w, r, "details", detailFields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideDetails(p, in, c.Choices, a)
	})
}

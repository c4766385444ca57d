package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// actor is who acts, now, in the tenant's zone.
func actor(r *http.Request) crm.Actor {
	return crm.Actor{Viewer: viewer(r.Context()), Now: time.Now(), Loc: web.LocaleFrom(r.Context()).Location()}
}

// pathID reads a positive ID from the URL; anything else is not found.
func pathID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return n, err == nil && n > 0
}

func isHX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// wsState is what a re-rendered workspace shows besides the project: the
// posted form and its errors, which form they belong to, a conflict or the
// earlier-milestones question.
type wsState struct {
	values   map[string]string
	errs     map[string]string
	action   string
	conflict bool
	earlier  *crm.EarlierOpenError
	target   crm.MilestoneID
}

func (s *Server) handleWorkspace(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
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
	v := s.workspaceView(r, ws, st)
	s.render(w, r, status, web.WorkspacePage(v))
}

func nameOf(list []postgres.Named, id int64) string {
	for _, n := range list {
		if n.ID == id {
			return n.Name
		}
	}
	return ""
}

func options(list []postgres.Named, keep int64) []web.Option {
	var out []web.Option
	for _, n := range list {
		if n.Active || n.ID == keep {
			out = append(out, web.Option{Value: strconv.FormatInt(n.ID, 10), Label: n.Name})
		}
	}
	return out
}

// engineFacts evaluates the project with the pipeline engine: pending
// milestone, its due date and the late flags come from one definition.
func engineFacts(ws postgres.Workspace, now time.Time, loc *time.Location) (*pipeline.Engine, pipeline.Facts) {
	defs := make([]pipeline.MilestoneDef, 0, len(ws.Defs))
	for _, d := range ws.Defs {
		from := pipeline.FromPrevious
		if d.DeadlineFromCreated {
			from = pipeline.FromCreation
		}
		defs = append(defs, pipeline.MilestoneDef{ID: int64(d.ID), Position: d.Position, DeadlineDays: d.DeadlineDays,
			DeadlineFrom: from, Probability: d.Probability, Qualifying: d.Qualifying, Won: d.Won, Active: d.Active})
	}
	e, err := pipeline.NewEngine(defs, pipeline.Settings{Location: loc, Now: now})
	if err != nil {
		return nil, pipeline.Facts{}
	}
	p := ws.Project
	pp := pipeline.Project{ID: int64(p.ID), OwnerID: int64(p.OwnerID), Value: p.Value, CreatedAt: p.CreatedAt, ResumedAt: p.ResumedAt}
	switch p.State {
	case crm.StateDeferred:
		pp.State = pipeline.StateDeferred
		if !p.DeferUntil.IsZero() {
			pp.DeferUntil = pipeline.DayStart(p.DeferUntil.Y, p.DeferUntil.M, p.DeferUntil.D, loc)
		}
	case crm.StateArchived:
		pp.State = pipeline.StateArchived
	case crm.StateSold:
		pp.State = pipeline.StateSold
	default:
		pp.State = pipeline.StateActive
	}
	for _, c := range p.Completions {
		pp.Completions = append(pp.Completions, pipeline.Completion{MilestoneID: int64(c.MilestoneID), At: c.At})
	}
	for _, ev := range ws.Events {
		if !ev.Done {
			pp.Items = append(pp.Items, pipeline.DueItem{ID: ev.ID, Kind: pipeline.Event, Due: ev.StartsAt})
		}
	}
	for _, st := range ws.Subtasks {
		if !st.Done && !st.Due.IsZero() {
			pp.Items = append(pp.Items, pipeline.DueItem{ID: st.ID, Kind: pipeline.Subtask, Due: st.Due.Time(), AllDay: true})
		}
	}
	return e, e.Facts(&pp)
}

func (s *Server) workspaceView(r *http.Request, ws postgres.Workspace, st wsState) web.WorkspaceView {
	ctx := r.Context()
	who := identity(ctx)
	loc := s.location(who.Tenant.TimeZone)
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
		Statuses:   options(n.Statuses, p.StatusID),
		Sources:    options(n.Sources, p.SourceID),
		Reasons:    options(n.Reasons, 0),
		Users:      options(n.Users, 0),
		NowLocal:   now.In(loc).Format(crm.LocalTimeLayout),
		Tomorrow:   crm.Today(now, loc).Time().AddDate(0, 0, 1).Format(crm.DateLayout),
		Action:     st.action,
		Conflict:   st.conflict,
		Viewer:     who.User.ID,
	}
	v.Page.Title = "project.title"
	v.DeferPassed = p.State == crm.StateDeferred && v.State == crm.StateActive
	for _, c := range crm.ForecastCategories {
		v.Forecasts = append(v.Forecasts, web.Option{Value: string(c), Label: web.T(ctx, "forecast."+string(c))})
	}
	for _, m := range p.Members {
		v.Members = append(v.Members, web.Option{Value: strconv.FormatInt(int64(m), 10), Label: nameOf(n.Users, int64(m))})
	}
	e, f := engineFacts(ws, now, loc)
	v.Late = f.Late
	pendingID := int64(0)
	if e != nil && f.Pending >= 0 {
		pendingID = e.Milestones()[f.Pending].ID
	}
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
		if d.Qualifying && !t.Done && (p.State == crm.StateActive || p.State == crm.StateDeferred) {
			v.CanQualify = true
		}
		v.Track = append(v.Track, t)
		v.Milestones = append(v.Milestones, web.Option{Value: strconv.FormatInt(int64(d.ID), 10), Label: d.Name})
	}
	for i := len(v.Track) - 1; i > 0; i-- {
		if v.Track[i].Done {
			v.Track[i].CanUndo = p.State != crm.StateArchived && (p.State != crm.StateSold || v.Track[i].Won)
			break
		}
	}
	// The form: the project's current details, overlaid with what was posted.
	d := crm.DetailsOf(p)
	values := map[string]string{"title": d.Title, "value": d.Value, "status_id": d.StatusID, "forecast": d.Forecast,
		"source_id": d.SourceID, "referrer": d.Referrer, "expected_close": d.ExpectedClose, "scope": d.Scope}
	if st.values != nil {
		for k, x := range st.values {
			values[k] = x
		}
	}
	v.Form = web.Form{Values: values, Errors: st.errs}
	if st.conflict {
		v.Current = []web.Option{
			{Value: "field.title", Label: p.Title},
			{Value: "field.value", Label: web.LocaleFrom(ctx).Money(p.Value)},
			{Value: "field.status", Label: v.StatusName},
			{Value: "field.expected_close", Label: web.LocaleFrom(ctx).Date(p.ExpectedClose.Time())},
			{Value: "field.state", Label: web.T(ctx, "state."+string(p.State))},
			{Value: "field.owner", Label: v.OwnerName},
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
	return v
}

// change runs a project command and answers: 303 back to the workspace, or
// to the local path in the form's "return" (or the workspace itself for htmx), 422 with the input kept, 409 with the
// current values and the input, the earlier-milestones question, or 404.
func (s *Server) change(w http.ResponseWriter, r *http.Request, action string, fields []string, decide postgres.Decide) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	pid := crm.ProjectID(id)
	_, err := s.db.ChangeProject(r.Context(), viewer(r.Context()), pid, decide)
	s.answer(w, r, pid, action, fields, err)
}

// answer responds to a project command's outcome.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, pid crm.ProjectID, action string, fields []string, err error) {
	var earlier *crm.EarlierOpenError
	switch {
	case err == nil, errors.Is(err, crm.ErrAlreadyCompleted):
		if isHX(r) {
			s.renderWorkspace(w, r, pid, http.StatusOK, wsState{})
			return
		}
		// A form posted from elsewhere (the board's "complete next
		// milestone") goes back there; problems are shown on the workspace.
		target := web.ProjectURL(pid)
		if ret := r.PostFormValue("return"); ret != "" && safeNext(ret) == ret {
			target = ret
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	case errors.As(err, &earlier):
		mid, _ := pathID(r, "milestoneID")
		s.renderWorkspace(w, r, pid, http.StatusOK, wsState{values: keep(r, fields...), action: action, earlier: earlier, target: crm.MilestoneID(mid)})
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

var detailFields = []string{"title", "value", "status_id", "forecast", "source_id", "referrer", "expected_close", "scope"}

func (s *Server) handleDetails(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	in := crm.Details{Version: version(r), Title: r.PostFormValue("title"), SourceID: r.PostFormValue("source_id"),
		Referrer: r.PostFormValue("referrer"), Scope: r.PostFormValue("scope"), Value: r.PostFormValue("value"),
		ExpectedClose: r.PostFormValue("expected_close"), StatusID: r.PostFormValue("status_id"), Forecast: r.PostFormValue("forecast")}
	s.change(w, r, "details", detailFields, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideDetails(p, in, c.Choices, a)
	})
}

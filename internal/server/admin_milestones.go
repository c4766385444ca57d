package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

var milestoneFields = []string{"name", "criteria", "deadline_days", "deadline_from", "probability", "event_title", "event_days", "qualifying", "won"}

func milestoneValues(m crm.MilestoneSpec) map[string]string {
	v := map[string]string{"name": m.Name, "criteria": m.Criteria, "deadline_from": m.DeadlineFrom,
		"probability": strconv.Itoa(m.Probability), "event_title": m.EventTitle,
		"qualifying": checked(m.Qualifying), "won": checked(m.Won)}
	if m.HasDeadline {
		v["deadline_days"] = strconv.Itoa(m.DeadlineDays)
	}
	if m.EventTitle != "" {
		v["event_days"] = strconv.Itoa(m.EventDays)
	}
	return v
}

func milestoneForm(r *http.Request) crm.MilestoneForm {
	f := r.PostFormValue
	return crm.MilestoneForm{Name: f("name"), Criteria: f("criteria"), DeadlineDays: f("deadline_days"),
		DeadlineFrom: f("deadline_from"), Probability: f("probability"), EventTitle: f("event_title"),
		EventDays: f("event_days"), Qualifying: f("qualifying") == "1", Won: f("won") == "1"}
}

// renderMilestones shows the process with the add form (and a message for a
// refused list action).
func (s *Server) renderMilestones(w http.ResponseWriter, r *http.Request, status int, f web.Form, listErr string) {
	ms, use, err := s.db.Milestones(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if f.Values == nil {
		f.Values = map[string]string{"deadline_from": crm.DeadlineFromPrevious}
	}
	v := web.MilestonesView{AdminPage: s.adminPage(r, "admin.milestones.title", "admin.tab.milestones"), Form: f, ListError: listErr}
	for _, m := range ms {
		v.Milestones = append(v.Milestones, web.MilestoneRow{MilestoneDef: m, MilestoneUse: use[m.ID]})
	}
	s.render(w, r, status, web.MilestonesPage(v))
}

// renderMilestonesPreview shows the add form again with what adding the
// milestone would change, to confirm.
func (s *Server) renderMilestonesPreview(w http.ResponseWriter, r *http.Request, f web.Form, name string, after crm.MilestoneID, p postgres.MilestonePreview) {
	ms, use, err := s.db.Milestones(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.MilestonesView{AdminPage: s.adminPage(r, "admin.milestones.title", "admin.tab.milestones"), Form: f,
		Preview: &web.MilestonePreview{Name: name, After: web.T(r.Context(), "admin.milestone.at_end"), Pending: p.Pending, Past: p.Past}}
	for _, m := range ms {
		v.Milestones = append(v.Milestones, web.MilestoneRow{MilestoneDef: m, MilestoneUse: use[m.ID]})
		if m.ID == after {
			v.Preview.After = web.T(r.Context(), "admin.milestone.after", m.Name)
		}
	}
	s.render(w, r, http.StatusOK, web.MilestonesPage(v))
}

func (s *Server) handleAdminMilestones(w http.ResponseWriter, r *http.Request) {
	s.renderMilestones(w, r, http.StatusOK, web.Form{}, "")
}

func (s *Server) handleAdminMilestoneCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, append(milestoneFields, "after", "apply")...)
	after, err := strconv.ParseInt(r.PostFormValue("after"), 10, 64)
	if err != nil || after < 0 {
		after = 0
	}
	spec, err := milestoneForm(r).Validate()
	if err == nil && r.PostFormValue("confirm") != "1" {
		// A milestone added to a live process changes open projects' next
		// step: say how many, for each choice, before saving.
		p, err := s.db.PreviewNewMilestone(r.Context(), tenantOf(r), crm.MilestoneID(after))
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		if p.Pending > 0 {
			s.renderMilestonesPreview(w, r, form(values, nil), spec.Name, crm.MilestoneID(after), p)
			return
		}
	}
	if err == nil {
		_, err = s.db.ChangeProcess(r.Context(), tenantOf(r), actorID(r), func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
			return crm.DecideNewMilestone(ms, crm.MilestoneID(after), spec, crm.ApplyTo(r.PostFormValue("apply")))
		})
	}
	s.finish(w, r, err, "/admin/milestones", "admin.milestones.created", func(errs map[string]string) {
		s.renderMilestones(w, r, http.StatusUnprocessableEntity, form(values, errs), "")
	})
}

func (s *Server) renderMilestoneEdit(w http.ResponseWriter, r *http.Request, status int, id int64, f *web.Form) {
	m, use, err := s.db.Milestone(r.Context(), tenantOf(r), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if f == nil {
		f = &web.Form{Values: milestoneValues(m.MilestoneSpec)}
	}
	v := web.MilestoneEditView{AdminPage: s.adminPage(r, "admin.milestones.title", "admin.tab.milestones"),
		Milestone: web.MilestoneRow{MilestoneDef: m, MilestoneUse: use}, Form: *f}
	s.render(w, r, status, web.MilestoneEditPage(v))
}

func (s *Server) handleAdminMilestone(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderMilestoneEdit(w, r, http.StatusOK, id, nil)
}

func (s *Server) handleAdminMilestoneUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	values := keep(r, milestoneFields...)
	spec, err := milestoneForm(r).Validate()
	if err == nil {
		_, err = s.db.ChangeProcess(r.Context(), tenantOf(r), actorID(r), func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
			return crm.DecideEditMilestone(ms, crm.MilestoneID(id), spec)
		})
	}
	s.finish(w, r, err, "/admin/milestones", "admin.milestones.saved", func(errs map[string]string) {
		f := form(values, errs)
		s.renderMilestoneEdit(w, r, http.StatusUnprocessableEntity, id, &f)
	})
}

// milestoneListAction runs a change made from the list (move, activate,
// delete, reorder): refused changes come back as the list with a message.
func (s *Server) milestoneListAction(w http.ResponseWriter, r *http.Request, err error) {
	s.finishInPlace(w, r, err, "/admin/milestones", "admin.milestones.saved", func(errs map[string]string) {
		s.renderMilestones(w, r, http.StatusUnprocessableEntity, web.Form{}, formMessage(errs))
	})
}

func (s *Server) handleAdminMilestoneMove(w http.ResponseWriter, r *http.Request) {
	id, delta, ok := s.moveForm(w, r)
	if !ok {
		return
	}
	s.milestoneListAction(w, r, s.process(r, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMoveMilestone(ms, crm.MilestoneID(id), delta)
	}))
}

func (s *Server) handleAdminMilestoneActive(w http.ResponseWriter, r *http.Request) {
	id, active, ok := s.activeForm(w, r)
	if !ok {
		return
	}
	if !active && r.PostFormValue("confirm") != "1" {
		s.renderDeactivateConfirm(w, r, crm.MilestoneID(id))
		return
	}
	s.milestoneListAction(w, r, s.process(r, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMilestoneActive(ms, crm.MilestoneID(id), active)
	}))
}

// renderDeactivateConfirm shows the process with what deactivating the
// milestone would change and a button to confirm it: its open projects move
// on to the next active milestone, its completions stop counting, and for
// the first milestone the next one's deadline counts from creation.
func (s *Server) renderDeactivateConfirm(w http.ResponseWriter, r *http.Request, id crm.MilestoneID) {
	ms, use, err := s.db.Milestones(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.MilestonesView{AdminPage: s.adminPage(r, "admin.milestones.title", "admin.tab.milestones"),
		Form: web.Form{Values: map[string]string{"deadline_from": crm.DeadlineFromPrevious}}}
	var d *web.MilestoneDeactivation
	first := true
	for _, m := range ms {
		v.Milestones = append(v.Milestones, web.MilestoneRow{MilestoneDef: m, MilestoneUse: use[m.ID]})
		switch {
		case d == nil && m.ID == id && m.Active:
			d = &web.MilestoneDeactivation{ID: m.ID, Name: m.Name, Pending: use[m.ID].Pending,
				Completions: use[m.ID].Completions, First: first}
		case d != nil && d.Next == "" && m.Active:
			d.Next, d.NextFromPrevious = m.Name, m.HasDeadline && !m.FromCreated()
		}
		if m.Active {
			first = false
		}
	}
	if _, derr := crm.DecideMilestoneActive(ms, id, false); d == nil || derr != nil {
		// Unknown, already inactive or not allowed: nothing to confirm.
		s.milestoneListAction(w, r, s.process(r, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
			return crm.DecideMilestoneActive(ms, id, false)
		}))
		return
	}
	v.Deactivate = d
	s.render(w, r, http.StatusOK, web.MilestonesPage(v))
}

func (s *Server) handleAdminMilestoneDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	err := s.process(r, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideDeleteMilestone(ms, crm.MilestoneID(id))
	})
	if errors.Is(err, crm.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.milestoneListAction(w, r, err)
}

func (s *Server) handleAdminMilestoneOrder(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	order, ok := parseOrder(r)
	if !ok {
		s.badRequest(w, r)
		return
	}
	ids := make([]crm.MilestoneID, len(order))
	for i, id := range order {
		ids[i] = crm.MilestoneID(id)
	}
	s.milestoneListAction(w, r, s.process(r, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideMilestoneOrder(ms, ids)
	}))
}

// process runs a change of the sales process as the signed-in admin.
func (s *Server) process(r *http.Request, decide postgres.DecideProcess) error {
	_, err := s.db.ChangeProcess(r.Context(), tenantOf(r), actorID(r), decide)
	return err
}

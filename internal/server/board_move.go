package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// sessBoardMove carries the confirmation of a board move to the board the
// move redirects to, shown once beside the card.
const sessBoardMove = "board_move"

// boardMoved is what a board move did, as the session holds it.
type boardMoved struct {
	Project crm.ProjectID `json:"p"`
	Title   string        `json:"t"`
	To      int64         `json:"to"`
	Sold    bool          `json:"sold,omitempty"`
	Undone  []int64       `json:"undone,omitempty"`
}

func (s *Server) popBoardMove(r *http.Request) *boardMoved {
	if !hasSession(r.Context()) {
		return nil
	}
	raw := s.sessions.PopString(r.Context(), sessBoardMove)
	if raw == "" {
		return nil
	}
	var m boardMoved
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	return &m
}

// show puts the notice in the column the card moved to (the first column
// when a sold deal left the board) and marks the card.
func (m *boardMoved) show(v *web.BoardView) {
	if m == nil || len(v.Columns) == 0 {
		return
	}
	names := map[int64]string{}
	target := &v.Columns[0]
	for i := range v.Columns {
		c := &v.Columns[i]
		names[c.MilestoneID] = c.Name
		if c.MilestoneID == m.To {
			target = c
		}
	}
	n := &web.BoardNotice{Title: m.Title, Column: names[m.To], Sold: m.Sold}
	for _, id := range m.Undone {
		n.Undone = append(n.Undone, names[id])
	}
	target.Notice = n
	if _, card := boardCard(v, m.Project); card != nil {
		card.Moved = true
	}
}

// handleBoardMove moves a card of the board to the column of milestone
// "to": forward it completes that milestone (time and note), back it undoes
// the completions after it (the decisions of the workspace's complete and
// undo), each confirmed first when it does more than the one step. Done,
// it goes back to the board with the confirmation beside the card; a
// question or a problem is answered on the board, in the card, with the
// input kept.
func (s *Server) handleBoardMove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	pid := crm.ProjectID(id)
	to, ok := crm.ParseID(r.PostFormValue("to"))
	if !ok {
		to = -1
	}
	a := actor(r)
	cmd := crm.BoardMove{Version: version(r), To: crm.MilestoneID(to), At: parseTime(r, "completed_at", a.Loc),
		Note: r.PostFormValue("note"), Confirm: r.PostFormValue("confirm") == "1", Reason: r.PostFormValue("reason")}
	var done boardMoved
	var moved crm.Project       // the project as the decision saw it
	var stage int64             // the column it is in
	var undoes []crm.Completion // what the move undoes, when it is a move back
	var names map[crm.MilestoneID]string
	_, err := s.db.ChangeProject(r.Context(), viewer(r.Context()), pid, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		names = map[crm.MilestoneID]string{}
		for _, d := range c.Defs {
			names[d.ID] = d.Name
		}
		// What a move back undoes, to ask again with when its reason is missing.
		undoes = crm.BoardUndoes(p, c.Defs, cmd.To)
		ch, err := crm.DecideBoardMove(p, c.Defs, cmd, a)
		done = boardMoved{Project: pid, Title: p.Title, To: to, Sold: ch.Project.State == crm.StateSold && p.State != crm.StateSold}
		moved, stage = p, 0
		process := crm.Process(c.Defs)
		if i := crm.Stage(p, process); i >= 0 {
			stage = int64(process[i].ID)
		}
		for _, u := range ch.Undo {
			done.Undone = append(done.Undone, int64(u))
		}
		return ch, err
	})
	ret := returnTo(r.PostFormValue("return"), "/pipeline")
	if err == nil || errors.Is(err, crm.ErrAlreadyCompleted) {
		if err == nil {
			if b, jerr := json.Marshal(done); jerr == nil {
				s.sessions.Put(r.Context(), sessBoardMove, string(b))
			}
		}
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	form := &web.BoardMoveForm{To: to, ToName: names[crm.MilestoneID(to)],
		Form: web.Form{Values: keep(r, "completed_at", "note", "reason"), Errors: map[string]string{}}}
	// askUndo makes the form the question of a move back: what it undoes.
	askUndo := func(undo []crm.Completion) {
		form.Back, form.Confirm = true, true
		for _, c := range undo {
			form.Undo = append(form.Undo, web.BoardUndo{Name: names[c.MilestoneID], At: c.At})
		}
	}
	status := http.StatusOK
	var undo *crm.UndoConfirmError
	var earlier *crm.EarlierOpenError
	var already *crm.AlreadyCompletedError
	switch {
	case errors.Is(err, crm.ErrNotFound):
		s.notFound(w, r)
		return
	case errors.Is(err, crm.ErrForbidden):
		// The viewer can see the project, so there is nothing to hide.
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "project.action_forbidden")
		return
	case errors.As(err, &undo):
		askUndo(undo.Undo)
	case errors.As(err, &earlier):
		form.Confirm = true
		for _, m := range earlier.Open {
			form.Earlier = append(form.Earlier, names[m])
		}
	case errors.Is(err, crm.ErrConflict), errors.As(err, &already):
		status = http.StatusConflict
		form.Errors[""] = "error.conflict_board"
	case formErrors(err) != nil:
		status = http.StatusUnprocessableEntity
		form.Errors = formErrors(err)
		// A move back that needed its reason stays a confirmation.
		if len(undoes) > 0 && cmd.Confirm {
			askUndo(undoes)
		}
	default:
		s.handleError(w, r, err)
		return
	}
	var q url.Values
	if u, perr := url.Parse(ret); perr == nil && u.Path == "/pipeline" {
		q = u.Query()
	}
	v, err := s.boardView(r, q)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	_, card := boardCard(&v, pid)
	if card == nil {
		// Not among the cards the board shows (past its first cards, or
		// outside the filters the form came from): the question goes on a
		// card of its own at the top of its column.
		card = prependCard(&v, stage, web.BoardCard{
			SalesRow: web.SalesRow{ID: pid, Title: moved.Title, Value: moved.Value}, Version: moved.Version,
			CompletedAt: a.Now.In(a.Loc).Format("2006-01-02T15:04"), Return: ret,
		})
	}
	card.Move = form
	s.render(w, r, status, web.BoardPage(v))
}

// prependCard puts c first in the column of milestone stage (the
// none-completed column, shown for it, for 0), with the moves of the
// column's cards, and returns it.
func prependCard(v *web.BoardView, stage int64, c web.BoardCard) *web.BoardCard {
	var stages []web.BoardTarget
	for _, col := range v.Columns {
		if col.MilestoneID != 0 {
			stages = append(stages, web.BoardTarget{ID: col.MilestoneID, Name: col.Name})
		}
	}
	at := slices.IndexFunc(stages, func(t web.BoardTarget) bool { return t.ID == stage })
	c.Forward = stages[at+1:]
	for i := at - 1; i >= 0; i-- {
		c.Back = append(c.Back, stages[i])
	}
	i := slices.IndexFunc(v.Columns, func(col web.BoardColumn) bool { return col.MilestoneID == stage })
	if i < 0 {
		v.Columns = slices.Insert(v.Columns, 0, web.BoardColumn{})
		i = 0
	}
	col := &v.Columns[i]
	col.Cards = append([]web.BoardCard{c}, col.Cards...)
	return &col.Cards[0]
}

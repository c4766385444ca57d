package crm

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestDecideBoardMove: forward completes the target (asking first for the
// open milestones before it), back undoes every completion after the
// target latest first with the reason (asking first), the stage a project
// is at and an inactive milestone are refused, and nothing is undone for
// an archived project.
func TestDecideBoardMove(t *testing.T) {
	now := t0.Add(72 * time.Hour)
	a := actorAt(now)
	at := now.Add(-time.Hour)
	p := newProject(StateActive) // Lead created done

	c, err := DecideBoardMove(p, defs, BoardMove{Version: 3, To: 2, At: at, Note: "Called"}, a)
	if err != nil || len(c.Complete) != 1 || c.Complete[0].MilestoneID != 2 || c.Complete[0].Note != "Called" {
		t.Fatalf("forward to the next stage: %+v, %v", c.Complete, err)
	}
	var earlier *EarlierOpenError
	if _, err := DecideBoardMove(p, defs, BoardMove{Version: 3, To: 3, At: at}, a); !errors.As(err, &earlier) || !slices.Equal(earlier.Open, []MilestoneID{2}) {
		t.Fatalf("forward past an open milestone: %v, want it asked", err)
	}
	c, err = DecideBoardMove(p, defs, BoardMove{Version: 3, To: 3, At: at, Confirm: true}, a)
	if err != nil || len(c.Complete) != 2 || !c.Complete[0].At.Equal(at) {
		t.Fatalf("confirmed forward past an open milestone: %+v, %v", c.Complete, err)
	}

	reached := withCompletion(withCompletion(p, Completion{MilestoneID: 2, At: t0.Add(time.Hour)}), Completion{MilestoneID: 3, At: t0.Add(2 * time.Hour)})
	var ask *UndoConfirmError
	if _, err := DecideBoardMove(reached, defs, BoardMove{Version: 3, To: 1}, a); !errors.As(err, &ask) ||
		len(ask.Undo) != 2 || ask.Undo[0].MilestoneID != 3 || ask.Undo[1].MilestoneID != 2 {
		t.Fatalf("back without confirmation: %v, want Proposed then Lead qualified", err)
	}
	// BoardUndoes names the same completions, and none for a move forward
	// or to the stage reached.
	if u := BoardUndoes(reached, defs, 1); !slices.EqualFunc(u, ask.Undo, func(x, y Completion) bool { return x.MilestoneID == y.MilestoneID }) {
		t.Errorf("BoardUndoes back to 1 = %+v, want %+v", u, ask.Undo)
	}
	if u := BoardUndoes(reached, defs, 3); len(u) != 0 {
		t.Errorf("BoardUndoes to the stage reached = %+v", u)
	}
	if u := BoardUndoes(p, defs, 3); len(u) != 0 {
		t.Errorf("BoardUndoes forward = %+v", u)
	}
	if _, err := DecideBoardMove(reached, defs, BoardMove{Version: 3, To: 1, Confirm: true}, a); !field("reason", MsgRequired)(err) {
		t.Fatalf("back without a reason: %v", err)
	}
	c, err = DecideBoardMove(reached, defs, BoardMove{Version: 3, To: 1, Confirm: true, Reason: "Wrong lead"}, a)
	if err != nil || !slices.Equal(c.Undo, []MilestoneID{3, 2}) || len(c.Log) != 2 || c.Log[0].Body != "Wrong lead" || len(c.Project.Completions) != 1 {
		t.Fatalf("confirmed back: undo %v, log %+v, %v", c.Undo, c.Log, err)
	}
	if _, err := DecideBoardMove(reached, defs, BoardMove{Version: 3, To: 3}, a); !field("", MsgSameStage)(err) {
		t.Fatalf("to its own stage: %v", err)
	}
	if _, err := DecideBoardMove(reached, defs, BoardMove{Version: 2, To: 1}, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale: %v", err)
	}
	if _, err := DecideBoardMove(reached, defs, BoardMove{Version: 3, To: 5, At: at}, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an inactive milestone: %v", err)
	}
	archived := reached
	archived.State = StateArchived
	if _, err := DecideBoardMove(archived, defs, BoardMove{Version: 3, To: 1}, a); !field("", MsgNotInState)(err) {
		t.Fatalf("back on an archived project: %v", err)
	}
	if Stage(newProject(StateActive), Process(defs)) != 0 || Stage(Project{}, Process(defs)) != -1 || Stage(reached, Process(defs)) != 2 {
		t.Fatalf("stages: %d %d %d", Stage(newProject(StateActive), Process(defs)), Stage(Project{}, Process(defs)), Stage(reached, Process(defs)))
	}
}

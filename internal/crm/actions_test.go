package crm

import (
	"errors"
	"testing"
	"time"
)

// refusedForState reports whether a decision refused for the project's
// state or the viewer's role (not for a bad input).
func refusedForState(err error) bool {
	var already *AlreadyCompletedError
	if errors.Is(err, ErrForbidden) || errors.Is(err, ErrAlreadyCompleted) || errors.As(err, &already) {
		return true
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, m := range ve.Fields {
			if m == MsgNotInState || m == MsgUndoFirst || m == MsgUndoLaterFirst || m == MsgNotCompleted || m == MsgNoQualifying {
				return true
			}
		}
	}
	return false
}

// TestActionsAgreeWithDecisions: for every state (deferred ones back and
// not back), every role and every completion pattern, an action Allowed
// offers is not refused by its decision for the state or the role, and one
// it does not offer is.
func TestActionsAgreeWithDecisions(t *testing.T) {
	now := t0.Add(30 * 24 * time.Hour)
	loc := time.UTC
	patterns := [][]MilestoneID{{1}, {1, 2}, {1, 2, 3}, {1, 3}, {1, 2, 3, 4}, {}}
	for _, state := range []State{StateActive, StateDeferred, StateArchived, StateSold} {
		for _, back := range []bool{false, true} {
			for _, role := range Roles {
				for _, done := range patterns {
					p := newProject(state)
					p.Completions = nil
					for _, id := range done {
						p.Completions = append(p.Completions, Completion{MilestoneID: id, At: t0.Add(time.Hour)})
					}
					if state == StateDeferred {
						p.DeferUntil = Today(now, loc)
						if !back {
							p.DeferUntil = DateOf(now.AddDate(0, 0, 3))
						}
					}
					if state == StateArchived {
						p.ArchiveReasonID = 9
					}
					v := Viewer{TenantID: 1, UserID: 7, Role: role}
					a := Actor{Viewer: v, Now: now, Loc: loc}
					got := Allowed(p, defs, v, now, loc)
					name := string(state) + "/" + string(role)
					check := func(what string, allowed bool, err error) {
						t.Helper()
						if allowed && refusedForState(err) {
							t.Errorf("%s %v: %s offered but refused: %v", name, done, what, err)
						}
						if !allowed && !refusedForState(err) {
							t.Errorf("%s %v: %s not offered but the decision says %v", name, done, what, err)
						}
					}
					_, err := DecideComplete(p, defs, CompleteMilestone{Version: 3, MilestoneID: 3, At: now, Earlier: true,
						EarlierAt: map[MilestoneID]time.Time{1: now, 2: now}}, a)
					if _, isDone := p.Completed(3); !isDone {
						check("complete", got.Complete, err)
					}
					_, err = DecideQualify(p, defs, CompleteMilestone{Version: 3, At: now, Earlier: true,
						EarlierAt: map[MilestoneID]time.Time{1: now}}, a)
					check("qualify", got.Qualify, err)
					_, err = DecideArchive(p, []int64{9}, Archive{Version: 3, ReasonID: 9}, a)
					check("archive", got.Archive, err)
					_, err = DecideDefer(p, Defer{Version: 3, Until: DateOf(now.AddDate(0, 0, 9))}, a)
					check("defer", got.Defer, err)
					_, err = DecideReactivate(p, 3, a)
					check("reactivate", got.Reactivate, err)
					_, err = DecideReopen(p, 3, a)
					check("reopen", got.Reopen, err)
					_, err = DecideOwner(p, []UserID{7, 8}, 8, 3, a)
					check("reassign", got.Reassign, err)
					for _, d := range Process(defs) {
						_, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: d.ID, Reason: "mistake"}, a)
						check("undo "+d.Name, got.Undo == d.ID, err)
					}
				}
			}
		}
	}
}

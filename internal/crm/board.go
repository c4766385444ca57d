package crm

import (
	"fmt"
	"slices"
	"time"
)

// MsgSameStage: a card dropped on the column it is in.
const MsgSameStage = "error.same_stage"

// BoardMove is the command "this deal has reached stage To": a card of the
// pipeline board moved to the column of milestone To. Forward, it completes
// To at At with Note; back, it undoes the completions after To, each with
// Reason in the log.
type BoardMove struct {
	Version int
	To      MilestoneID
	At      time.Time
	Note    string
	// Confirm: the user saw what the move also does (the earlier open
	// milestones it completes at At, or the completions it undoes) and
	// confirmed it.
	Confirm bool
	Reason  string
}

// UndoConfirmError asks the user to confirm a move back: it would undo
// Undo (latest first).
type UndoConfirmError struct {
	Undo []Completion
}

func (e *UndoConfirmError) Error() string {
	return fmt.Sprintf("moving back undoes %d completions", len(e.Undo))
}

// Stage is the index in process of the stage p has reached, its last
// completed milestone (the latest in process order, even past a skipped
// or open one); -1 with none completed.
func Stage(p Project, process []MilestoneDef) int {
	for i := len(process) - 1; i >= 0; i-- {
		if _, done := p.Completed(process[i].ID); done {
			return i
		}
	}
	return -1
}

// DecideBoardMove decides a move of p's card to the column of cmd.To.
// Forward (a later stage than p has reached) it is DecideComplete of To,
// completing the open milestones before it at the same time once the user
// confirmed them (else *EarlierOpenError). Back (an earlier stage) it is
// DecideUndo of every completion after To, latest first, once confirmed
// (else *UndoConfirmError with what it would undo); each needs the reason
// and is refused as the workspace's undo would be (the first milestone,
// an archived project). Errors: those of DecideComplete and DecideUndo,
// ErrNotFound for an unknown or inactive milestone, *ValidationError for
// the stage p is already at.
func DecideBoardMove(p Project, defs []MilestoneDef, cmd BoardMove, a Actor) (Change, error) {
	process := Process(defs)
	to := slices.IndexFunc(process, func(d MilestoneDef) bool { return d.ID == cmd.To })
	if to < 0 {
		return Change{}, ErrNotFound
	}
	at := Stage(p, process)
	switch {
	case to > at:
		c := CompleteMilestone{Version: cmd.Version, MilestoneID: cmd.To, At: cmd.At, Note: cmd.Note,
			Earlier: cmd.Confirm, EarlierAt: map[MilestoneID]time.Time{}}
		for _, d := range process[:to] {
			if _, done := p.Completed(d.ID); !done {
				c.EarlierAt[d.ID] = cmd.At
			}
		}
		return DecideComplete(p, defs, c, a)
	case to == at:
		if err := checkVersion(p, cmd.Version); err != nil {
			return Change{}, err
		}
		return Change{}, FieldError("", MsgSameStage)
	}
	undo := undoneBack(p, process, at, to)
	if !cmd.Confirm {
		if err := checkVersion(p, cmd.Version); err != nil {
			return Change{}, err
		}
		if p.State == StateArchived || p.State == StateSold {
			return Change{}, FieldError("", MsgNotInState)
		}
		return Change{}, &UndoConfirmError{Undo: undo}
	}
	var out Change
	cur := p
	for i, u := range undo {
		c, err := DecideUndo(cur, defs, UndoMilestone{Version: cmd.Version, MilestoneID: u.MilestoneID, Reason: cmd.Reason}, a)
		if err != nil {
			return Change{}, err
		}
		if i == 0 {
			out = c
		} else {
			out.Project = c.Project
			out.Undo = append(out.Undo, c.Undo...)
			out.Log = append(out.Log, c.Log...)
		}
		cur = c.Project
	}
	return out, nil
}

// BoardUndoes is what a move of p's card back to the column of milestone
// to undoes: the completions after it, latest first. None for a move
// forward, to the stage p is at, or to an unknown milestone.
func BoardUndoes(p Project, defs []MilestoneDef, to MilestoneID) []Completion {
	process := Process(defs)
	i := slices.IndexFunc(process, func(d MilestoneDef) bool { return d.ID == to })
	if i < 0 {
		return nil
	}
	return undoneBack(p, process, Stage(p, process), i)
}

// undoneBack lists the completions of process after index to up to index
// at, latest first.
func undoneBack(p Project, process []MilestoneDef, at, to int) []Completion {
	var undo []Completion
	for i := at; i > to; i-- {
		if c, done := p.Completed(process[i].ID); done {
			undo = append(undo, c)
		}
	}
	return undo
}

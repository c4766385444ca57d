package crm

import (
	"errors"
	"slices"
)

// ErrSkipped says a bulk action leaves a project as it is because its state
// does not allow the action (already archived, already that owner...).
var ErrSkipped = errors.New("skipped by a bulk action")

// Kinds of bulk actions.
const (
	BulkOwner   = "owner"
	BulkArchive = "archive"
	BulkDefer   = "defer"
	BulkReopen  = "reopen"
)

// Messages of the bulk form (catalog keys).
const (
	MsgBulkOwner   = "sales.bulk.bad_owner"
	MsgBulkReason  = "sales.bulk.bad_reason"
	MsgBulkUntil   = "sales.bulk.bad_until"
	MsgBulkAction  = "sales.bulk.bad_action"
	MsgBulkNone    = "sales.bulk.none"
	MsgBulkTooMany = "sales.bulk.too_many"
)

// BulkAction is a change a manager applies to many projects at once:
// assign an owner, archive with a reason, defer until a day, or reopen
// archived projects.
type BulkAction struct {
	Kind   string
	Owner  UserID
	Reason int64
	Until  Date
}

// BulkForm is the bulk form as typed: the action and its one argument,
// and whether anything is selected.
type BulkForm struct {
	Action, Owner, Reason, Until string
	None                         bool
}

// ParseBulk reads the bulk form: the argument the action needs must be
// given, and something must be selected. Check validates the result against
// the tenant's choices.
func ParseBulk(f BulkForm) (BulkAction, error) {
	var v Validator
	b := BulkAction{Kind: f.Action}
	switch b.Kind {
	case BulkOwner:
		n, ok := ParseID(f.Owner)
		v.Check(ok && n > 0, "owner", MsgBulkOwner)
		b.Owner = UserID(n)
	case BulkArchive:
		n, ok := ParseID(f.Reason)
		v.Check(ok && n > 0, "reason", MsgBulkReason)
		b.Reason = n
	case BulkDefer:
		d, ok := ParseDate(f.Until)
		v.Check(ok, "until", MsgBulkUntil)
		b.Until = d
	}
	if f.None {
		v.Add("", MsgBulkNone)
	}
	return b, v.Err()
}

// Check validates the action against the tenant's choices today, with the
// bulk form's field names: an active user, an active reason, a day after
// today, a known kind.
func (b BulkAction) Check(s Setup, a Actor) error {
	var v Validator
	switch b.Kind {
	case BulkOwner:
		v.Check(slices.Contains(s.Choices.Users, b.Owner), "owner", MsgBulkOwner)
	case BulkArchive:
		v.Check(slices.Contains(s.Choices.Reasons, b.Reason), "reason", MsgBulkReason)
	case BulkDefer:
		v.Check(b.Until.After(Today(a.Now, a.Loc)), "until", MsgBulkUntil)
	case BulkReopen:
	default:
		v.Add("action", MsgBulkAction)
	}
	return v.Err()
}

// DecideBulk decides the action for one project with the decision the
// workspace uses (DecideOwner, DecideArchive, DecideDefer, DecideReopen). A project the
// decision refuses only because of its state is ErrSkipped.
func DecideBulk(p Project, b BulkAction, s Setup, a Actor) (Change, error) {
	var ch Change
	var err error
	switch b.Kind {
	case BulkOwner:
		ch, err = DecideOwner(p, s.Choices.Users, b.Owner, p.Version, a)
	case BulkArchive:
		ch, err = DecideArchive(p, s.Choices.Reasons, Archive{Version: p.Version, ReasonID: b.Reason}, a)
	case BulkDefer:
		ch, err = DecideDefer(p, Defer{Version: p.Version, Until: b.Until}, a)
	case BulkReopen:
		ch, err = DecideReopen(p, p.Version, a)
	default:
		return Change{}, FieldError("action", MsgBulkAction)
	}
	if onlyState(err) {
		return Change{}, ErrSkipped
	}
	return ch, err
}

// onlyState reports whether err is a validation error only about the
// project's state (nothing to change, not in a state that allows it).
func onlyState(err error) bool {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, msg := range ve.Fields {
		if msg != MsgNotInState && msg != MsgNothingToChange {
			return false
		}
	}
	return true
}

package crm

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var (
	t0   = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	defs = []MilestoneDef{
		{ID: 1, Position: 1, Active: true, MilestoneSpec: MilestoneSpec{Name: "Lead created"}},
		{ID: 2, Position: 2, Active: true, MilestoneSpec: MilestoneSpec{Name: "Lead qualified", Qualifying: true, HasDeadline: true,
			DeadlineDays: 2, EventTitle: "Set sales appointment", EventDays: 3}},
		{ID: 3, Position: 3, Active: true, MilestoneSpec: MilestoneSpec{Name: "Proposed"}},
		{ID: 4, Position: 4, Active: true, MilestoneSpec: MilestoneSpec{Name: "Sold", Won: true}},
		{ID: 5, Position: 5, Active: false, MilestoneSpec: MilestoneSpec{Name: "Old step"}},
	}
)

func actorAt(now time.Time) Actor {
	return Actor{Viewer: Viewer{TenantID: 1, UserID: 7, Role: RoleSales}, Now: now, Loc: time.UTC}
}

func newProject(state State) Project {
	return Project{ID: 1, Title: "Roof", OwnerID: 7, State: state, CreatedAt: t0, Version: 3, Forecast: ForecastPipeline,
		Completions: []Completion{{MilestoneID: 1, At: t0}}}
}

func withCompletion(p Project, c Completion) Project {
	p.Completions = append(slices.Clone(p.Completions), c)
	return p
}

func alreadyBy(by UserID) func(error) bool {
	return func(err error) bool {
		var e *AlreadyCompletedError
		return errors.As(err, &e) && e.Completion.By == by
	}
}

func TestDecideComplete(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	a := actorAt(now)
	p := newProject(StateActive)
	c, err := DecideComplete(p, defs, CompleteMilestone{Version: 3, MilestoneID: 2, At: now.Add(-time.Hour), Note: "ok"}, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Complete) != 1 || len(c.Events) != 1 || c.Events[0].StartsAt != now.Add(-time.Hour).AddDate(0, 0, 3) || !c.Touch {
		t.Fatalf("change: %+v", c)
	}
	if c.Log[0].Kind != LogMilestoneCompleted || c.Log[1].Kind != LogEvent {
		t.Fatalf("log: %+v", c.Log)
	}
	cases := []struct {
		name string
		p    Project
		cmd  CompleteMilestone
		want func(error) bool
	}{
		{"stale", p, CompleteMilestone{Version: 2, MilestoneID: 2, At: now}, is(ErrConflict)},
		{"unknown", p, CompleteMilestone{Version: 3, MilestoneID: 99, At: now}, is(ErrNotFound)},
		{"inactive", p, CompleteMilestone{Version: 3, MilestoneID: 5, At: now}, is(ErrNotFound)},
		{"already done (double submit)", withCompletion(p, Completion{MilestoneID: 2, At: now.Add(-time.Hour), By: 7, Note: "ok"}),
			CompleteMilestone{Version: 3, MilestoneID: 2, At: now.Add(-time.Hour), Note: " ok "}, is(ErrAlreadyCompleted)},
		{"already done, another time", withCompletion(p, Completion{MilestoneID: 2, At: now.Add(-time.Hour), By: 7, Note: "ok"}),
			CompleteMilestone{Version: 3, MilestoneID: 2, At: now, Note: "ok"}, alreadyBy(7)},
		{"already done, another note", withCompletion(p, Completion{MilestoneID: 2, At: now.Add(-time.Hour), By: 7, Note: "ok"}),
			CompleteMilestone{Version: 3, MilestoneID: 2, At: now.Add(-time.Hour), Note: "other"}, alreadyBy(7)},
		{"already done by someone else", withCompletion(p, Completion{MilestoneID: 2, At: now.Add(-time.Hour), By: 8, Note: "ok"}),
			CompleteMilestone{Version: 2, MilestoneID: 2, At: now.Add(-time.Hour), Note: "ok"}, alreadyBy(8)},
		{"future", p, CompleteMilestone{Version: 3, MilestoneID: 2, At: now.Add(time.Minute)}, field("completed_at", MsgTimeFuture)},
		{"before creation", p, CompleteMilestone{Version: 3, MilestoneID: 2, At: t0.Add(-time.Hour)}, field("completed_at", MsgBeforeCreated)},
		{"no time", p, CompleteMilestone{Version: 3, MilestoneID: 2}, field("completed_at", MsgTimeInvalid)},
		{"archived", newProject(StateArchived), CompleteMilestone{Version: 3, MilestoneID: 2, At: now}, field("", MsgNotInState)},
		{"sold", newProject(StateSold), CompleteMilestone{Version: 3, MilestoneID: 2, At: now}, field("", MsgNotInState)},
		{"earlier open", p, CompleteMilestone{Version: 3, MilestoneID: 4, At: now}, func(err error) bool {
			var e *EarlierOpenError
			return errors.As(err, &e) && len(e.Open) == 2 && e.Open[0] == 2 && e.Open[1] == 3
		}},
		{"earlier without times", p, CompleteMilestone{Version: 3, MilestoneID: 4, At: now, Earlier: true}, field("earlier_at_2", MsgRequired)},
		{"earlier after the later", p, CompleteMilestone{Version: 3, MilestoneID: 3, At: now.Add(-2 * time.Hour), Earlier: true,
			EarlierAt: map[MilestoneID]time.Time{2: now.Add(-time.Hour)}}, field("earlier_at_2", MsgEarlierAfter)},
	}
	for _, tc := range cases {
		_, err := DecideComplete(tc.p, defs, tc.cmd, a)
		if !tc.want(err) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
	// Won with confirmed earlier milestones: sold, closed won, each logged.
	c, err = DecideComplete(p, defs, CompleteMilestone{Version: 3, MilestoneID: 4, At: now, Earlier: true,
		EarlierAt: map[MilestoneID]time.Time{2: now.Add(-2 * time.Hour), 3: now.Add(-time.Hour)}}, a)
	if err != nil {
		t.Fatal(err)
	}
	if c.Project.State != StateSold || !c.Project.SoldAt.Equal(now) || c.Project.Forecast != ForecastClosedWon || len(c.Complete) != 3 {
		t.Fatalf("won: %+v", c.Project)
	}
	// Deferred projects may complete milestones too.
	if _, err := DecideComplete(newProject(StateDeferred), defs, CompleteMilestone{Version: 3, MilestoneID: 2, At: now}, a); err != nil {
		t.Fatal(err)
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func field(name, msg string) func(error) bool {
	return func(err error) bool {
		var ve *ValidationError
		return errors.As(err, &ve) && ve.Fields[name] == msg
	}
}

func TestDecideUndo(t *testing.T) {
	a := actorAt(t0.Add(time.Hour))
	p := newProject(StateActive)
	p.Completions = append(p.Completions, Completion{MilestoneID: 2, At: t0}, Completion{MilestoneID: 3, At: t0})
	if _, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: 2, Reason: "x"}, a); !field("", MsgUndoLaterFirst)(err) {
		t.Errorf("undo with a later one completed: %v", err)
	}
	if _, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: 1, Reason: "x"}, a); !field("", MsgUndoFirst)(err) {
		t.Errorf("undo creation: %v", err)
	}
	if _, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: 3}, a); !field("reason", MsgRequired)(err) {
		t.Errorf("undo without reason: %v", err)
	}
	if _, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: 4, Reason: "x"}, a); !field("", MsgNotCompleted)(err) {
		t.Errorf("undo open: %v", err)
	}
	if _, err := DecideUndo(p, defs, UndoMilestone{Version: 1, MilestoneID: 3, Reason: "x"}, a); !errors.Is(err, ErrConflict) {
		t.Errorf("stale undo: %v", err)
	}
	c, err := DecideUndo(p, defs, UndoMilestone{Version: 3, MilestoneID: 3, Reason: "sent to the wrong customer"}, a)
	if err != nil || len(c.Undo) != 1 || c.Log[0].Kind != LogMilestoneUndone || c.Log[0].Body != "sent to the wrong customer" {
		t.Fatalf("undo: %+v %v", c, err)
	}
	sold := newProject(StateSold)
	sold.Completions = append(sold.Completions, Completion{MilestoneID: 2, At: t0}, Completion{MilestoneID: 3, At: t0}, Completion{MilestoneID: 4, At: t0})
	c, err = DecideUndo(sold, defs, UndoMilestone{Version: 3, MilestoneID: 4, Reason: "contract cancelled"}, a)
	if err != nil || c.Project.State != StateActive {
		t.Fatalf("undo won: %v %v", c.Project.State, err)
	}
}

func TestStateTransitions(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	a := actorAt(now)
	tomorrow := DateOf(now.AddDate(0, 0, 1))
	type step func(Project) (Change, error)
	archive := func(p Project) (Change, error) {
		return DecideArchive(p, []int64{1}, Archive{Version: 3, ReasonID: 1}, a)
	}
	deferIt := func(p Project) (Change, error) { return DecideDefer(p, Defer{Version: 3, Until: tomorrow}, a) }
	reactivate := func(p Project) (Change, error) { return DecideReactivate(p, 3, a) }
	reopen := func(p Project) (Change, error) { return DecideReopen(p, 3, a) }
	want := map[string]map[State]State{ // from → to; missing = illegal
		"archive":    {StateActive: StateArchived, StateDeferred: StateArchived},
		"defer":      {StateActive: StateDeferred, StateDeferred: StateDeferred},
		"reactivate": {StateDeferred: StateActive},
		"reopen":     {StateArchived: StateActive},
	}
	steps := map[string]step{"archive": archive, "defer": deferIt, "reactivate": reactivate, "reopen": reopen}
	for name, do := range steps {
		for _, from := range []State{StateActive, StateDeferred, StateArchived, StateSold} {
			p := newProject(from)
			if from == StateDeferred {
				p.DeferUntil = tomorrow
			}
			if from == StateArchived {
				p.ArchiveReasonID = 1
			}
			c, err := do(p)
			to, legal := want[name][from]
			switch {
			case legal && err != nil:
				t.Errorf("%s from %s: %v", name, from, err)
			case legal && (c.Project.State != to || len(c.Log) == 0 || !c.Touch):
				t.Errorf("%s from %s: state %s, %d log entries", name, from, c.Project.State, len(c.Log))
			case !legal && !field("", MsgNotInState)(err):
				t.Errorf("%s from %s should be refused, got %v", name, from, err)
			}
			p.Version = 9
			if _, err := do(p); !errors.Is(err, ErrConflict) {
				t.Errorf("%s from %s with a stale version: %v", name, from, err)
			}
		}
	}
	p := newProject(StateActive)
	if _, err := DecideArchive(p, []int64{1}, Archive{Version: 3}, a); !field("reason_id", MsgRequired)(err) {
		t.Errorf("archive without reason: %v", err)
	}
	if _, err := DecideArchive(p, []int64{1}, Archive{Version: 3, ReasonID: 2}, a); !field("reason_id", MsgUnknownChoice)(err) {
		t.Errorf("archive with an undefined reason: %v", err)
	}
	if _, err := DecideDefer(p, Defer{Version: 3, Until: DateOf(now)}, a); !field("defer_until", MsgDateNotFuture)(err) {
		t.Errorf("defer until today: %v", err)
	}
	// A deferred project whose day has come counts as active, untouched.
	d := newProject(StateDeferred)
	d.DeferUntil = tomorrow
	if d.EffectiveState(now, time.UTC) != StateDeferred || d.EffectiveState(tomorrow.Start(time.UTC), time.UTC) != StateActive {
		t.Error("effective state of a deferred project")
	}
	// Qualify completes the qualifying milestone.
	c, err := DecideQualify(p, defs, CompleteMilestone{Version: 3, At: now}, a)
	if err != nil || c.Complete[0].MilestoneID != 2 {
		t.Fatalf("qualify: %v", err)
	}
}

func TestOwnerAndTeam(t *testing.T) {
	a := actorAt(t0)
	p := newProject(StateActive)
	users := []UserID{7, 8, 9}
	if _, err := DecideOwner(p, users, 8, 3, a); !errors.Is(err, ErrForbidden) {
		t.Errorf("sales reassigning to another: %v", err)
	}
	m := a
	m.Viewer.Role = RoleManager
	c, err := DecideOwner(p, users, 8, 3, m)
	if err != nil || c.Project.OwnerID != 8 || c.Log[0].Kind != LogOwnerChanged {
		t.Fatalf("manager reassigning: %v", err)
	}
	if _, err := DecideOwner(p, users, 42, 3, m); !field("owner_id", MsgUnknownChoice)(err) {
		t.Errorf("unknown owner: %v", err)
	}
	c, err = DecideMembers(p, users, 8, true, 3, a)
	if err != nil || len(c.AddMembers) != 1 {
		t.Fatalf("add member: %v", err)
	}
	if _, err := DecideMembers(p, users, 7, true, 3, a); !field("member_id", MsgOwnerIsMember)(err) {
		t.Errorf("owner as member: %v", err)
	}
	p.Members = []UserID{8}
	if _, err := DecideMembers(p, users, 8, true, 3, a); !field("member_id", MsgAlreadyMember)(err) {
		t.Errorf("member twice: %v", err)
	}
	if c, err := DecideMembers(p, users, 8, false, 3, a); err != nil || len(c.RemoveMembers) != 1 {
		t.Errorf("remove member: %v", err)
	}
	if _, err := DecideMembers(p, users, 9, false, 3, a); !field("member_id", MsgNotMember)(err) {
		t.Errorf("remove non-member: %v", err)
	}
}

func TestDecideDetails(t *testing.T) {
	a := actorAt(t0)
	p := newProject(StateActive)
	in := DetailsOf(p)
	in.Value, in.StatusID, in.Title = "12,500.50", "4", "Roof and battery"
	c, err := DecideDetails(p, in, Choices{Statuses: []int64{4}}, a)
	if err != nil || c.Project.Value != 1250050 || c.Project.StatusID != 4 || len(c.Log) != 3 {
		t.Fatalf("details: %+v %v", c.Log, err)
	}
	in.Version = 2
	if _, err := DecideDetails(p, in, Choices{Statuses: []int64{4}}, a); !errors.Is(err, ErrConflict) {
		t.Errorf("stale details: %v", err)
	}
	if c, _ := DecideDetails(p, DetailsOf(p), Choices{}, a); c.Touch {
		t.Error("an unchanged form changes the project")
	}
}

// The drawer's status select changes the status and nothing else, with
// the details decision's log entry, version check and validation.
func TestDecideStatus(t *testing.T) {
	a := actorAt(t0)
	p := newProject(StateActive)
	p.Value, p.Referrer, p.StatusID = 1250050, "Neighbour", 3
	c, err := DecideStatus(p, "4", p.Version, Choices{Statuses: []int64{3, 4}}, a)
	if err != nil || c.Project.StatusID != 4 || len(c.Log) != 1 || c.Log[0].Kind != LogStatusChanged || c.Log[0].OldValue != "3" || c.Log[0].NewValue != "4" {
		t.Fatalf("status: %+v %v", c.Log, err)
	}
	if c.Project.Value != p.Value || c.Project.Referrer != p.Referrer || c.Project.Title != p.Title || c.Project.Forecast != p.Forecast {
		t.Errorf("status changed other fields: %+v", c.Project)
	}
	if c, err := DecideStatus(p, "", p.Version, Choices{Statuses: []int64{4}}, a); err != nil || c.Project.StatusID != 0 || len(c.Log) != 1 {
		t.Errorf("clear status: %+v %v", c.Log, err)
	}
	if _, err := DecideStatus(p, "4", p.Version+1, Choices{Statuses: []int64{4}}, a); !errors.Is(err, ErrConflict) {
		t.Errorf("stale status: %v", err)
	}
	if _, err := DecideStatus(p, "9", p.Version, Choices{Statuses: []int64{4}}, a); !field("status_id", MsgUnknownChoice)(err) {
		t.Errorf("unknown status: %v", err)
	}
	// A status deactivated since it was chosen may stay.
	if c, err := DecideStatus(p, "3", p.Version, Choices{Statuses: []int64{4}}, a); err != nil || c.Touch {
		t.Errorf("keep a deactivated status: %+v %v", c, err)
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0": 0, "12500.5": 1250050, "12,500.50": 1250050, " 300 ": 30000, "1,000,000": 100000000,
		".5": 50, "1000000000000": MaxMoneyCents, "+7": 700} {
		if got, msg := ParseMoney(in); got != want || msg != "" {
			t.Errorf("ParseMoney(%q) = %d %q, want %d", in, got, msg, want)
		}
	}
	for in, want := range map[string]string{"-1": MsgMoneyNegative, "1.234": MsgMoneyDecimals, "1000000000000.01": MsgMoneyTooLarge,
		"99999999999999999999": MsgMoneyTooLarge, "abc": MsgMoneyInvalid, "1,00": MsgMoneyInvalid, "1.2.3": MsgMoneyInvalid, ".": MsgMoneyInvalid,
		"1e5": MsgMoneyInvalid, "１２": MsgMoneyInvalid} {
		if _, msg := ParseMoney(in); msg != want {
			t.Errorf("ParseMoney(%q) = %q, want %q", in, msg, want)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12,500.50", "0.01", "-3", "1e12", "1000000000000", ",,", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, msg := ParseMoney(s)
		if msg != "" {
			if c != 0 {
				t.Fatalf("%q: error %s with value %d", s, msg, c)
			}
			return
		}
		if c < 0 || c > MaxMoneyCents {
			t.Fatalf("%q: %d out of range", s, c)
		}
		if back, msg := ParseMoney(MoneyInput(c)); back != c || msg != "" {
			t.Fatalf("%q: %d does not round-trip (%q → %d %s)", s, c, MoneyInput(c), back, msg)
		}
	})
}

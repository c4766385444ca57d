package crm

import (
	"errors"
	"testing"
)

func TestProcessDecisions(t *testing.T) {
	ms := []MilestoneDef{
		{ID: 1, Position: 1, Active: true, MilestoneSpec: MilestoneSpec{Name: "Lead created"}},
		{ID: 2, Position: 2, Active: true, MilestoneSpec: MilestoneSpec{Name: "Lead qualified", Qualifying: true}},
		{ID: 3, Position: 3, Active: true, MilestoneSpec: MilestoneSpec{Name: "Sold", Won: true}},
	}
	// A new qualifying and won milestone after the first moves both flags to it.
	c, err := DecideNewMilestone(ms, 1, MilestoneSpec{Name: "Site survey", Qualifying: true, Won: true}, ApplyToAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Write) != 3 || c.Write[0].ID != 2 || c.Write[0].Qualifying || c.Write[1].ID != 3 || c.Write[1].Won ||
		c.Write[2].ID != 0 || !c.Write[2].Won {
		t.Errorf("writes %+v", c.Write)
	}
	if want := []MilestoneID{1, 0, 2, 3}; len(c.Order) != 4 || c.Order[1] != 0 || c.Order[2] != want[2] {
		t.Errorf("order %v, want %v", c.Order, want)
	}
	if _, err := DecideNewMilestone(ms, 99, MilestoneSpec{Name: "x"}, ApplyToAll); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown after: %v", err)
	}
	full := make([]MilestoneDef, MaxActiveMilestones)
	for i := range full {
		full[i] = MilestoneDef{ID: MilestoneID(i + 1), Active: true}
	}
	if _, err := DecideNewMilestone(full, 0, MilestoneSpec{Name: "x"}, ApplyToAll); field("", MsgTooMany)(err) == false {
		t.Errorf("too many: %v", err)
	}
	// The won milestone keeps its flag, cannot be deactivated or deleted.
	if _, err := DecideEditMilestone(ms, 3, MilestoneSpec{Name: "Sold"}); !field("won", MsgOneWon)(err) {
		t.Errorf("unflag won: %v", err)
	}
	if _, err := DecideMilestoneActive(ms, 3, false); !field("", MsgWonActive)(err) {
		t.Errorf("deactivate won: %v", err)
	}
	if _, err := DecideDeleteMilestone(ms, 3); !field("", MsgOneWon)(err) {
		t.Errorf("delete won: %v", err)
	}
	// Edits are audited field by field; an unchanged active flag writes nothing.
	c, err = DecideEditMilestone(ms, 2, MilestoneSpec{Name: "Qualified", Qualifying: true, Probability: 30})
	if err != nil || len(c.Audit) != 2 || c.Audit[0].Action != "name" || c.Audit[1].Action != "probability" {
		t.Errorf("edit: %+v %v", c.Audit, err)
	}
	if c, err := DecideMilestoneActive(ms, 2, true); err != nil || len(c.Write) != 0 {
		t.Errorf("no-op active: %+v %v", c, err)
	}
	// Orders are permutations; moving past an end stays.
	if _, err := DecideMilestoneOrder(ms, []MilestoneID{1, 2}); !field("", MsgOrder)(err) {
		t.Errorf("short order: %v", err)
	}
	if _, err := DecideMilestoneOrder(ms, []MilestoneID{1, 2, 2}); !field("", MsgOrder)(err) {
		t.Errorf("repeated order: %v", err)
	}
	if c, err := DecideMoveMilestone(ms, 1, -1); err != nil || c.Order != nil {
		t.Errorf("move first up: %+v %v", c, err)
	}
	if c, err := DecideMoveMilestone(ms, 1, 1); err != nil || c.Order[0] != 2 || len(c.Audit) != 1 {
		t.Errorf("move down: %+v %v", c, err)
	}
}

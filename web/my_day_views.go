package web

import (
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// MyDayView is My day: what the viewer has to do today.
type MyDayView struct {
	Page
	Milestones []MyDayMilestone
	Subtasks   []MyDayItem
	Events     []MyDayItem
	Untouched  []MyDayProject
	BackToday  []MyDayProject
	NowLocal   string // the completion time a one-click completion states
}

// Empty reports whether there is nothing to do today.
func (v MyDayView) Empty() bool {
	return len(v.Milestones)+len(v.Subtasks)+len(v.Events)+len(v.Untouched)+len(v.BackToday) == 0
}

// MyDayProject is a project in a My day list.
type MyDayProject struct {
	ID       crm.ProjectID
	Title    string
	Customer string
	Version  int
	Age      int // days since it was created (untouched leads)
}

// URL is the project's workspace.
func (p MyDayProject) URL() string { return ProjectURL(p.ID) }

// MyDayMilestone is a project whose pending milestone is due today or late.
type MyDayMilestone struct {
	MyDayProject
	MilestoneID int64
	Milestone   string
	Due         time.Time
	DaysLate    int
}

// CompleteURL completes the milestone.
func (m MyDayMilestone) CompleteURL() string {
	return m.URL() + "/milestones/" + strconv.FormatInt(m.MilestoneID, 10) + "/complete"
}

// MyDayItem is an open subtask or event due today or overdue.
type MyDayItem struct {
	MyDayProject
	ID       int64
	Title    string
	Day      crm.Date  // a subtask's due day
	At       time.Time // an event's start
	DaysLate int
	Overdue  bool // an event whose start has passed
}

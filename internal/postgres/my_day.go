package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// MyDay is what a user has to do today, across the projects they can see:
// their projects whose pending milestone is due by the end of today (late
// ones first), their open subtasks and events due by then, the new leads
// they own that nobody has worked on yet, and their deferred projects that
// came back today.
type MyDay struct {
	Milestones []MyMilestone
	Subtasks   []MyItem
	Events     []MyItem
	Untouched  []MyProject
	BackToday  []MyProject
}

// MyProject is a project in a My day list.
type MyProject struct {
	ID        crm.ProjectID
	Title     string
	Customer  string
	Version   int
	CreatedAt time.Time
}

// MyMilestone is a project whose pending milestone is due.
type MyMilestone struct {
	MyProject
	MilestoneID int64
	Milestone   string
	Due         time.Time // the first instant of the due day
}

// MyItem is an open subtask or event of the user's.
type MyItem struct {
	ID      int64
	Project MyProject
	Title   string
	Due     time.Time // a subtask's due day (UTC midnight), an event's start
}

// myDayLimit caps each list: a day's work, not an archive.
const myDayLimit = 100

// MyDay loads the viewer's day at now: dayEnd is the first instant of
// tomorrow and dayStart of today in the tenant's zone, today the calendar
// date. Every list keeps to the projects the viewer can see.
func (db *DB) MyDay(ctx context.Context, v crm.Viewer, now, dayStart, dayEnd time.Time, today crm.Date) (MyDay, error) {
	var d MyDay
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		project := `p.id, p.title, p.customer_name, p.version, p.created_at`
		args := []any{tx.Tenant, v.UserID, now, dayEnd}
		b.Queue(`SELECT `+project+`, COALESCE(p.pending_milestone_id, 0), COALESCE(d.name, ''), p.pending_due_at FROM projects p
			LEFT JOIN milestone_defs d ON d.tenant_id = $1 AND d.id = p.pending_milestone_id
			WHERE p.tenant_id = $1 AND p.owner_id = $2 AND p.phase = 'open' AND p.active_from <= $3 AND p.pending_due_at < $4
			ORDER BY p.pending_due_at, p.id LIMIT `+fmt.Sprint(myDayLimit), args...)
		sargs := []any{tx.Tenant, v.UserID, today.Time()}
		b.Queue(`SELECT s.id, `+project+`, s.title, s.due_date FROM subtasks s
			JOIN projects p ON p.tenant_id = $1 AND p.id = s.project_id
			WHERE s.tenant_id = $1 AND s.assignee_id = $2 AND NOT s.done AND s.due_date <= $3 AND p.phase = 'open'
			  AND `+scope.Where("p", &sargs)+`
			ORDER BY s.due_date, s.id LIMIT `+fmt.Sprint(myDayLimit), sargs...)
		eargs := []any{tx.Tenant, v.UserID, dayEnd}
		b.Queue(`SELECT e.id, `+project+`, e.title, e.starts_at FROM scheduled_events e
			JOIN projects p ON p.tenant_id = $1 AND p.id = e.project_id
			WHERE e.tenant_id = $1 AND e.owner_id = $2 AND NOT e.done AND e.starts_at < $3 AND p.phase = 'open'
			  AND `+scope.Where("p", &eargs)+`
			ORDER BY e.starts_at, e.id LIMIT `+fmt.Sprint(myDayLimit), eargs...)
		b.Queue(`SELECT `+project+` FROM projects p
			WHERE p.tenant_id = $1 AND p.owner_id = $2 AND p.first_touch_at IS NULL AND p.phase = 'open'
			ORDER BY p.created_at DESC, p.id DESC LIMIT `+fmt.Sprint(myDayLimit), tx.Tenant, v.UserID)
		b.Queue(`SELECT `+project+` FROM projects p
			WHERE p.tenant_id = $1 AND p.owner_id = $2 AND p.state = 'deferred' AND p.active_from >= $3 AND p.active_from <= $4
			ORDER BY p.created_at DESC, p.id DESC LIMIT `+fmt.Sprint(myDayLimit), tx.Tenant, v.UserID, dayStart, now)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		var m MyMilestone
		read := func(dest []any, add func()) error {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			_, err = pgx.ForEachRow(rows, dest, func() error { add(); return nil })
			return err
		}
		pdest := func(p *MyProject) []any { return []any{&p.ID, &p.Title, &p.Customer, &p.Version, &p.CreatedAt} }
		err = read(append(pdest(&m.MyProject), &m.MilestoneID, &m.Milestone, &m.Due), func() { d.Milestones = append(d.Milestones, m) })
		var it MyItem
		for _, list := range []*[]MyItem{&d.Subtasks, &d.Events} {
			if err == nil {
				err = read(append(append([]any{&it.ID}, pdest(&it.Project)...), &it.Title, &it.Due), func() { *list = append(*list, it) })
			}
		}
		var p MyProject
		for _, list := range []*[]MyProject{&d.Untouched, &d.BackToday} {
			if err == nil {
				err = read(pdest(&p), func() { *list = append(*list, p) })
			}
		}
		if err != nil {
			return fmt.Errorf("my day: %w", err)
		}
		return br.Close()
	})
	return d, err
}

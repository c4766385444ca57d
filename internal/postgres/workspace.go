package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// Names are a tenant's pick lists and users in display order, inactive ones
// included (old values and log entries name them).
type Names struct {
	Users    []crm.Choice
	Statuses []crm.Choice
	Sources  []crm.Choice
	Reasons  []crm.Choice
}

// Workspace is everything the project workspace shows.
type Workspace struct {
	Project  crm.Project
	Defs     []crm.MilestoneDef
	Account  crm.Account
	Contact  crm.Contact
	Events   []crm.Event
	Subtasks []crm.Subtask
	Log      []crm.LogEntry // newest first, at most LogLimit
	LogMore  bool           // older entries exist
	Names    Names
}

// LogLimit is how many log entries the workspace shows at once.
const LogLimit = 500

// Workspace loads a project the viewer can see with everything around it,
// in one round trip after the visibility scope. crm.ErrNotFound when the
// project does not exist or is not visible.
func (db *DB) Workspace(ctx context.Context, v crm.Viewer, id crm.ProjectID) (Workspace, error) {
	var w Workspace
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant, id}
		b := &pgx.Batch{}
		b.Queue(`SELECT `+projectColumns+` FROM projects p WHERE p.tenant_id = $1 AND p.id = $2 AND `+scope.Where("p", &args), args...)
		queueProjectItems(b, tx.Tenant, id)
		b.Queue(`SELECT a.id, a.name, a.email, a.phone, a.address, a.created_at,
			       COALESCE(c.id, 0), COALESCE(c.name, ''), COALESCE(c.email, ''), COALESCE(c.phone, '')
			  FROM projects p JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id
			  LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id
			 WHERE p.tenant_id = $1 AND p.id = $2`, tx.Tenant, id)
		b.Queue(logQuery, tx.Tenant, id, LogLimit+1)
		b.Queue(milestoneDefsQuery, tx.Tenant)
		b.Queue(namesQuery, tx.Tenant)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if _, err := scanProject(br.QueryRow(), &w.Project); err != nil {
			return fmt.Errorf("load project %d: %w", id, err)
		}
		if err := readProjectItems(br, &w.Project); err != nil {
			return err
		}
		w.Events, w.Subtasks = w.Project.Events, w.Project.Subtasks
		a, c := &w.Account, &w.Contact
		if err := br.QueryRow().Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &a.Address, &a.CreatedAt,
			&c.ID, &c.Name, &c.Email, &c.Phone); err != nil {
			return fmt.Errorf("load customer: %w", translate(err))
		}
		c.AccountID = a.ID
		if w.Log, err = collect(br, scanLog); err != nil {
			return err
		}
		if len(w.Log) > LogLimit {
			w.Log, w.LogMore = w.Log[:LogLimit], true
		}
		if w.Defs, err = collect(br, scanMilestoneDef); err != nil {
			return err
		}
		w.Names, err = scanNames(br)
		return err
	})
	return w, err
}

const logQuery = `SELECT l.id, l.project_id, l.at, COALESCE(l.user_id, 0), COALESCE(u.name, ''), l.kind, l.field,
	       l.old_value, l.new_value, l.body, l.happened_at
	  FROM project_log l LEFT JOIN users u ON u.tenant_id = $1 AND u.id = l.user_id
	 WHERE l.tenant_id = $1 AND l.project_id = $2
	 ORDER BY l.at DESC, l.id DESC LIMIT $3`

func scanLog(r pgx.CollectableRow) (crm.LogEntry, error) {
	var e crm.LogEntry
	var happened *time.Time
	err := r.Scan(&e.ID, &e.ProjectID, &e.At, &e.UserID, &e.UserName, &e.Kind, &e.Field, &e.OldValue, &e.NewValue, &e.Body, &happened)
	e.HappenedAt = timeOf(happened)
	return e, err
}

const namesQuery = `
	SELECT 'u', id, name, active, 0 FROM users WHERE tenant_id = $1
	UNION ALL SELECT 'm', id, name, active, position FROM milestone_statuses WHERE tenant_id = $1
	UNION ALL SELECT 's', id, name, active, position FROM lead_sources WHERE tenant_id = $1
	UNION ALL SELECT 'r', id, name, active, position FROM archive_reasons WHERE tenant_id = $1
	ORDER BY 1, 5, 3, 2`

func scanNames(br pgx.BatchResults) (Names, error) {
	var n Names
	rows, err := br.Query()
	if err != nil {
		return n, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var x crm.Choice
		var pos int
		if err := rows.Scan(&kind, &x.ID, &x.Name, &x.Active, &pos); err != nil {
			return n, err
		}
		switch kind {
		case "u":
			n.Users = append(n.Users, x)
		case "m":
			n.Statuses = append(n.Statuses, x)
		case "s":
			n.Sources = append(n.Sources, x)
		case "r":
			n.Reasons = append(n.Reasons, x)
		}
	}
	return n, rows.Err()
}

// ProjectLog returns the newest log entries of a project the viewer can see.
func (db *DB) ProjectLog(ctx context.Context, v crm.Viewer, id crm.ProjectID) (crm.Project, []crm.LogEntry, Names, []crm.MilestoneDef, error) {
	var (
		p     crm.Project
		log   []crm.LogEntry
		names Names
		defs  []crm.MilestoneDef
	)
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		var err error
		if p, _, err = tx.readProject(ctx, v, id, false); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(logQuery, tx.Tenant, id, LogLimit)
		b.Queue(milestoneDefsQuery, tx.Tenant)
		b.Queue(namesQuery, tx.Tenant)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if log, err = collect(br, scanLog); err != nil {
			return err
		}
		if defs, err = collect(br, scanMilestoneDef); err != nil {
			return err
		}
		names, err = scanNames(br)
		return err
	})
	return p, log, names, defs, err
}

// PickLists returns the tenant's names (users and pick lists) and milestone
// definitions, for forms outside a project.
func (db *DB) PickLists(ctx context.Context, tenant crm.TenantID) (Names, []crm.MilestoneDef, error) {
	var names Names
	var defs []crm.MilestoneDef
	err := db.InTenant(ctx, tenant, func(tx *Tx) error {
		b := &pgx.Batch{}
		b.Queue(namesQuery, tx.Tenant)
		br := tx.SendBatch(ctx, b)
		var err error
		names, err = scanNames(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		defs, err = tx.MilestoneDefs(ctx)
		return err
	})
	return names, defs, err
}

// Names returns the tenant's users and pick lists in display order,
// inactive ones included.
func (tx *Tx) Names(ctx context.Context) (Names, error) {
	b := &pgx.Batch{}
	b.Queue(namesQuery, tx.Tenant)
	br := tx.SendBatch(ctx, b)
	n, err := scanNames(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return n, err
}

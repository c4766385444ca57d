package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
)

// ExportLists are what the lines of a projects file refer to by ID: the
// tenant's users (with their e-mail), pick lists and milestones, inactive
// ones included.
type ExportLists struct {
	Users []crm.User
	Names Names
	Defs  []crm.MilestoneDef
}

// ExportProjects streams the projects v may see that match f — every one
// of them when f is nil — in ID order: first lists gets what the lines
// refer to, then each gets every project with its completions, account and
// contact. One statement reads the projects, so the file is one consistent
// snapshot however long the client takes to read it; rows reach each as
// they arrive, so memory does not grow with the tenant. An error of each
// ends the export with it.
func (db *DB) ExportProjects(ctx context.Context, v crm.Viewer, f *SalesFilter, now time.Time,
	lists func(ExportLists) error, each func(*crm.ProjectRecord) error) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		l, err := tx.exportLists(ctx, v)
		if err != nil {
			return err
		}
		if err := lists(l); err != nil {
			return err
		}
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		args := []any{tx.Tenant}
		where := "p.tenant_id = $1"
		if f != nil {
			f.Now = now
			if err := tx.resolveText(ctx, f); err != nil {
				return err
			}
			args = args[:0]
			where = f.where(tx.Tenant, &args)
		}
		args = append(args, now)
		nowArg := fmt.Sprintf("$%d", len(args))
		scoped := where + ` AND ` + scope.Where("p", &args)
		sql := `SELECT ` + projectColumns + `, p.external_id, ` + exportColumns(nowArg) + `,
		       COALESCE(cm.ids, '{}'), COALESCE(cm.ats, '{}'), COALESCE(cm.bys, '{}')
		  FROM projects p
		  JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id
		  LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id
		  LEFT JOIN LATERAL (
		       SELECT array_agg(mc.milestone_id) AS ids, array_agg(mc.completed_at) AS ats,
		              array_agg(COALESCE(mc.completed_by, 0)) AS bys
		         FROM milestone_completions mc WHERE mc.tenant_id = $1 AND mc.project_id = p.id) cm ON true
		 WHERE ` + scoped + `
		 ORDER BY p.id`
		if f == nil {
			// Every project: read in ID order from the primary key, each
			// account and contact looked up by its key, completions and
			// teams grouped in key order and merged in; the first row comes
			// at once, and nothing is sorted or hashed.
			sql = `SELECT ` + projectColumnsBefore + `COALESCE(pm.ids, '{}'),` + projectColumnsAfter + `, p.external_id, ` + exportColumns(nowArg) + `,
			       COALESCE(cm.ids, '{}'), COALESCE(cm.ats, '{}'), COALESCE(cm.bys, '{}')
			  FROM projects p
			  JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id
			  LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id
			  LEFT JOIN (
			       SELECT mc.project_id, array_agg(mc.milestone_id) AS ids, array_agg(mc.completed_at) AS ats,
			              array_agg(COALESCE(mc.completed_by, 0)) AS bys
			         FROM milestone_completions mc WHERE mc.tenant_id = $1 GROUP BY mc.project_id) cm ON cm.project_id = p.id
			  LEFT JOIN (
			       SELECT m.project_id, array_agg(m.user_id ORDER BY m.user_id) AS ids
			         FROM project_members m WHERE m.tenant_id = $1 GROUP BY m.project_id) pm ON pm.project_id = p.id
			 WHERE ` + scoped + `
			 ORDER BY p.id`
			if _, err := tx.Exec(ctx, exportAllSettings); err != nil {
				return fmt.Errorf("export projects: %w", err)
			}
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("export projects: %w", err)
		}
		defer rows.Close()
		var r crm.ProjectRecord
		var c contribution
		var override *int
		var due pgtype.Timestamptz
		var ids, bys []int64
		var ats []time.Time
		for rows.Next() {
			p := &r.Project
			var expected, archived, deferUntil, sold, resumed *time.Time
			var members []int64
			err := rows.Scan(&p.ID, &p.Title, &p.AccountID, &p.ContactID, &p.OwnerID, &p.SourceID, &p.Referrer, &p.Scope, &p.Value,
				&expected, &p.StatusID, &p.Forecast, &p.State, &p.ArchiveReasonID, &p.ArchiveNote, &archived, &deferUntil, &sold,
				&resumed, &p.CreatedAt, &p.Version, &members, &c.pending, &c.activeFrom, &c.weighted, &override, &c.last, &p.ExternalID,
				&r.Account.Name, &r.Account.Email, &r.Account.Phone, &r.Account.Address, &r.Contact.Name, &r.Contact.Email, &r.Contact.Phone,
				&due, &r.Late, &ids, &ats, &bys)
			if err != nil {
				return fmt.Errorf("export projects: %w", translate(err))
			}
			p.ExpectedClose, p.DeferUntil = dateOf(expected), dateOf(deferUntil)
			p.ArchivedAt, p.SoldAt, p.ResumedAt = timeOf(archived), timeOf(sold), timeOf(resumed)
			p.HasProbability, p.Probability = override != nil, 0
			if override != nil {
				p.Probability = *override
			}
			p.Members = p.Members[:0]
			for _, m := range members {
				p.Members = append(p.Members, crm.UserID(m))
			}
			p.Completions = p.Completions[:0]
			for i := range ids {
				p.Completions = append(p.Completions, crm.Completion{MilestoneID: crm.MilestoneID(ids[i]), At: ats[i], By: crm.UserID(bys[i])})
			}
			slices.SortFunc(p.Completions, func(a, b crm.Completion) int {
				return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.MilestoneID, b.MilestoneID))
			})
			r.Account.ID, r.Contact.ID = p.AccountID, p.ContactID
			r.Pending, r.PendingDue = crm.MilestoneID(c.pending), instantOf(due)
			if err := each(&r); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export projects: %w", translate(err))
		}
		return nil
	})
}

// exportColumns are a projects file's columns beyond the project's own:
// its account and contact, its due day and whether it is late at now.
func exportColumns(now string) string {
	return `a.name, a.email, a.phone, a.address, COALESCE(c.name, ''), COALESCE(c.email, ''), COALESCE(c.phone, ''),
	       CASE WHEN p.state = 'deferred' AND p.active_from > ` + now + ` THEN p.deferred_due_at ELSE p.pending_due_at END,
	       p.phase = 'open' AND p.active_from <= ` + now + ` AND p.late_from <= ` + now
}

// exportAllSettings make the export of every project stream in one
// process: without them the planner hashes a million accounts and contacts
// and sorts the joined rows on disk before the first row leaves, in
// parallel workers that compete with the server writing the file for the
// machine's cores (about 12 s for a million projects, against 7).
const exportAllSettings = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_sort = off; " +
	"SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"

// exportLists reads what the lines of a projects file refer to by ID.
func (tx *Tx) exportLists(ctx context.Context, v crm.Viewer) (ExportLists, error) {
	var l ExportLists
	b := &pgx.Batch{}
	b.Queue(`SELECT id, name, email, active FROM users WHERE tenant_id = $1 ORDER BY id`, tx.Tenant)
	b.Queue(namesQuery, tx.Tenant)
	b.Queue(milestoneDefsQuery, tx.Tenant)
	br := tx.SendBatch(ctx, b)
	rows, err := br.Query()
	if err == nil {
		l.Users, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.User, error) {
			u := crm.User{TenantID: v.TenantID}
			return u, r.Scan(&u.ID, &u.Name, &u.Email, &u.Active)
		})
	}
	if err == nil {
		l.Names, err = scanNames(br)
	}
	if err == nil {
		rows, err = br.Query()
		if err == nil {
			l.Defs, err = pgx.CollectRows(rows, scanMilestoneDef)
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return l, fmt.Errorf("export lists: %w", translate(err))
	}
	return l, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/phone"
)

// importBatch is how many rows an import resolves and writes at a time.
const importBatch = 2000

// importPlannedBatches is how many batches of an import have their
// foreign-key checks planned for each key. The database keeps one plan of
// a foreign key's check per connection. Made while the accounts table held
// a few rows (an import's first ones, or a small tenant's before the
// import), that plan could scan another index of the table by the tenant
// alone: a read of every account of the tenant per check, about 1 ms per
// project at 30,000 accounts (a 100,000-row file took 55 s instead of 25).
// A plan per check costs its planning, a fifth of the import's time, so
// only the first batches pay it; then the connection's plans are
// discarded (DISCARD PLANS), and the checks' next plan is made with the
// tables as they are then.
const importPlannedBatches = 2

// Messages of an import as a whole, and of rows the database refuses.
const (
	MsgImportHasErrors  = "import.has_errors"         // |errors: all or nothing, and the file has errors
	MsgRowHiddenProject = "import.row.hidden_project" // the external ID is a project the importer cannot see
)

// ImportSetup is what reading a projects file needs of the tenant: its
// users, lists and milestones (ExportLists), its workgroups by name with
// their members, and the owners the viewer may import for (nil: any — an
// admin, or a manager of a tenant without workgroups).
type ImportSetup struct {
	Lists      ExportLists
	Workgroups map[string][]crm.UserID
	Owners     map[crm.UserID]bool
}

// ImportSetup reads what a projects file is read against.
func (db *DB) ImportSetup(ctx context.Context, v crm.Viewer) (ImportSetup, error) {
	var s ImportSetup
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		var err error
		if s.Lists, err = tx.exportLists(ctx, v); err != nil {
			return err
		}
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		if !scope.All {
			s.Owners = map[crm.UserID]bool{}
			for _, o := range scope.Owners {
				s.Owners[crm.UserID(o)] = true
			}
		}
		s.Workgroups = map[string][]crm.UserID{}
		rows, err := tx.Query(ctx, `SELECT g.name, m.user_id FROM workgroups g
			JOIN workgroup_members m ON m.tenant_id = $1 AND m.workgroup_id = g.id WHERE g.tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		var name string
		var user int64
		_, err = pgx.ForEachRow(rows, []any{&name, &user}, func() error {
			s.Workgroups[name] = append(s.Workgroups[name], crm.UserID(user))
			return nil
		})
		return err
	})
	if err != nil {
		return s, fmt.Errorf("import setup: %w", translate(err))
	}
	return s, nil
}

// ImportRows yields the rows of a file one at a time: false at the end.
type ImportRows func(row *crm.ImportRow) (bool, error)

// ImportWrite is what a commit writes: from which file, which fields the
// file has (an update changes those only: "title", "owner_email",
// "milestones"... as csvfile names them), whether the valid rows are
// written when others are not, and where each rejected row goes.
type ImportWrite struct {
	ImportID  int64
	FileName  string
	Fields    map[string]bool
	ValidOnly bool
	Rejected  func(line int, errs []crm.RowError) error
	Progress  func(done int)
}

// PreviewImport reads every row and resolves it against the tenant without
// writing anything: which rows create a project and which update one (by
// external ID), their errors, their accounts and contacts matched.
func (db *DB) PreviewImport(ctx context.Context, v crm.Viewer, next ImportRows) (*ImportPreview, error) {
	p := &ImportPreview{}
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		m, err := tx.newImportMatcher(ctx, v, true)
		if err != nil {
			return err
		}
		return m.eachBatch(ctx, next, func(batch []crm.ImportRow, existing []crm.ProjectID) (func() error, error) {
			for i := range batch {
				r := &batch[i]
				p.Total++
				switch {
				case len(r.Errors) > 0:
					p.Skip++
					p.ErrorCount += len(r.Errors)
					for _, e := range r.Errors {
						if len(p.Errors) < MaxPreviewErrors {
							p.Errors = append(p.Errors, e)
						}
					}
				case existing[i] != 0:
					p.Update++
				default:
					p.Create++
				}
				if len(p.Rows) < PreviewRows {
					pr := PreviewRow{Line: r.Line, Update: existing[i] != 0, Invalid: len(r.Errors) > 0, Project: r.Project,
						Account: r.Account, Contact: r.Contact, NewSource: r.NewSource}
					p.Rows = append(p.Rows, pr)
				}
			}
			for _, d := range m.duplicates {
				if len(p.Duplicates) < MaxPreviewMatches {
					p.Duplicates = append(p.Duplicates, d)
				}
			}
			m.duplicates = m.duplicates[:0]
			return nil, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("preview import: %w", err)
	}
	return p, nil
}

// CommitImport writes every row in one transaction: new projects with
// their accounts, contacts (matched by e-mail, phone or name, else
// created), team, completions, derived data and log entries (imported,
// from which file, by whom; the "imported fields" note); existing ones
// (same external ID) updated in the fields the file has. A row with an
// error fails the whole import (nothing is written, a field error
// MsgImportHasErrors) unless w.ValidOnly, when it goes to w.Rejected.
func (db *DB) CommitImport(ctx context.Context, v crm.Viewer, w ImportWrite, next ImportRows) (ImportResult, error) {
	var res ImportResult
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		res = ImportResult{}
		if _, err := tx.engine(ctx); err != nil {
			return err
		}
		m, err := tx.newImportMatcher(ctx, v, false)
		if err != nil {
			return err
		}
		done, errorCount := 0, 0
		err = m.eachBatch(ctx, next, func(batch []crm.ImportRow, existing []crm.ProjectID) (func() error, error) {
			for i := range batch {
				r := &batch[i]
				if len(r.Errors) > 0 {
					errorCount += len(r.Errors)
					res.Rejected++
					if w.ValidOnly && w.Rejected != nil {
						if err := w.Rejected(r.Line, r.Errors); err != nil {
							return nil, err
						}
					}
				}
			}
			if errorCount > 0 && !w.ValidOnly {
				done += len(batch)
				return nil, nil // nothing will be written; read on to count
			}
			// The batch is written while the next one is read.
			return func() error {
				if err := tx.writeImportBatch(ctx, m, v, w, batch, existing, &res); err != nil {
					return err
				}
				done += len(batch)
				if w.Progress != nil {
					w.Progress(done)
				}
				return nil
			}, nil
		})
		if err != nil {
			return err
		}
		if errorCount > 0 && !w.ValidOnly {
			return crm.FieldError("", crm.Msg(MsgImportHasErrors, errorCount))
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// writeImportBatch writes a batch of rows without errors (those with
// errors are skipped): new projects with their accounts, contacts and log
// entries, updates of existing ones (existing: each row's project, 0 for
// new).
func (tx *Tx) writeImportBatch(ctx context.Context, m *importMatcher, v crm.Viewer, w ImportWrite, batch []crm.ImportRow,
	existing []crm.ProjectID, res *ImportResult) error {
	now := time.Now()
	var load Load
	load.ImportID, load.PlanEachCheck = w.ImportID, m.batches < importPlannedBatches
	if m.batches == importPlannedBatches && !tx.citus {
		if _, err := tx.Exec(ctx, "DISCARD PLANS"); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	m.batches++
	var updates []*crm.ImportRow
	var updateIDs []crm.ProjectID
	for i := range batch {
		r := &batch[i]
		if len(r.Errors) > 0 {
			continue
		}
		if r.NewSource != "" {
			id, err := m.source(ctx, r.NewSource)
			if err != nil {
				return err
			}
			r.Project.SourceID = id
		}
		if existing[i] != 0 {
			r.Project.ID = existing[i]
			updates, updateIDs = append(updates, r), append(updateIDs, existing[i])
			continue
		}
		load.Projects = append(load.Projects, r.Project)
		entry := crm.LogEntry{At: now, UserID: v.UserID, Kind: crm.LogImported, Field: "created", Body: w.FileName}
		load.Log = append(load.Log, entry)
		if r.Note != "" {
			load.Log = append(load.Log, crm.LogEntry{At: now, UserID: v.UserID, Kind: crm.LogNote, Body: r.Note})
		}
	}
	if err := m.createCustomers(ctx, &load, batch, existing); err != nil {
		return err
	}
	ids, err := tx.ReserveIDs(ctx, "projects", len(load.Projects))
	if err != nil {
		return err
	}
	li := 0
	for i := range load.Projects {
		p := &load.Projects[i]
		p.ID = crm.ProjectID(ids[i])
		for li < len(load.Log) && (load.Log[li].Kind != crm.LogImported || load.Log[li].ProjectID != 0) {
			li++
		}
		load.Log[li].ProjectID = p.ID
		if li+1 < len(load.Log) && load.Log[li+1].Kind == crm.LogNote {
			load.Log[li+1].ProjectID = p.ID
		}
		li++
	}
	if err := tx.LoadRows(ctx, load); err != nil {
		return err
	}
	res.Created += len(load.Projects)
	if err := tx.updateImported(ctx, v, w, updates, updateIDs, now); err != nil {
		return err
	}
	res.Updated += len(updates)
	return nil
}

// importMatcher resolves an import's rows against the tenant: projects by
// external ID, accounts by e-mail or name, contacts by e-mail, phone or
// name within the account; what the import itself creates is matched by
// the rows after it.
type importMatcher struct {
	tx         *Tx
	v          crm.Viewer
	scope      Scope
	preview    bool
	accounts   map[string]int64 // "e:" e-mail, "n:" lower name → account
	contacts   map[string]contactRef
	sources    map[string]int64
	nextTemp   int64 // placeholder IDs of what the preview would create
	duplicates []ImportDuplicate
	batches    int // batches written
}

type contactRef struct {
	id, account int64
}

func (tx *Tx) newImportMatcher(ctx context.Context, v crm.Viewer, preview bool) (*importMatcher, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	m := &importMatcher{tx: tx, v: v, scope: scope, preview: preview, accounts: map[string]int64{},
		contacts: map[string]contactRef{}, sources: map[string]int64{}}
	rows, err := tx.Query(ctx, `SELECT lower(name), id FROM lead_sources WHERE tenant_id = $1`, tx.Tenant)
	if err != nil {
		return nil, err
	}
	var name string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&name, &id}, func() error { m.sources[name] = id; return nil })
	return m, err
}

// eachBatch reads the rows in batches, resolves each batch's projects,
// accounts and contacts, and hands it to fn with the existing project of
// each row (0: new). What fn returns to write (nil: nothing) runs while
// the next batch is read from the file, and ends before that batch is
// resolved: the database writes one batch while the next is decoded. It
// uses the transaction; the reading does not.
func (m *importMatcher) eachBatch(ctx context.Context, next ImportRows,
	fn func([]crm.ImportRow, []crm.ProjectID) (func() error, error)) (err error) {
	buffers := [2][]crm.ImportRow{make([]crm.ImportRow, importBatch), make([]crm.ImportRow, importBatch)}
	var writing chan error // the previous batch's write, when one runs
	wait := func() error {
		if writing == nil {
			return nil
		}
		err := <-writing
		writing = nil
		return err
	}
	defer func() {
		if werr := wait(); err == nil {
			err = werr
		}
	}()
	for k := 0; ; k++ {
		batch := buffers[k%2]
		n := 0
		for n < importBatch {
			ok, err := next(&batch[n])
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			n++
		}
		if err := wait(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		rows := batch[:n]
		existing, err := m.projects(ctx, rows)
		if err != nil {
			return err
		}
		if err := m.customers(ctx, rows); err != nil {
			return err
		}
		write, err := fn(rows, existing)
		if err != nil {
			return err
		}
		if write != nil {
			writing = make(chan error, 1)
			go func(done chan<- error) {
				defer func() {
					if p := recover(); p != nil {
						done <- fmt.Errorf("write import batch: %v", p)
					}
				}()
				done <- write()
			}(writing)
		}
		if n < importBatch {
			return nil
		}
	}
}

// projects finds the existing project of each row by its external ID: a
// project imported with that ID, or one of the tenant's own whose ID it is
// (a Pipewell export's id column read back). One outside the viewer's
// scope is a row error, saying no more than that.
func (m *importMatcher) projects(ctx context.Context, rows []crm.ImportRow) ([]crm.ProjectID, error) {
	out := make([]crm.ProjectID, len(rows))
	var ext []string
	var own []int64
	for _, r := range rows {
		if r.ExternalID == "" {
			continue
		}
		ext = append(ext, r.ExternalID)
		if n, err := strconv.ParseInt(r.ExternalID, 10, 64); err == nil && n > 0 {
			own = append(own, n)
		}
	}
	if len(ext) == 0 {
		return out, nil
	}
	args := []any{m.tx.Tenant, ext, own}
	visible := m.scope.Where("p", &args)
	// Two index lookups (the external ID's, the primary key), not one OR
	// that would read every project of the tenant.
	// Each key is looked up on its own (a lateral subquery with a limit is
	// never flattened into a join): the import's own rows are not in the
	// table's statistics yet, and a join planned from them read every
	// project of the tenant once per key, a cost that grew with the square
	// of the file.
	q, err := m.tx.Query(ctx, `SELECT p.external_id, p.id, p.visible FROM unnest($2::text[]) k(id)
		  CROSS JOIN LATERAL (SELECT p.external_id, p.id, `+visible+` AS visible FROM projects p
		    WHERE p.tenant_id = $1 AND p.external_id = k.id AND p.external_id <> '' LIMIT 1) p
		UNION ALL
		SELECT p.id::text, p.id, p.visible FROM unnest($3::bigint[]) k(id)
		  CROSS JOIN LATERAL (SELECT p.id, `+m.scope.Where("p", &args)+` AS visible FROM projects p
		    WHERE p.tenant_id = $1 AND p.id = k.id AND p.external_id = '' LIMIT 1) p`, args...)
	if err != nil {
		return nil, fmt.Errorf("import projects: %w", err)
	}
	found := map[string]crm.ProjectID{}
	hidden := map[string]bool{}
	var key string
	var id int64
	var vis bool
	if _, err := pgx.ForEachRow(q, []any{&key, &id, &vis}, func() error {
		if !vis {
			hidden[key] = true
		} else if _, dup := found[key]; !dup {
			found[key] = crm.ProjectID(id)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("import projects: %w", err)
	}
	for i := range rows {
		r := &rows[i]
		if hidden[r.ExternalID] {
			r.Errors = append(r.Errors, crm.RowError{Line: r.Line, Column: "", Msg: MsgRowHiddenProject})
			continue
		}
		out[i] = found[r.ExternalID]
	}
	return out, nil
}

// customers matches each row's account and contact with the tenant's,
// those the viewer may see, and fills in their IDs; a new one gets a
// placeholder (negative) ID, the same for the rows after it that name it.
func (m *importMatcher) customers(ctx context.Context, rows []crm.ImportRow) error {
	// Phone numbers are matched in their normalised form in the tenant's
	// country, as the duplicate check of a new lead matches them.
	region, err := m.tx.phoneRegion(ctx)
	if err != nil {
		return err
	}
	var emails, names, cEmails, phones []string
	for _, r := range rows {
		if r.Account.Email != "" {
			emails = append(emails, strings.ToLower(r.Account.Email))
		} else {
			names = append(names, strings.ToLower(r.Account.Name))
		}
		if r.Contact.Email != "" {
			cEmails = append(cEmails, strings.ToLower(r.Contact.Email))
		}
		if d := phone.Normal(r.Contact.Phone, region); d != "" {
			phones = append(phones, d)
		}
	}
	tx := m.tx
	args := []any{tx.Tenant, emails, names}
	// Each key is looked up on its own (OFFSET 0 keeps the lateral
	// subquery from being flattened into a join planned from statistics
	// that do not count the rows this import wrote), through the lower-case
	// key columns: under row-level security an index condition cannot apply
	// lower() to a column. Both lookups are planned anew for each batch
	// (QueryExecModeExec): a plan kept from the first batches, when the
	// tables were small, read every account of the tenant for each key.
	q, err := tx.Query(ctx, `SELECT a.id, lower(a.email), lower(a.name) FROM (
		       SELECT f.id FROM unnest($2::text[]) k(email) CROSS JOIN LATERAL (SELECT a.id FROM accounts a
		         WHERE a.tenant_id = $1 AND a.email_key = k.email COLLATE "C" AND a.email_key <> '' OFFSET 0) f
		       UNION SELECT f.id FROM unnest($3::text[]) k(name) CROSS JOIN LATERAL (SELECT a.id FROM accounts a
		         WHERE a.tenant_id = $1 AND a.name_key = k.name COLLATE "C" OFFSET 0) f) f
		  JOIN accounts a ON a.tenant_id = $1 AND a.id = f.id
		 WHERE `+m.scope.AccountWhere("a", &args)+` ORDER BY a.id`, replanned(args)...)
	if err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	var id, account int64
	var email, name, norm string
	if _, err := pgx.ForEachRow(q, []any{&id, &email, &name}, func() error {
		for _, k := range []string{"e:" + email, "n:" + name} {
			if _, ok := m.accounts[k]; !ok && len(k) > 2 {
				m.accounts[k] = id
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	var vis bool
	args = []any{tx.Tenant, cEmails, phones}
	q, err = tx.Query(ctx, `SELECT c.id, c.account_id, lower(c.email), c.phone_norm, c.name, `+
		m.scope.ContactWhere("c", &args)+`
		  FROM (SELECT f.id FROM unnest($2::text[]) k(email) CROSS JOIN LATERAL (SELECT c.id FROM contacts c
		          WHERE c.tenant_id = $1 AND c.email_key = k.email COLLATE "C" AND c.email_key <> '' OFFSET 0) f
		        UNION SELECT f.id FROM unnest($3::text[]) k(norm) CROSS JOIN LATERAL (SELECT c.id FROM contacts c
		          WHERE c.tenant_id = $1 AND c.phone_norm = k.norm AND c.phone_norm <> '' OFFSET 0) f) f
		  JOIN contacts c ON c.tenant_id = $1 AND c.id = f.id
		 ORDER BY c.id`, replanned(args)...)
	if err != nil {
		return fmt.Errorf("import contacts: %w", err)
	}
	hidden := map[string]bool{}
	names2 := map[string]string{}
	if _, err := pgx.ForEachRow(q, []any{&id, &account, &email, &norm, &name, &vis}, func() error {
		for _, k := range []string{"e:" + email, "p:" + norm} {
			if len(k) <= 2 {
				continue
			}
			if !vis {
				hidden[k] = true
				continue
			}
			if _, ok := m.contacts[k]; !ok {
				m.contacts[k] = contactRef{id: id, account: account}
				names2[k] = name
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("import contacts: %w", err)
	}
	for i := range rows {
		r := &rows[i]
		p := &r.Project
		p.AccountID, p.ContactID = 0, 0
		// The contact first: an existing one brings its account.
		if r.Contact.Name != "" {
			keys := []string{}
			if r.Contact.Email != "" {
				keys = append(keys, "e:"+strings.ToLower(r.Contact.Email))
			}
			if d := phone.Normal(r.Contact.Phone, region); d != "" {
				keys = append(keys, "p:"+d)
			}
			for _, k := range keys {
				if c, ok := m.contacts[k]; ok {
					p.ContactID, p.AccountID = c.id, c.account
					if c.id > 0 {
						match := crm.MatchEmail
						if k[0] == 'p' {
							match = crm.MatchPhone
						}
						m.duplicates = append(m.duplicates, ImportDuplicate{Line: r.Line, Contact: r.Contact.Name, Match: match, Name: names2[k]})
					}
					break
				}
				if hidden[k] {
					match := crm.MatchEmail
					if k[0] == 'p' {
						match = crm.MatchPhone
					}
					m.duplicates = append(m.duplicates, ImportDuplicate{Line: r.Line, Contact: r.Contact.Name, Match: match, Hidden: true})
				}
			}
		}
		// An account with an e-mail is that e-mail's (two households of
		// one name are two accounts); one without, its name's.
		key := "n:" + strings.ToLower(r.Account.Name)
		if r.Account.Email != "" {
			key = "e:" + strings.ToLower(r.Account.Email)
		}
		if p.AccountID == 0 {
			p.AccountID = m.accounts[key]
		}
		if p.AccountID == 0 {
			m.nextTemp--
			p.AccountID = m.nextTemp
			m.accounts[key] = p.AccountID
			if _, ok := m.accounts["n:"+strings.ToLower(r.Account.Name)]; !ok {
				m.accounts["n:"+strings.ToLower(r.Account.Name)] = p.AccountID
			}
		}
		if p.ContactID == 0 && r.Contact.Name != "" {
			key := "n:" + strconv.FormatInt(p.AccountID, 10) + ":" + strings.ToLower(r.Contact.Name)
			if c, ok := m.contacts[key]; ok {
				p.ContactID = c.id
			} else {
				m.nextTemp--
				p.ContactID = m.nextTemp
				ref := contactRef{id: p.ContactID, account: p.AccountID}
				m.contacts[key] = ref
				if r.Contact.Email != "" {
					m.contacts["e:"+strings.ToLower(r.Contact.Email)] = ref
				}
				if d := phone.Normal(r.Contact.Phone, region); d != "" {
					m.contacts["p:"+d] = ref
				}
			}
		}
	}
	return nil
}

// createCustomers gives the accounts and contacts the batch's new projects
// need (placeholder IDs) their IDs, and adds them to the load.
func (m *importMatcher) createCustomers(ctx context.Context, load *Load, batch []crm.ImportRow, existing []crm.ProjectID) error {
	newIDs := map[int64]int64{}
	var accounts, contacts []int64
	byTemp := map[int64]*crm.ImportRow{}
	for i := range batch {
		r := &batch[i]
		if len(r.Errors) > 0 {
			continue
		}
		for _, id := range []int64{r.Project.AccountID, r.Project.ContactID} {
			if id < 0 && byTemp[id] == nil {
				byTemp[id] = r
				if id == r.Project.AccountID {
					accounts = append(accounts, id)
				} else {
					contacts = append(contacts, id)
				}
			}
		}
	}
	for _, c := range []struct {
		table string
		temps []int64
	}{{"accounts", accounts}, {"contacts", contacts}} {
		ids, err := m.tx.ReserveIDs(ctx, c.table, len(c.temps))
		if err != nil {
			return err
		}
		for i, t := range c.temps {
			newIDs[t] = ids[i]
		}
	}
	now := time.Now()
	for _, t := range accounts {
		r := byTemp[t]
		a := r.Account
		a.ID, a.CreatedAt, a.CreatedBy = newIDs[t], now, m.v.UserID
		load.Accounts = append(load.Accounts, a)
	}
	for _, t := range contacts {
		r := byTemp[t]
		c := r.Contact
		c.ID, c.AccountID, c.CreatedAt, c.CreatedBy = newIDs[t], r.Project.AccountID, now, m.v.UserID
		if c.AccountID < 0 {
			c.AccountID = newIDs[c.AccountID]
		}
		load.Contacts = append(load.Contacts, c)
	}
	remap := func(id *int64) {
		if *id < 0 {
			if n, ok := newIDs[*id]; ok {
				*id = n
			}
		}
	}
	for k, id := range m.accounts {
		remap(&id)
		m.accounts[k] = id
	}
	for k, c := range m.contacts {
		remap(&c.id)
		remap(&c.account)
		m.contacts[k] = c
	}
	for i := range batch {
		remap(&batch[i].Project.AccountID)
		remap(&batch[i].Project.ContactID)
	}
	for i := range load.Projects {
		remap(&load.Projects[i].AccountID)
		remap(&load.Projects[i].ContactID)
	}
	_ = existing
	return nil
}

// source returns the lead source called name, created at the end of the
// list when the tenant has none of that name.
func (m *importMatcher) source(ctx context.Context, name string) (int64, error) {
	if id, ok := m.sources[strings.ToLower(name)]; ok {
		return id, nil
	}
	// The position first, then the row: a distributed database takes no
	// sub-select inside an INSERT.
	var id, pos int64
	err := m.tx.QueryRow(ctx, `SELECT COALESCE(max(s.position), 0) + 1 FROM lead_sources s WHERE s.tenant_id = $1`, m.tx.Tenant).Scan(&pos)
	if err == nil {
		err = m.tx.QueryRow(ctx, `INSERT INTO lead_sources (tenant_id, name, position) VALUES ($1, $2, $3) RETURNING id`,
			m.tx.Tenant, name, pos).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("create lead source: %w", err)
	}
	m.sources[strings.ToLower(name)] = id
	return id, m.tx.audit(ctx, m.v.UserID, "lead_source", id, "created", "", name)
}

// updateImported writes the rows that update existing projects: the
// fields the file has, the team and completions when it has them, a log
// entry, and their derived data.
func (tx *Tx) updateImported(ctx context.Context, v crm.Viewer, w ImportWrite, rows []*crm.ImportRow, ids []crm.ProjectID, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	prior := make(map[crm.ProjectID]before, len(ids))
	was := make(map[crm.ProjectID]crm.Project, len(ids))
	q, err := tx.Query(ctx, `SELECT id, state, owner_id, value_cents, COALESCE(pending_milestone_id, 0), active_from, weighted_cents,
		       COALESCE(last_milestone_id, 0), expected_close, defer_until, probability_override, forecast_category
		  FROM projects WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`, tx.Tenant, ids)
	if err != nil {
		return fmt.Errorf("lock imported projects: %w", err)
	}
	var id int64
	var c contribution
	var closeDate, deferDate pgtype.Date
	var override pgtype.Int2
	var forecast string
	if _, err := pgx.ForEachRow(q, []any{&id, &c.state, &c.owner, &c.value, &c.pending, &c.activeFrom, &c.weighted, &c.last,
		&closeDate, &deferDate, &override, &forecast}, func() error {
		prior[crm.ProjectID(id)] = before{c: c}
		old := crm.Project{State: crm.State(c.state), OwnerID: crm.UserID(c.owner), Value: c.value,
			Forecast: crm.ForecastCategory(forecast), HasProbability: override.Valid, Probability: int(override.Int16)}
		if closeDate.Valid {
			old.ExpectedClose = crm.DateOf(closeDate.Time)
		}
		if deferDate.Valid {
			old.DeferUntil = crm.DateOf(deferDate.Time)
		}
		was[crm.ProjectID(id)] = old
		return nil
	}); err != nil {
		return fmt.Errorf("lock imported projects: %w", err)
	}
	f := w.Fields
	b := &pgx.Batch{}
	var members, completions, logs [][]any
	for _, r := range rows {
		p := &r.Project
		set := []string{"version = version + 1", "updated_at = $3"}
		args := []any{tx.Tenant, p.ID, now}
		add := func(col string, val any) {
			args = append(args, val)
			set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		if f["title"] || f["account"] || f["contact"] {
			add("title", p.Title)
			add("account_id", p.AccountID)
			add("contact_id", nullID(p.ContactID))
		}
		if f["owner_email"] {
			add("owner_id", p.OwnerID)
		}
		if f["source"] {
			add("source_id", nullID(p.SourceID))
		}
		if f["referrer"] {
			add("referrer", p.Referrer)
		}
		if f["scope"] {
			add("scope", p.Scope)
		}
		if f["value"] {
			add("value_cents", p.Value)
		}
		if f["expected_close"] {
			add("expected_close", nullDate(p.ExpectedClose))
		}
		if f["status"] {
			add("status_id", nullID(p.StatusID))
		}
		if f["forecast"] || f["state"] {
			add("forecast_category", string(p.Forecast))
		}
		if f["probability"] {
			var override *int
			if p.HasProbability {
				override = &p.Probability
			}
			add("probability_override", override)
		}
		if f["state"] || f["archive_reason"] || f["archived_at"] || f["defer_until"] || f["sold_at"] {
			add("state", string(p.State))
			add("archive_reason_id", nullID(p.ArchiveReasonID))
			add("archive_note", p.ArchiveNote)
			add("archived_at", nullTime(p.ArchivedAt))
			add("defer_until", nullDate(p.DeferUntil))
			add("sold_at", nullTime(p.SoldAt))
		}
		if f["resumed_at"] {
			add("resumed_at", nullTime(p.ResumedAt))
		}
		if f["created_at"] {
			add("created_at", p.CreatedAt)
		}
		b.Queue(`UPDATE projects SET `+strings.Join(set, ", ")+` WHERE tenant_id = $1 AND id = $2`, args...)
		if f["team"] {
			for _, u := range p.Members {
				members = append(members, []any{tx.Tenant, p.ID, u})
			}
		}
		if f["milestones"] {
			for _, c := range p.Completions {
				completions = append(completions, []any{tx.Tenant, p.ID, c.MilestoneID, c.At, nullID(int64(c.By)), c.Note})
			}
		}
		logs = append(logs, []any{tx.Tenant, p.ID, now, nullID(int64(v.UserID)), string(crm.LogImported), "updated", "", "", w.FileName, nil})
		for _, fc := range crm.ImportedChanges(was[p.ID], *p, f) {
			logs = append(logs, []any{tx.Tenant, p.ID, now, nullID(int64(v.UserID)), string(fc.Kind), fc.Field, fc.OldValue, fc.NewValue, "", nil})
		}
		if r.Note != "" {
			logs = append(logs, []any{tx.Tenant, p.ID, now, nullID(int64(v.UserID)), string(crm.LogNote), "", "", "", r.Note, nil})
		}
	}
	if f["team"] {
		b.Queue(`DELETE FROM project_members WHERE tenant_id = $1 AND project_id = ANY($2)`, tx.Tenant, ids)
	}
	if f["milestones"] {
		b.Queue(`DELETE FROM milestone_completions WHERE tenant_id = $1 AND project_id = ANY($2)`, tx.Tenant, ids)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		if isForeignKey(err) {
			return crm.ErrNotFound
		}
		return fmt.Errorf("update imported projects: %w", err)
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"project_members", []string{"tenant_id", "project_id", "user_id"}, members},
		{"milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at", "completed_by", "note"}, completions},
		{"project_log", []string{"tenant_id", "project_id", "at", "user_id", "kind", "field", "old_value", "new_value", "body", "happened_at"}, logs},
	} {
		if err := tx.insertRows(ctx, t.table, t.cols, t.rows, true); err != nil {
			return err
		}
	}
	return tx.derive(ctx, ids, prior)
}

// errImportUndo: the import cannot be undone (something changed since, or
// it updated projects that existed before it).
var errImportUndo = errors.New("import cannot be undone")

// MsgImportUndoChanged: a project of the import changed since; MsgImportUndoUpdated: it updated existing projects.
const (
	MsgImportUndoChanged = "import.undo_changed"
	MsgImportUndoUpdated = "import.undo_updated"
)

// UndoImport removes what a finished import created — its projects (with
// their rows and derived data), then its accounts and contacts that no
// other project uses — while none of its projects has changed since (a
// field error otherwise). Their log entries stay, as the log is never
// rewritten. An import that updated existing projects cannot be undone.
func (db *DB) UndoImport(ctx context.Context, v crm.Viewer, id int64) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		args := []any{tx.Tenant, id}
		var state string
		var updated int
		var finished *time.Time
		err := tx.QueryRow(ctx, `SELECT i.state, i.updated, i.finished_at FROM imports i WHERE i.tenant_id = $1 AND i.id = $2 AND `+
			importVisible(v, &args)+` FOR UPDATE`, args...).Scan(&state, &updated, &finished)
		if err != nil {
			return fmt.Errorf("undo import %d: %w", id, translate(err))
		}
		if state != ImportDone {
			return crm.ErrConflict
		}
		if updated > 0 {
			return crm.FieldError("", MsgImportUndoUpdated)
		}
		var changed bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.import_id = $2
			   AND (p.version <> 1 OR EXISTS (SELECT 1 FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = p.id AND l.at > $3)))`,
			tx.Tenant, id, finished).Scan(&changed)
		if err != nil {
			return fmt.Errorf("undo import %d: %w", id, err)
		}
		if changed {
			return crm.FieldError("", MsgImportUndoChanged)
		}
		var w derivedWrite
		q, err := tx.Query(ctx, `SELECT p.state, p.owner_id, p.value_cents, COALESCE(p.pending_milestone_id, 0), p.active_from, p.weighted_cents,
			       COALESCE(p.last_milestone_id, 0)
			  FROM projects p WHERE p.tenant_id = $1 AND p.import_id = $2 FOR UPDATE`, tx.Tenant, id)
		if err != nil {
			return err
		}
		var c contribution
		if _, err := pgx.ForEachRow(q, []any{&c.state, &c.owner, &c.value, &c.pending, &c.activeFrom, &c.weighted, &c.last}, func() error {
			w.total(c, -1)
			return nil
		}); err != nil {
			return fmt.Errorf("undo import %d: %w", id, err)
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM project_search_words w USING projects p WHERE w.tenant_id = $1 AND p.tenant_id = $1 AND p.import_id = $2 AND w.project_id = p.id`, tx.Tenant, id)
		b.Queue(`DELETE FROM project_search s USING projects p WHERE s.tenant_id = $1 AND p.tenant_id = $1 AND p.import_id = $2 AND s.project_id = p.id`, tx.Tenant, id)
		b.Queue(`DELETE FROM projects WHERE tenant_id = $1 AND import_id = $2`, tx.Tenant, id)
		b.Queue(`DELETE FROM contacts c WHERE c.tenant_id = $1 AND c.import_id = $2
			AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.contact_id = c.id)`, tx.Tenant, id)
		b.Queue(`DELETE FROM accounts a WHERE a.tenant_id = $1 AND a.import_id = $2
			AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.account_id = a.id)
			AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = a.id)`, tx.Tenant, id)
		b.Queue(`UPDATE imports SET state = 'undone' WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
		queueTotals(b, tx.Tenant, w.deltas)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("undo import %d: %w", id, err)
		}
		return tx.audit(ctx, v.UserID, "import", id, "undone", "", "")
	})
}

// replanned is a query's arguments for a statement planned with them each
// time it runs, not prepared once: an import's lookups, whose tables grow
// between one batch and the next in the import's own transaction.
func replanned(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}

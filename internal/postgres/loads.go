package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/phone"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// Load is a batch of new rows of one tenant that a seed or an import
// writes at once: accounts, contacts, and projects with their completions,
// events, subtasks and team, and their log. Every row carries its ID, taken
// from its table's sequence beforehand (ReserveIDs), so rows can name each
// other before they are written. Projects name their account, contact,
// owner and status by ID; those not in the load must exist.
type Load struct {
	Accounts []crm.Account
	Contacts []crm.Contact
	Projects []crm.Project
	Log      []crm.LogEntry // each with its ProjectID
	// ImportID is the import the rows come from (0: none), kept on each
	// account, contact and project so that the import can be undone.
	ImportID int64
	// PlanEachCheck plans the foreign-key checks of the load's contacts and
	// projects for each key (customPlansFor; see importPlannedBatches).
	PlanEachCheck bool
}

// ReserveIDs takes n IDs from table's sequence (accounts, contacts,
// projects...) so that rows can be linked before they are written. table
// must be a constant.
func (tx *Tx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// LoadRows writes l in this transaction. The derived data of its projects
// (summary columns, search rows and words, running totals) is computed by
// the engine as the projects are written, as every change computes it, so
// a load needs no second pass.
func (tx *Tx) LoadRows(ctx context.Context, l Load) error {
	e, err := tx.engine(ctx)
	if err != nil {
		return err
	}
	names, err := tx.loadNames(ctx, l)
	if err != nil {
		return err
	}
	var projects, completions, events, subtasks, members, search, words, logs [][]any
	var w derivedWrite
	var pp pipeline.Project
	for i := range l.Projects {
		p := &l.Projects[i]
		pipeline.ProjectOf(&pp, p, tx.loc)
		d := e.Derive(&pp)
		n := names.of(p)
		s := summaryOf(d, &pp, string(p.State), n)
		var override *int
		if p.HasProbability {
			override = &p.Probability
		}
		projects = append(projects, []any{tx.Tenant, p.ID, p.Title, p.AccountID, nullID(p.ContactID), p.OwnerID, nullID(p.SourceID),
			p.Referrer, p.Scope, p.Value, nullDate(p.ExpectedClose), nullID(p.StatusID), string(orPipeline(p.Forecast)), override,
			string(p.State), nullID(p.ArchiveReasonID), p.ArchiveNote, nullTime(p.ArchivedAt), nullDate(p.DeferUntil),
			s.days.soldAt, nullTime(p.ResumedAt), p.CreatedAt, nullID(int64(p.CreatedBy)), orTime(p.LastActivityAt, p.CreatedAt),
			orTime(p.LastActivityAt, p.CreatedAt), nullTime(p.FirstTouchAt),
			s.phase, nullID(s.pending), nullID(s.last), s.lastAt, s.due, s.deferredDue, s.milestoneLateFrom, s.lateFrom,
			s.activeFrom, s.weighted, s.customer, s.owner, s.status, s.search, s.itemLateFrom, s.itemDue, s.itemKind,
			p.ExternalID, nullID(l.ImportID), s.days.stageDay, s.days.cycle, s.history})
		for _, c := range p.Completions {
			completions = append(completions, []any{tx.Tenant, p.ID, c.MilestoneID, c.At, nullID(int64(c.By)), c.Note})
		}
		for _, ev := range p.Events {
			events = append(events, []any{tx.Tenant, p.ID, nullID(int64(ev.MilestoneID)), ev.Title, nullID(int64(ev.OwnerID)),
				ev.StartsAt, ev.Done, nullTime(ev.DoneAt)})
		}
		for _, st := range p.Subtasks {
			subtasks = append(subtasks, []any{tx.Tenant, p.ID, nullID(int64(st.MilestoneID)), st.Title, nullID(int64(st.AssigneeID)),
				nullDate(st.Due), st.Done, nullTime(st.DoneAt)})
		}
		for _, u := range p.Members {
			members = append(members, []any{tx.Tenant, p.ID, u})
		}
		search = append(search, []any{tx.Tenant, p.ID, s.phase, s.activeFrom, p.CreatedAt, s.search})
		for _, word := range searchWords(s.search) {
			words = append(words, []any{tx.Tenant, s.phase, word, p.ID})
		}
		w.total(contributionOf(string(p.State), int64(p.OwnerID), p.Value, s), 1)
	}
	for _, e := range l.Log {
		logs = append(logs, []any{tx.Tenant, e.ProjectID, e.At, nullID(int64(e.UserID)), string(e.Kind), e.Field, e.OldValue,
			e.NewValue, e.Body, nullTime(e.HappenedAt)})
	}
	var accounts, contacts [][]any
	region, err := tx.phoneRegion(ctx)
	if err != nil {
		return err
	}
	for _, a := range l.Accounts {
		accounts = append(accounts, []any{tx.Tenant, a.ID, a.Name, a.Email, a.Phone, a.Address, orTime(a.CreatedAt, time.Now()),
			nullID(int64(a.CreatedBy)), nullID(l.ImportID), phone.Normal(a.Phone, region), a.ExternalID})
	}
	for _, c := range l.Contacts {
		contacts = append(contacts, []any{tx.Tenant, c.ID, c.AccountID, c.Name, c.Email, c.Phone, orTime(c.CreatedAt, time.Now()),
			nullID(int64(c.CreatedBy)), nullID(l.ImportID), phone.Normal(c.Phone, region), c.ExternalID})
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"accounts", []string{"tenant_id", "id", "name", "email", "phone", "address", "created_at", "created_by", "import_id", "phone_norm",
			"external_id"}, accounts},
		{"contacts", []string{"tenant_id", "id", "account_id", "name", "email", "phone", "created_at", "created_by", "import_id", "phone_norm",
			"external_id"}, contacts},
		{"projects", loadProjectColumns, projects},
		// Contacts and projects are checked against accounts and contacts
		// this transaction writes (customPlansFor).
		{"project_members", []string{"tenant_id", "project_id", "user_id"}, members},
		{"milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at", "completed_by", "note"}, completions},
		{"scheduled_events", []string{"tenant_id", "project_id", "milestone_id", "title", "owner_id", "starts_at", "done", "done_at"}, events},
		{"subtasks", []string{"tenant_id", "project_id", "milestone_id", "title", "assignee_id", "due_date", "done", "done_at"}, subtasks},
		{"project_log", []string{"tenant_id", "project_id", "at", "user_id", "kind", "field", "old_value", "new_value", "body", "happened_at"}, logs},
		{"project_search", []string{"tenant_id", "project_id", "phase", "active_from", "created_at", "text"}, search},
		{"project_search_words", []string{"tenant_id", "phase", "word", "project_id"}, words},
	} {
		if err := tx.insertRows(ctx, t.table, t.cols, t.rows, l.PlanEachCheck && customPlansFor[t.table]); err != nil {
			return err
		}
	}
	b := &pgx.Batch{}
	queueTotals(b, tx.Tenant, w.deltas)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("load totals: %w", err)
	}
	return nil
}

var loadProjectColumns = []string{"tenant_id", "id", "title", "account_id", "contact_id", "owner_id", "source_id",
	"referrer", "scope", "value_cents", "expected_close", "status_id", "forecast_category", "probability_override",
	"state", "archive_reason_id", "archive_note", "archived_at", "defer_until",
	"sold_at", "resumed_at", "created_at", "created_by", "updated_at",
	"last_activity_at", "first_touch_at",
	"phase", "pending_milestone_id", "last_milestone_id", "last_completed_at", "pending_due_at", "deferred_due_at",
	"milestone_late_from", "late_from", "active_from", "weighted_cents", "customer_name", "owner_name", "status_name", "search_text",
	"item_late_from", "item_due_at", "item_kind", "external_id", "import_id", "stage_day", "cycle_seconds", "history"}

// insertRows writes rows into table. On plain PostgreSQL they are copied
// into a temporary table first (COPY into a table under row-level security
// is refused) and moved with one INSERT, which the tenant policy checks
// like any other; on a distributed database, where a temporary table's
// rows would be copied into the shards, with multi-row INSERTs instead.
// When planned is set, the rows' foreign-key checks are planned for each
// key (plan_cache_mode = force_custom_plan for that INSERT only). On Citus
// every plan is made for its values already. table and cols must be
// constants.
func (tx *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any, planned bool) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.citus {
		return tx.insertValues(ctx, table, cols, rows)
	}
	list := strings.Join(cols, ", ")
	tmp := "load_" + table
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+tmp+" ON COMMIT DROP AS SELECT "+list+" FROM "+table+" WITH NO DATA"); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	b := &pgx.Batch{}
	if planned {
		b.Queue("SET LOCAL plan_cache_mode = force_custom_plan")
	}
	b.Queue("INSERT INTO " + table + " (" + list + ") SELECT " + list + " FROM " + tmp)
	if planned {
		b.Queue("SET LOCAL plan_cache_mode = DEFAULT")
	}
	b.Queue("DROP TABLE " + tmp)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	return nil
}

// insertValues writes rows into table with multi-row INSERTs of up to
// 30,000 values each: on a distributed database each is routed to the
// tenant's shard and checked by its policy like any other INSERT. table and
// cols must be constants.
func (tx *Tx) insertValues(ctx context.Context, table string, cols []string, rows [][]any) error {
	list := strings.Join(cols, ", ")
	per := max(1, 30000/len(cols))
	for chunk := range slices.Chunk(rows, per) {
		var v values
		for _, r := range chunk {
			v.row(r...)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" ("+list+") VALUES "+v.sql(), v.args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// customPlansFor are the tables whose rows a load checks against rows it
// may write itself: contacts against their accounts, projects against
// their accounts and contacts.
var customPlansFor = map[string]bool{"contacts": true, "projects": true}

// InsertValues is insertValues for test setup outside this package: rows
// written as they are, without derived data (a test that needs the
// Sales screen's figures calls DB.Refresh after). table and cols must be
// constants.
func (tx *Tx) InsertValues(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.insertValues(ctx, table, cols, rows)
}

// loadNames are the names a load's projects are shown by: its own
// accounts and contacts, the others', users and statuses from the tenant.
type loadNames struct {
	accounts map[int64]string
	contacts map[int64][2]string // name, e-mail
	users    map[int64]string
	statuses map[int64]string
}

func (n loadNames) of(p *crm.Project) projectNames {
	c := n.contacts[p.ContactID]
	return projectNames{title: p.Title, account: n.accounts[p.AccountID], contact: c[0], email: c[1],
		owner: n.users[int64(p.OwnerID)], status: n.statuses[p.StatusID]}
}

func (tx *Tx) loadNames(ctx context.Context, l Load) (loadNames, error) {
	n := loadNames{accounts: map[int64]string{}, contacts: map[int64][2]string{}, users: map[int64]string{}, statuses: map[int64]string{}}
	for _, a := range l.Accounts {
		n.accounts[a.ID] = a.Name
	}
	for _, c := range l.Contacts {
		n.contacts[c.ID] = [2]string{c.Name, c.Email}
	}
	var otherAccounts, otherContacts []int64
	for _, p := range l.Projects {
		if _, ok := n.accounts[p.AccountID]; !ok {
			otherAccounts = append(otherAccounts, p.AccountID)
		}
		if _, ok := n.contacts[p.ContactID]; !ok && p.ContactID != 0 {
			otherContacts = append(otherContacts, p.ContactID)
		}
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT id, name, '' FROM users WHERE tenant_id = $1`, tx.Tenant)
	b.Queue(`SELECT id, name, '' FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant)
	b.Queue(`SELECT id, name, '' FROM accounts WHERE tenant_id = $1 AND id = ANY($2)`, tx.Tenant, otherAccounts)
	b.Queue(`SELECT id, name, email FROM contacts WHERE tenant_id = $1 AND id = ANY($2)`, tx.Tenant, otherContacts)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var id int64
	var name, email string
	for i, add := range []func(){
		func() { n.users[id] = name }, func() { n.statuses[id] = name },
		func() { n.accounts[id] = name }, func() { n.contacts[id] = [2]string{name, email} },
	} {
		rows, err := br.Query()
		if err == nil {
			_, err = pgx.ForEachRow(rows, []any{&id, &name, &email}, func() error { add(); return nil })
		}
		if err != nil {
			return n, fmt.Errorf("load names (%d): %w", i, err)
		}
	}
	return n, br.Close()
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func orPipeline(c crm.ForecastCategory) crm.ForecastCategory {
	if c == "" {
		return crm.ForecastPipeline
	}
	return c
}

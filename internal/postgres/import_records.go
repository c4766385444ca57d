package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/phone"
)

// Imports of accounts and contacts files. A row is matched with a record
// of the tenant the importer may see, or creates one:
//
//   - an account by its external ID (the ID it was imported with, or one
//     of the tenant's own account IDs — a Pipewell export's id column read
//     back), else by e-mail when the row has one, else by name;
//   - a contact by its external ID, else by e-mail, else by phone (its
//     normalised form in the tenant's country), else by name within its
//     account;
//   - a contact's account by its ID in the file (external or own), else by
//     the account's e-mail, else by its name; one not found is created
//     when the importer asked for it, else the row is refused.
//
// A match with a record the importer may not see is a row error saying no
// more than that. An update changes the fields the file has, written as
// the account and contact pages write them (applyCustomerEdits); a new record is written as every import writes its
// records (LoadRows), with the import's ID so that it can be undone.

// RecordRows yields the rows of an accounts or contacts file one at a
// time: false at the end.
type RecordRows func(row *crm.RecordRow) (bool, error)

// Messages of records rows the database refuses.
const (
	MsgRowHiddenRecord    = "import.row.hidden_record"    // matches a record the importer cannot see
	MsgRowUnknownAccount  = "import.row.unknown_account"  // the contact's account is not found, and is not to be created
	MsgRowDuplicateRecord = "import.row.duplicate_record" // |line: the same record as an earlier row
	// MsgImportUndoRecords: a record of the import changed since, or is used.
	MsgImportUndoRecords = "import.undo_changed_records"
)

// RecordsImport is how an accounts or contacts file is read and written:
// its kind ("accounts" or "contacts"), which fields the file has (an
// update changes those only: "name", "email", "phone", "address",
// "created_at", as csvfile names them), whether missing accounts are
// created, and for a commit: from which file, whether the valid rows are
// written when others are not, where each rejected row goes, and the
// progress.
type RecordsImport struct {
	Kind           string
	Fields         map[string]bool
	CreateAccounts bool
	ImportID       int64
	FileName       string
	ValidOnly      bool
	Rejected       func(line int, errs []crm.RowError) error
	Progress       func(done int)
}

// PreviewRecordsImport reads every row and matches it against the tenant
// without writing anything: which rows create a record and which update
// one, and their errors.
func (db *DB) PreviewRecordsImport(ctx context.Context, v crm.Viewer, w RecordsImport, next RecordRows) (*ImportPreview, error) {
	p := &ImportPreview{}
	newAccounts := map[int64]bool{} // the temporary IDs of accounts to be created
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		m, err := tx.newRecordMatcher(ctx, v, w)
		if err != nil {
			return err
		}
		return m.eachBatch(ctx, next, func(batch []crm.RecordRow, found []recordMatch) error {
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
				case found[i].id != 0:
					p.Update++
				default:
					p.Create++
					if found[i].account < 0 {
						newAccounts[found[i].account] = true
					}
				}
				if len(p.Rows) < PreviewRows {
					p.Rows = append(p.Rows, PreviewRow{Line: r.Line, Update: found[i].id != 0, Invalid: len(r.Errors) > 0,
						Account: r.Account, Contact: r.Contact})
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("preview import: %w", err)
	}
	p.CreateAccounts = len(newAccounts)
	return p, nil
}

// CommitRecordsImport writes every row of an accounts or contacts file in
// one transaction: new records (and, for contacts, the accounts to be
// created) and updates of the matched ones. A row with an error fails the
// whole import (nothing is written, a field error MsgImportHasErrors)
// unless w.ValidOnly, when it goes to w.Rejected.
func (db *DB) CommitRecordsImport(ctx context.Context, v crm.Viewer, w RecordsImport, next RecordRows) (ImportResult, error) {
	var res ImportResult
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		res = ImportResult{}
		m, err := tx.newRecordMatcher(ctx, v, w)
		if err != nil {
			return err
		}
		done, errorCount := 0, 0
		err = m.eachBatch(ctx, next, func(batch []crm.RecordRow, found []recordMatch) error {
			var valid []int
			for i := range batch {
				r := &batch[i]
				if len(r.Errors) > 0 {
					errorCount += len(r.Errors)
					res.Rejected++
					if w.ValidOnly && w.Rejected != nil {
						if err := w.Rejected(r.Line, r.Errors); err != nil {
							return err
						}
					}
					continue
				}
				valid = append(valid, i)
			}
			done += len(batch)
			if errorCount > 0 && !w.ValidOnly {
				return nil // nothing will be written; read on to count
			}
			created, updated, err := m.write(ctx, batch, found, valid)
			if err != nil {
				return err
			}
			res.Created += created
			res.Updated += updated
			if w.Progress != nil {
				w.Progress(done)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if errorCount > 0 && !w.ValidOnly {
			return crm.FieldError("", crm.Msg(MsgImportHasErrors, errorCount))
		}
		return nil
	})
	return res, err
}

// recordMatcher resolves the rows of one records file against the tenant.
// What the file creates is keyed too ("x:" external ID, "e:" e-mail, "n:"
// name, "p:" phone, "c:ACCOUNT:name" a contact's name in its account), so
// that a later row naming the same record is refused as a duplicate (a
// record) or uses it (a contact's new account); new records have
// placeholder (negative) IDs until they are written.
type recordMatcher struct {
	tx       *Tx
	v        crm.Viewer
	w        RecordsImport
	scope    Scope
	region   string
	lines    map[string]int   // key of a record the file writes → its line
	accounts map[string]int64 // key of an account the file creates → its ID (negative until written)
	pending  map[int64]crm.Account
	nextTemp int64
}

// recordMatch is what a row resolves to: the existing record (0: a new
// one), and for a contact its account (negative: created by the import).
type recordMatch struct {
	id, account int64
	ownID       bool // matched by the tenant's own ID (the external ID is not kept)
}

func (tx *Tx) newRecordMatcher(ctx context.Context, v crm.Viewer, w RecordsImport) (*recordMatcher, error) {
	if w.Kind != "accounts" && w.Kind != "contacts" {
		return nil, fmt.Errorf("records import of %q", w.Kind)
	}
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	region, err := tx.phoneRegion(ctx)
	if err != nil {
		return nil, err
	}
	return &recordMatcher{tx: tx, v: v, w: w, scope: scope, region: region, lines: map[string]int{},
		accounts: map[string]int64{}, pending: map[int64]crm.Account{}}, nil
}

func (m *recordMatcher) eachBatch(ctx context.Context, next RecordRows, fn func([]crm.RecordRow, []recordMatch) error) error {
	batch := make([]crm.RecordRow, importBatch)
	for {
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
		if n == 0 {
			return nil
		}
		rows := batch[:n]
		found, err := m.resolve(ctx, rows)
		if err != nil {
			return err
		}
		if err := fn(rows, found); err != nil {
			return err
		}
		if n < importBatch {
			return nil
		}
	}
}

// hit is a record found for a key: its ID, its account (a contact's) and
// whether the importer may see it.
type hit struct {
	id, account int64
	visible     bool
}

// find looks each key up in table (accounts or contacts, alias x) on its
// own, by cond over k.key (and k.account when accounts is given, one per
// key): a lateral subquery with a limit, never flattened into a join whose
// plan would come from statistics that do not count the rows this import
// wrote. A visible record is preferred to a hidden one, then the oldest.
func (m *recordMatcher) find(ctx context.Context, table, cond string, keys []string, accounts []int64) (map[string]hit, error) {
	out := map[string]hit{}
	if len(keys) == 0 {
		return out, nil
	}
	args := []any{m.tx.Tenant, keys}
	from, key := `unnest($2::text[]) k(key)`, `k.key`
	if accounts != nil {
		args = append(args, accounts)
		from, key = `unnest($2::text[], $3::bigint[]) k(key, account)`, `k.account::text || ':' || k.key`
	}
	account, visible := `0::bigint`, ""
	if table == "accounts" {
		visible = m.scope.AccountWhere("x", &args)
	} else {
		account, visible = `x.account_id`, m.scope.ContactWhere("x", &args)
	}
	q, err := m.tx.Query(ctx, `SELECT `+key+`, x.id, x.account, x.visible FROM `+from+`
		CROSS JOIN LATERAL (SELECT x.id, `+account+` AS account, `+visible+` AS visible FROM `+table+` x
		  WHERE x.tenant_id = $1 AND `+cond+` ORDER BY visible DESC, x.id LIMIT 1) x`, args...)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", table, err)
	}
	var k string
	var h hit
	if _, err := pgx.ForEachRow(q, []any{&k, &h.id, &h.account, &h.visible}, func() error {
		out[k] = h
		return nil
	}); err != nil {
		return nil, fmt.Errorf("import %s: %w", table, err)
	}
	return out, nil
}

// Conditions of find.
const (
	byExternalID = `x.external_id = k.key AND x.external_id <> ''`
	byOwnID      = `x.id = k.key::bigint AND x.external_id = ''`
	byEmail      = `x.email_key = k.key COLLATE "C" AND x.email_key <> ''`
	byName       = `x.name_key = k.key COLLATE "C"`
	byPhone      = `x.phone_norm = k.key AND x.phone_norm <> ''`
	byNameIn     = `x.account_id = k.account AND x.name_key = k.key COLLATE "C"`
)

// idKeys are the keys of a batch: every external ID, and those that are
// numbers (perhaps one of the tenant's own IDs).
type idKeys struct{ ext, own []string }

func (k *idKeys) add(id string) {
	if id == "" {
		return
	}
	k.ext = append(k.ext, id)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
		k.own = append(k.own, strconv.FormatInt(n, 10))
	}
}

// byID finds the records of table whose external ID, or own ID, the keys are.
func (m *recordMatcher) byID(ctx context.Context, table string, k idKeys) (ext, own map[string]hit, err error) {
	if ext, err = m.find(ctx, table, byExternalID, k.ext, nil); err != nil {
		return nil, nil, err
	}
	own, err = m.find(ctx, table, byOwnID, k.own, nil)
	return ext, own, err
}

func ownKey(id string) string {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// resolve matches each row of a batch; the errors it finds are the rows'.
func (m *recordMatcher) resolve(ctx context.Context, rows []crm.RecordRow) ([]recordMatch, error) {
	out := make([]recordMatch, len(rows))
	fail := func(r *crm.RecordRow, msg string) {
		r.Errors = append(r.Errors, crm.RowError{Line: r.Line, Msg: msg})
	}
	// Accounts: those of an accounts file, or those the contacts name.
	var accIDs idKeys
	var accEmails, accNames []string
	for _, r := range rows {
		if m.w.Kind == "accounts" {
			accIDs.add(r.ExternalID)
		} else {
			accIDs.add(r.AccountRef)
		}
		if r.Account.Email != "" {
			accEmails = append(accEmails, strings.ToLower(r.Account.Email))
		} else if r.Account.Name != "" {
			accNames = append(accNames, strings.ToLower(r.Account.Name))
		}
	}
	accExt, accOwn, err := m.byID(ctx, "accounts", accIDs)
	if err != nil {
		return nil, err
	}
	accByEmail, err := m.find(ctx, "accounts", byEmail, accEmails, nil)
	if err != nil {
		return nil, err
	}
	accByName, err := m.find(ctx, "accounts", byName, accNames, nil)
	if err != nil {
		return nil, err
	}
	// account finds a row's account: by ID, else e-mail, else name. ok is
	// false when none is found; key is what a new one is known by.
	account := func(id string, a crm.Account) (h hit, ok, own bool, key string) {
		if id != "" {
			if h, ok := accExt[id]; ok {
				return h, true, false, ""
			}
			if h, ok := accOwn[ownKey(id)]; ok {
				return h, true, true, ""
			}
		}
		switch {
		case a.Email != "":
			key = "e:" + strings.ToLower(a.Email)
			h, ok = accByEmail[strings.ToLower(a.Email)]
		case a.Name != "":
			key = "n:" + strings.ToLower(a.Name)
			h, ok = accByName[strings.ToLower(a.Name)]
		}
		if id != "" {
			key = "x:" + id
		}
		return h, ok, false, key
	}

	if m.w.Kind == "accounts" {
		for i := range rows {
			r := &rows[i]
			h, ok, own, key := account(r.ExternalID, r.Account)
			switch {
			case ok && !h.visible:
				fail(r, MsgRowHiddenRecord)
			case ok:
				out[i] = recordMatch{id: h.id, ownID: own}
				key = "id:" + strconv.FormatInt(h.id, 10)
			}
			m.duplicate(r, append(recordKeys(r.ExternalID, r.Account.Email, r.Account.Name), key)...)
		}
		return out, nil
	}

	// Contacts: by ID, e-mail or phone first; by name once the account is known.
	var conIDs idKeys
	var emails, phones []string
	norms := make([]string, len(rows))
	for i, r := range rows {
		conIDs.add(r.ExternalID)
		if r.Contact.Email != "" {
			emails = append(emails, strings.ToLower(r.Contact.Email))
		}
		if norms[i] = phone.Normal(r.Contact.Phone, m.region); norms[i] != "" {
			phones = append(phones, norms[i])
		}
	}
	conExt, conOwn, err := m.byID(ctx, "contacts", conIDs)
	if err != nil {
		return nil, err
	}
	conByEmail, err := m.find(ctx, "contacts", byEmail, emails, nil)
	if err != nil {
		return nil, err
	}
	conByPhone, err := m.find(ctx, "contacts", byPhone, phones, nil)
	if err != nil {
		return nil, err
	}
	hidden := make([]bool, len(rows))
	var names []string
	var nameAccounts []int64
	for i := range rows {
		r := &rows[i]
		var h hit
		ok := false
		if r.ExternalID != "" {
			if h, ok = conExt[r.ExternalID]; !ok {
				h, ok = conOwn[ownKey(r.ExternalID)]
				out[i].ownID = ok
			}
		}
		if !ok && r.Contact.Email != "" {
			h, ok = conByEmail[strings.ToLower(r.Contact.Email)]
		}
		if !ok && norms[i] != "" {
			h, ok = conByPhone[norms[i]]
		}
		switch {
		case ok && !h.visible:
			hidden[i] = true
			fail(r, MsgRowHiddenRecord)
			continue
		case ok:
			out[i].id, out[i].account = h.id, h.account // a contact stays with its account
			continue
		}
		a, found, _, key := account(r.AccountRef, r.Account)
		switch {
		case found && !a.visible:
			hidden[i] = true
			fail(r, MsgRowHiddenRecord)
		case found:
			out[i].account = a.id
			names, nameAccounts = append(names, strings.ToLower(r.Contact.Name)), append(nameAccounts, a.id)
		case key == "" || !m.w.CreateAccounts:
			if key != "" || m.w.CreateAccounts {
				fail(r, MsgRowUnknownAccount)
			}
		default:
			out[i].account = m.newAccount(key, r)
		}
	}
	byNameInAccount, err := m.find(ctx, "contacts", byNameIn, names, nameAccounts)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		if hidden[i] {
			continue
		}
		key := ""
		if out[i].id == 0 && out[i].account > 0 {
			h, ok := byNameInAccount[strconv.FormatInt(out[i].account, 10)+":"+strings.ToLower(r.Contact.Name)]
			switch {
			case ok && !h.visible:
				fail(r, MsgRowHiddenRecord)
				continue
			case ok:
				out[i].id = h.id
			}
		}
		if out[i].id != 0 {
			key = "id:" + strconv.FormatInt(out[i].id, 10)
		} else if out[i].account != 0 {
			key = "c:" + strconv.FormatInt(out[i].account, 10) + ":" + strings.ToLower(r.Contact.Name)
		}
		keys := []string{key, "x:" + r.ExternalID}
		if r.Contact.Email != "" {
			keys = append(keys, "e:"+r.Contact.Email)
		}
		if out[i].id == 0 && norms[i] != "" {
			keys = append(keys, "p:"+norms[i])
		}
		m.duplicate(r, keys...)
	}
	return out, nil
}

// duplicate refuses a row that names a record an earlier row of the file
// writes (keys: "id:N" an existing record, "x:" external ID, "e:" e-mail,
// "n:" name, "p:" phone, "c:ACCOUNT:name"), and records the keys of a row
// that is to be written.
func (m *recordMatcher) duplicate(r *crm.RecordRow, keys ...string) {
	for _, k := range keys {
		if first, ok := m.lines[k]; ok && len(k) > 2 && first != r.Line {
			r.Errors = append(r.Errors, crm.RowError{Line: r.Line, Msg: crm.Msg(MsgRowDuplicateRecord, first)})
			return
		}
	}
	if len(r.Errors) > 0 {
		return
	}
	for _, k := range keys {
		if len(k) > 2 {
			m.lines[k] = r.Line
		}
	}
}

// recordKeys are the keys of a record the file writes besides its match.
func recordKeys(ext, email, name string) []string {
	keys := []string{"x:" + ext}
	if email != "" {
		return append(keys, "e:"+strings.ToLower(email))
	}
	return append(keys, "n:"+strings.ToLower(name))
}

// newAccount is the placeholder ID of the account a contact's row names
// that is to be created: the same for every row that names it.
func (m *recordMatcher) newAccount(key string, r *crm.RecordRow) int64 {
	if id, ok := m.accounts[key]; ok {
		return id
	}
	m.nextTemp--
	a := crm.Account{Name: r.Account.Name, Email: r.Account.Email, CreatedBy: m.v.UserID}
	if a.Name == "" {
		a.Name = r.Contact.Name
	}
	if r.AccountRef != "" {
		a.ExternalID = r.AccountRef
	}
	m.accounts[key] = m.nextTemp
	for _, k := range []string{"x:" + a.ExternalID, "e:" + strings.ToLower(a.Email), "n:" + strings.ToLower(a.Name)} {
		if _, taken := m.accounts[k]; !taken && len(k) > 2 {
			m.accounts[k] = m.nextTemp
		}
	}
	m.pending[m.nextTemp] = a
	return m.nextTemp
}

// write writes the valid rows of a batch: the accounts its contacts need,
// the new records, then the updates; it returns how many records it
// created and updated (the accounts a contacts file creates not counted).
func (m *recordMatcher) write(ctx context.Context, batch []crm.RecordRow, found []recordMatch, valid []int) (created, updated int, err error) {
	tx := m.tx
	load := Load{ImportID: m.w.ImportID, PlanEachCheck: true}
	var temps []int64
	for _, i := range valid {
		if a := found[i].account; a < 0 && !contains(temps, a) {
			if _, ok := m.pending[a]; ok {
				temps = append(temps, a)
			}
		}
	}
	real := map[int64]int64{}
	if len(temps) > 0 {
		ids, err := tx.ReserveIDs(ctx, "accounts", len(temps))
		if err != nil {
			return 0, 0, err
		}
		for j, t := range temps {
			a := m.pending[t]
			a.ID = ids[j]
			load.Accounts = append(load.Accounts, a)
			real[t] = a.ID
			delete(m.pending, t)
		}
		for k, id := range m.accounts {
			if n, ok := real[id]; ok {
				m.accounts[k] = n
			}
		}
	}
	var news, changes []int
	for _, i := range valid {
		if n, ok := real[found[i].account]; ok {
			found[i].account = n
		}
		if found[i].id == 0 {
			news = append(news, i)
		} else {
			changes = append(changes, i)
		}
	}
	table := m.w.Kind
	ids, err := tx.ReserveIDs(ctx, table, len(news))
	if err != nil {
		return 0, 0, err
	}
	for j, i := range news {
		r := &batch[i]
		if table == "accounts" {
			a := r.Account
			a.ID, a.ExternalID, a.CreatedBy = ids[j], r.ExternalID, m.v.UserID
			load.Accounts = append(load.Accounts, a)
		} else {
			c := r.Contact
			c.ID, c.AccountID, c.ExternalID, c.CreatedBy = ids[j], found[i].account, r.ExternalID, m.v.UserID
			load.Contacts = append(load.Contacts, c)
		}
	}
	if len(load.Accounts)+len(load.Contacts) > 0 {
		if err := tx.LoadRows(ctx, load); err != nil {
			return 0, 0, err
		}
	}
	if err := m.update(ctx, batch, found, changes); err != nil {
		return 0, 0, err
	}
	return len(news), len(changes), nil
}

func contains(list []int64, x int64) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// update writes the rows that change existing records: the fields the
// file has, decided and written as the account and contact pages do;
// the external ID when the record has none yet, and the creation time
// when the file has it.
func (m *recordMatcher) update(ctx context.Context, batch []crm.RecordRow, found []recordMatch, changes []int) error {
	if len(changes) == 0 {
		return nil
	}
	tx, f := m.tx, m.w.Fields
	ids := make([]int64, len(changes))
	for j, i := range changes {
		ids[j] = found[i].id
	}
	actor := crm.Actor{Viewer: m.v, Now: time.Now(), Loc: tx.loc}
	b := &pgx.Batch{}
	var edits []customerEdit
	if m.w.Kind == "accounts" {
		old := map[int64]crm.Account{}
		q, err := tx.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.tenant_id = $1 AND a.id = ANY($2) ORDER BY a.id FOR UPDATE`, tx.Tenant, ids)
		if err != nil {
			return fmt.Errorf("lock imported accounts: %w", err)
		}
		if _, err := pgx.CollectRows(q, func(r pgx.CollectableRow) (struct{}, error) {
			var a crm.Account
			err := scanAccount(r, &a)
			old[a.ID] = a
			return struct{}{}, err
		}); err != nil {
			return fmt.Errorf("lock imported accounts: %w", err)
		}
		for _, i := range changes {
			r, o := &batch[i], old[found[i].id]
			in := o
			if f["name"] {
				in.Name = r.Account.Name
			}
			if f["email"] {
				in.Email = r.Account.Email
			}
			if f["phone"] {
				in.Phone = r.Account.Phone
			}
			if f["address"] {
				in.Address = r.Account.Address
			}
			e, err := crm.DecideAccount(o, in, m.v.UserID)
			if err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			edits = append(edits, accountEditOf(actor, o.ID, e))
			m.queueKeep(b, "accounts", o.ID, r.ExternalID, found[i].ownID, r.Account.CreatedAt)
		}
		if err := tx.applyCustomerEdits(ctx, m.v.UserID, "account", edits); err != nil {
			return err
		}
	} else {
		old := map[int64]crm.Contact{}
		q, err := tx.Query(ctx, `SELECT `+contactColumns+` FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($2) ORDER BY c.id FOR UPDATE`, tx.Tenant, ids)
		if err != nil {
			return fmt.Errorf("lock imported contacts: %w", err)
		}
		if _, err := pgx.CollectRows(q, func(r pgx.CollectableRow) (struct{}, error) {
			var c crm.Contact
			err := scanContact(r, &c)
			old[c.ID] = c
			return struct{}{}, err
		}); err != nil {
			return fmt.Errorf("lock imported contacts: %w", err)
		}
		for _, i := range changes {
			r, o := &batch[i], old[found[i].id]
			in := o
			if f["name"] || f["first_name"] || f["last_name"] {
				in.Name = r.Contact.Name
			}
			if f["email"] {
				in.Email = r.Contact.Email
			}
			if f["phone"] {
				in.Phone = r.Contact.Phone
			}
			e, err := crm.DecideContact(o, in, "", m.v.UserID)
			if err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			edits = append(edits, contactEditOf(actor, o.ID, e))
			m.queueKeep(b, "contacts", o.ID, r.ExternalID, found[i].ownID, r.Contact.CreatedAt)
		}
		if err := tx.applyCustomerEdits(ctx, m.v.UserID, "contact", edits); err != nil {
			return err
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("update imported %s: %w", m.w.Kind, err)
	}
	return nil
}

// queueKeep keeps on a matched record the row's external ID, when the
// record has none (and was not matched by its own ID), and the file's
// creation time, when it has one. table must be a constant.
func (m *recordMatcher) queueKeep(b *pgx.Batch, table string, id int64, ext string, ownID bool, created time.Time) {
	if ownID {
		ext = ""
	}
	if ext == "" && created.IsZero() {
		return
	}
	b.Queue(`UPDATE `+table+` SET external_id = CASE WHEN external_id = '' AND $3 <> '' THEN $3 ELSE external_id END,
		created_at = COALESCE($4, created_at) WHERE tenant_id = $1 AND id = $2`, m.tx.Tenant, id, ext, nullTime(created))
}

// UndoRecordsImport removes the accounts and contacts a finished records
// import created, while nothing has changed on them since: no project or
// other contact uses them and no one edited them (a field error
// MsgImportUndoRecords otherwise). An import that updated existing
// records cannot be undone (MsgImportUndoUpdated).
func (db *DB) UndoRecordsImport(ctx context.Context, v crm.Viewer, id int64) error {
	return db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		args := []any{tx.Tenant, id}
		var state, kind string
		var updated int
		var finished *time.Time
		err := tx.QueryRow(ctx, `SELECT i.state, i.kind, i.updated, i.finished_at FROM imports i WHERE i.tenant_id = $1 AND i.id = $2 AND `+
			importVisible(v, &args)+` FOR UPDATE`, args...).Scan(&state, &kind, &updated, &finished)
		if err != nil {
			return fmt.Errorf("undo import %d: %w", id, translate(err))
		}
		if state != ImportDone || kind == "projects" {
			return crm.ErrConflict
		}
		if updated > 0 {
			return crm.FieldError("", MsgImportUndoUpdated)
		}
		var accounts, contacts []int64
		for _, t := range []struct {
			table string
			ids   *[]int64
		}{{"accounts", &accounts}, {"contacts", &contacts}} {
			rows, err := tx.Query(ctx, `SELECT id FROM `+t.table+` WHERE tenant_id = $1 AND import_id = $2 ORDER BY id FOR UPDATE`, tx.Tenant, id)
			if err == nil {
				*t.ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			}
			if err != nil {
				return fmt.Errorf("undo import %d: %w", id, err)
			}
		}
		var changed bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND (p.account_id = ANY($2) OR p.contact_id = ANY($3)))
			OR EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = $1 AND c.account_id = ANY($2) AND c.import_id IS DISTINCT FROM $4)
			OR EXISTS (SELECT 1 FROM audit_log l WHERE l.tenant_id = $1 AND l.at > $5
			             AND (l.entity = 'account' AND l.entity_id = ANY($2) OR l.entity = 'contact' AND l.entity_id = ANY($3)))`,
			tx.Tenant, accounts, contacts, id, finished).Scan(&changed)
		if err != nil {
			return fmt.Errorf("undo import %d: %w", id, err)
		}
		if changed {
			return crm.FieldError("", MsgImportUndoRecords)
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM contacts WHERE tenant_id = $1 AND import_id = $2`, tx.Tenant, id)
		b.Queue(`DELETE FROM accounts WHERE tenant_id = $1 AND import_id = $2`, tx.Tenant, id)
		b.Queue(`UPDATE imports SET state = 'undone' WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("undo import %d: %w", id, err)
		}
		return tx.audit(ctx, v.UserID, "import", id, "undone", "", "")
	})
}

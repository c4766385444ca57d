package csvfile

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// Messages of a row that cannot be imported (catalog keys).
const (
	MsgRowFormula        = "import.row.formula"          // a spreadsheet formula, not a value
	MsgRowRequired       = "import.row.required"         // a value is needed
	MsgRowTooLong        = "import.row.too_long"         // |max characters
	MsgRowText           = "import.row.text"             // control characters
	MsgRowUnknownUser    = "import.row.unknown_user"     // no user of the tenant has this e-mail or name
	MsgRowOwnerOutside   = "import.row.owner_outside"    // a manager imports for their workgroups' owners only
	MsgRowUnknownChoice  = "import.row.unknown_choice"   // not a value of the tenant's list
	MsgRowNegative       = "import.row.negative"         // a value below zero
	MsgRowCurrency       = "import.row.currency"         // not the tenant's currency
	MsgRowProbability    = "import.row.probability"      // not 0–100
	MsgRowForecast       = "import.row.forecast"         // not a forecast category
	MsgRowFuture         = "import.row.future"           // after now
	MsgRowBeforeCreated  = "import.row.before_created"   // before the project was created
	MsgRowNoReason       = "import.row.no_reason"        // archived without a reason
	MsgRowNoDeferUntil   = "import.row.no_defer_until"   // deferred without a date
	MsgRowNoSoldAt       = "import.row.no_sold_at"       // sold without a date
	MsgRowSoldAtDiffers  = "import.row.sold_at_differs"  // sold at is not the won milestone's completion
	MsgRowNotInWorkgroup = "import.row.not_in_workgroup" // the owner is not a member of that workgroup
	MsgRowDuplicateID    = "import.row.duplicate_id"     // |line: the same external ID earlier in the file
)

// ImportLists are what a projects file's names are read against: the
// tenant's users, lists and milestones, with its currency and zone, the
// moment of the import and how dates are written.
type ImportLists struct {
	Users                      []crm.User
	Statuses, Sources, Reasons []crm.Choice
	Defs                       []crm.MilestoneDef
	Workgroups                 map[string][]crm.UserID // name → members
	Currency                   string
	Loc                        *time.Location
	Now                        time.Time
	Order                      DateOrder
	Actor                      crm.UserID // owner of rows without one; creator of every row
	// Owners, when not nil, are the only owners a row may name (a
	// manager's workgroups' members).
	Owners map[crm.UserID]bool
	// CreateSources: a lead source that is not in the list is created
	// (else the row is refused).
	CreateSources bool
}

// ProjectDecoder reads the rows of one projects file.
type ProjectDecoder struct {
	l        ImportLists
	header   []string
	mapping  Mapping
	users    map[string]crm.UserID // folded e-mail or name
	statuses map[string]int64
	sources  map[string]int64
	reasons  map[string]int64
	groups   map[string]map[crm.UserID]bool
	defs     map[crm.MilestoneID]crm.MilestoneDef
	won      crm.MilestoneID
	seen     map[string]int // external ID → line
}

// NewProjectDecoder reads rows of a file with header mapped by m.
func NewProjectDecoder(header []string, m Mapping, l ImportLists) *ProjectDecoder {
	d := &ProjectDecoder{l: l, header: header, mapping: m, users: map[string]crm.UserID{}, statuses: map[string]int64{},
		sources: map[string]int64{}, reasons: map[string]int64{}, groups: map[string]map[crm.UserID]bool{},
		defs: map[crm.MilestoneID]crm.MilestoneDef{}, seen: map[string]int{}}
	for _, u := range l.Users {
		if _, ok := d.users[strings.ToLower(u.Name)]; !ok {
			d.users[strings.ToLower(u.Name)] = u.ID
		}
	}
	for _, u := range l.Users { // e-mails win over names
		d.users[strings.ToLower(u.Email)] = u.ID
	}
	for _, c := range []struct {
		list []crm.Choice
		m    map[string]int64
	}{{l.Statuses, d.statuses}, {l.Sources, d.sources}, {l.Reasons, d.reasons}} {
		for _, ch := range c.list {
			c.m[strings.ToLower(ch.Name)] = ch.ID
		}
	}
	for name, members := range l.Workgroups {
		set := map[crm.UserID]bool{}
		for _, u := range members {
			set[u] = true
		}
		d.groups[strings.ToLower(name)] = set
	}
	for _, def := range l.Defs {
		d.defs[def.ID] = def
		if def.Won && def.Active {
			d.won = def.ID
		}
	}
	return d
}

// Decode reads rec, the record on line of the file, into row. formula
// tells the cells that are spreadsheet formulas (Reader.Formula).
func (d *ProjectDecoder) Decode(rec []string, line int, formula func(int) bool, row *crm.ImportRow) {
	*row = crm.ImportRow{Line: line}
	p := &row.Project
	p.State, p.Forecast, p.CreatedBy = crm.StateActive, crm.ForecastPipeline, d.l.Actor
	fail := func(i int, msg string) {
		col := ""
		if i >= 0 {
			col = d.header[i]
		}
		row.Errors = append(row.Errors, crm.RowError{Line: line, Column: col, Msg: msg})
	}
	col := map[Field]int{}
	var notes []string
	stamps := map[crm.MilestoneID]*stamp{}
	for i, f := range d.mapping {
		if i >= len(rec) || f == FieldIgnore {
			continue
		}
		if formula != nil && formula(i) {
			fail(i, MsgRowFormula)
			continue
		}
		if f == FieldNote {
			if v := strings.TrimSpace(rec[i]); v != "" {
				notes = append(notes, d.header[i]+": "+v)
			}
			continue
		}
		if id, by, ok := f.Milestone(); ok {
			if _, known := d.defs[id]; !known {
				continue
			}
			s := stamps[id]
			if s == nil {
				s = &stamp{at: -1, by: -1}
				stamps[id] = s
			}
			if by {
				s.by = i
			} else {
				s.at = i
			}
			continue
		}
		col[f] = i
	}
	get := func(f Field) (string, int) {
		i, ok := col[f]
		if !ok {
			return "", -1
		}
		return strings.TrimSpace(rec[i]), i
	}
	line1 := func(f Field, max int) string {
		v, i := get(f)
		v, ok := crm.CleanLine(oneLine.Replace(v))
		switch {
		case !ok:
			fail(i, MsgRowText)
		case len([]rune(v)) > max:
			fail(i, crm.Msg(MsgRowTooLong, max))
		}
		return v
	}
	text := func(f Field, max int) string {
		v, i := get(f)
		v, ok := crm.CleanText(v)
		switch {
		case !ok:
			fail(i, MsgRowText)
		case len([]rune(v)) > max:
			fail(i, crm.Msg(MsgRowTooLong, max))
		}
		return v
	}
	addressText := func(v string) string { // a message goes beside the address's first column
		f, _ := firstPart(get, accountAddressParts)
		_, i := get(f)
		v, ok := crm.CleanText(v)
		switch {
		case !ok:
			fail(i, MsgRowText)
		case len([]rune(v)) > crm.MaxAddress:
			fail(i, crm.Msg(MsgRowTooLong, crm.MaxAddress))
		}
		return v
	}
	instant := func(f Field) time.Time {
		v, i := get(f)
		t, msg := ParseInstant(v, d.l.Loc, d.l.Order)
		if msg != "" {
			fail(i, msg)
		} else if t.After(d.l.Now) {
			fail(i, MsgRowFuture)
		}
		return t
	}
	day := func(f Field) crm.Date {
		v, i := get(f)
		t, msg := ParseDay(v, d.l.Order)
		if msg != "" {
			fail(i, msg)
		}
		return t
	}
	user := func(v string, i int) crm.UserID {
		u, ok := d.users[strings.ToLower(strings.TrimSpace(v))]
		if !ok {
			fail(i, MsgRowUnknownUser)
		}
		return u
	}

	row.ExternalID = line1(FieldExternalID, crm.MaxName)
	if row.ExternalID != "" {
		if first, dup := d.seen[row.ExternalID]; dup {
			_, i := get(FieldExternalID)
			fail(i, crm.Msg(MsgRowDuplicateID, first))
		} else {
			d.seen[row.ExternalID] = line
		}
	}
	p.ExternalID = row.ExternalID
	p.Title = line1(FieldTitle, crm.MaxName)
	row.Account = crm.Account{Name: line1(FieldAccount, crm.MaxName), Email: line1(FieldAccountEmail, crm.MaxEmail),
		Phone: line1(FieldAccountPhone, crm.MaxPhone), Address: addressText(addressOf(get, accountAddressParts))}
	row.Contact = crm.Contact{Name: line1(FieldContact, crm.MaxName), Email: line1(FieldContactEmail, crm.MaxEmail),
		Phone: line1(FieldContactPhone, crm.MaxPhone)}
	for _, e := range []*string{&row.Account.Email, &row.Contact.Email} {
		if n, ok := crm.NormalizeEmail(*e); ok {
			*e = n
		}
	}
	if row.Contact.Name == "" && (row.Contact.Email != "" || row.Contact.Phone != "") {
		row.Contact.Name = row.Contact.Email
		if row.Contact.Name == "" {
			row.Contact.Name = row.Contact.Phone
		}
	}
	if row.Account.Name == "" {
		row.Account.Name = row.Contact.Name
	}
	if p.Title == "" {
		p.Title = row.Account.Name
	}
	if p.Title == "" {
		_, i := get(FieldTitle)
		fail(i, MsgRowRequired)
	}
	if row.Account.Name == "" {
		row.Account.Name = p.Title
	}

	p.OwnerID = d.l.Actor
	if v, i := get(FieldOwner); v != "" {
		p.OwnerID = user(v, i)
		if p.OwnerID != 0 && d.l.Owners != nil && !d.l.Owners[p.OwnerID] {
			fail(i, MsgRowOwnerOutside)
		}
	}
	if v, i := get(FieldTeam); v != "" {
		for _, e := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
			if u := user(e, i); u != 0 && u != p.OwnerID {
				p.Members = append(p.Members, u)
			}
		}
	}
	if v, i := get(FieldWorkgroup); v != "" {
		g, ok := d.groups[strings.ToLower(v)]
		switch {
		case !ok:
			fail(i, MsgRowUnknownChoice)
		case p.OwnerID != 0 && !g[p.OwnerID]:
			fail(i, MsgRowNotInWorkgroup)
		}
	}
	choice := func(f Field, m map[string]int64) int64 {
		v, i := get(f)
		if v == "" {
			return 0
		}
		id, ok := m[strings.ToLower(v)]
		if !ok {
			fail(i, MsgRowUnknownChoice)
		}
		return id
	}
	if v, i := get(FieldSource); v != "" {
		if id, ok := d.sources[strings.ToLower(v)]; ok {
			p.SourceID = id
		} else if d.l.CreateSources {
			row.NewSource = line1(FieldSource, crm.MaxName)
		} else {
			fail(i, MsgRowUnknownChoice)
		}
	}
	p.Referrer = line1(FieldReferrer, crm.MaxReferrer)
	p.Scope = text(FieldScope, crm.MaxLongText)
	if v, i := get(FieldValue); v != "" {
		cents, msg := ParseAmount(v)
		switch {
		case msg != "":
			fail(i, msg)
		case cents < 0:
			fail(i, MsgRowNegative)
		}
		p.Value = cents
	}
	if v, i := get(FieldCurrency); v != "" && !strings.EqualFold(v, d.l.Currency) {
		fail(i, MsgRowCurrency)
	}
	p.ExpectedClose = day(FieldExpectedClose)
	p.StatusID = choice(FieldStatus, d.statuses)
	if v, i := get(FieldForecast); v != "" {
		fc, ok := forecastOf(v)
		if !ok {
			fail(i, MsgRowForecast)
		}
		p.Forecast = fc
	}
	if v, i := get(FieldProbability); v != "" {
		n, ok := probabilityOf(v)
		if !ok {
			fail(i, MsgRowProbability)
		}
		p.HasProbability, p.Probability = ok, n
	}
	stateText, stateCol := get(FieldState)
	state, known := stateOf(stateText)
	if !known {
		notes = append(notes, d.header[stateCol]+": "+stateText)
	}
	p.ArchiveReasonID = choice(FieldArchiveReason, d.reasons)
	p.ArchiveNote = text(FieldArchiveNote, crm.MaxNote)
	p.ArchivedAt = instant(FieldArchivedAt)
	p.DeferUntil = day(FieldDeferUntil)
	p.SoldAt = instant(FieldSoldAt)
	p.ResumedAt = instant(FieldResumedAt)
	p.CreatedAt = instant(FieldCreatedAt)

	// Completions, as stated (out of order and skipped ones included).
	for _, def := range d.l.Defs {
		s := stamps[def.ID]
		if s == nil || s.at < 0 {
			continue
		}
		v := strings.TrimSpace(rec[s.at])
		if v == "" {
			continue
		}
		at, msg := ParseInstant(v, d.l.Loc, d.l.Order)
		if msg != "" {
			fail(s.at, msg)
			continue
		}
		if at.After(d.l.Now) {
			fail(s.at, MsgRowFuture)
		}
		c := crm.Completion{MilestoneID: def.ID, At: at}
		if s.by >= 0 {
			if who := strings.TrimSpace(rec[s.by]); who != "" {
				c.By = user(who, s.by)
			}
		}
		p.Completions = append(p.Completions, c)
	}
	slices.SortStableFunc(p.Completions, func(a, b crm.Completion) int { return a.At.Compare(b.At) })
	if p.CreatedAt.IsZero() {
		p.CreatedAt = d.l.Now
		for _, c := range p.Completions {
			if c.At.Before(p.CreatedAt) {
				p.CreatedAt = c.At
			}
		}
	} else {
		for _, c := range p.Completions {
			if c.At.Before(p.CreatedAt) {
				fail(stamps[c.MilestoneID].at, MsgRowBeforeCreated)
			}
		}
	}

	// The state and what it carries.
	wonAt := time.Time{}
	for _, c := range p.Completions {
		if c.MilestoneID == d.won {
			wonAt = c.At
		}
	}
	if state == "" {
		state = crm.StateActive
		switch {
		case !wonAt.IsZero() || !p.SoldAt.IsZero():
			state = crm.StateSold
		case p.ArchiveReasonID != 0 || !p.ArchivedAt.IsZero():
			state = crm.StateArchived
		case !p.DeferUntil.IsZero():
			state = crm.StateDeferred
		}
	}
	p.State = state
	last := p.CreatedAt
	for _, c := range p.Completions {
		if c.At.After(last) {
			last = c.At
		}
	}
	switch state {
	case crm.StateArchived:
		if p.ArchiveReasonID == 0 {
			_, i := get(FieldArchiveReason)
			if i < 0 {
				i = stateCol
			}
			fail(i, MsgRowNoReason)
		}
		if p.ArchivedAt.IsZero() {
			p.ArchivedAt = last
		}
	case crm.StateDeferred:
		if p.DeferUntil.IsZero() {
			_, i := get(FieldDeferUntil)
			if i < 0 {
				i = stateCol
			}
			fail(i, MsgRowNoDeferUntil)
		}
	case crm.StateSold:
		// A sale is the won milestone's completion (the engine's
		// definition): a row that gives both must give one instant.
		if !p.SoldAt.IsZero() && !wonAt.IsZero() && !p.SoldAt.Equal(wonAt) {
			_, i := get(FieldSoldAt)
			fail(i, MsgRowSoldAtDiffers)
		}
		if p.SoldAt.IsZero() {
			p.SoldAt = wonAt
		}
		if p.SoldAt.IsZero() {
			_, i := get(FieldSoldAt)
			if i < 0 {
				i = stateCol
			}
			fail(i, MsgRowNoSoldAt)
		} else if wonAt.IsZero() && d.won != 0 {
			p.Completions = append(p.Completions, crm.Completion{MilestoneID: d.won, At: p.SoldAt, By: p.OwnerID})
		}
		p.Forecast = crm.ForecastClosedWon
	}
	if state != crm.StateArchived {
		p.ArchiveReasonID, p.ArchiveNote, p.ArchivedAt = 0, "", time.Time{}
	}
	if state != crm.StateDeferred {
		p.DeferUntil = crm.Date{}
	}
	if state != crm.StateSold {
		p.SoldAt = time.Time{}
	}
	if !p.ResumedAt.IsZero() && p.ResumedAt.Before(p.CreatedAt) {
		_, i := get(FieldResumedAt)
		fail(i, MsgRowBeforeCreated)
	}
	for _, t := range []time.Time{p.ArchivedAt, p.SoldAt, p.ResumedAt} {
		if t.After(last) {
			last = t
		}
	}
	p.LastActivityAt = last
	if len(notes) > 0 {
		row.Note = strings.Join(notes, "\n")
		if len(row.Note) > crm.MaxLongText {
			row.Note = string([]rune(row.Note)[:crm.MaxLongText])
		}
	}
}

// oneLine makes a cell one line: a line break or tab in a title or name
// (other CRMs allow them) becomes a space.
var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// stamp is where a milestone's two columns are (-1: not mapped).
type stamp struct{ at, by int }

// forecastOf reads a forecast category as Pipewell, Salesforce and HubSpot
// write it.
func forecastOf(s string) (crm.ForecastCategory, bool) {
	switch fold(s) {
	case "pipeline":
		return crm.ForecastPipeline, true
	case "bestcase", "best_case":
		return crm.ForecastBestCase, true
	case "commit":
		return crm.ForecastCommit, true
	case "closedwon", "closed", "won":
		return crm.ForecastClosedWon, true
	case "omitted", "omit", "notforecasted":
		return crm.ForecastOmitted, true
	}
	return crm.ForecastPipeline, false
}

// probabilityOf reads 40, "40%", "40.0" or HubSpot's fraction 0.4 as 40 %.
func probabilityOf(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || f < 0 || f > 100 {
		return 0, false
	}
	if f < 1 && strings.ContainsAny(s, ".,") {
		f *= 100
	}
	return int(f + 0.5), true
}

// stateOf reads a state as Pipewell writes it, and the closed stages and
// statuses of other CRMs (won, lost, Closed Won, Closed Lost); any other
// stage is an active deal (known false: the value goes into the note).
func stateOf(s string) (crm.State, bool) {
	switch f := fold(s); {
	case f == "":
		return "", true
	case f == "active" || f == "open":
		return crm.StateActive, true
	case f == "deferred":
		return crm.StateDeferred, true
	case f == "archived" || strings.Contains(f, "lost"):
		return crm.StateArchived, true
	case f == "sold" || strings.Contains(f, "won"):
		return crm.StateSold, true
	}
	return crm.StateActive, false
}

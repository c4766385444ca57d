package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestSalesTextSearch: the Sales screen's search finds a project by its
// title, its customer and its contact's name and e-mail, from the start of a
// word and across words, in its view only; and after a rename (the summary
// triggers) by the new text and no longer by the old.
func TestSalesTextSearch(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Search Kestrel")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	now := time.Now()
	var id crm.ProjectID
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		account, err := newAccount(tx, "Kestrel Orchards")
		if err != nil {
			return err
		}
		var contact, reason int64
		err = tx.QueryRow(ctx, `INSERT INTO contacts (tenant_id, account_id, name, email)
			VALUES ($1, $2, 'Mara Lindqvist', 'mara.lindqvist@kestrel.example') RETURNING id`, tx.Tenant, account).Scan(&contact)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT min(id) FROM archive_reasons WHERE tenant_id = $1`, tx.Tenant).Scan(&reason)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO projects (tenant_id, title, account_id, contact_id, owner_id)
			VALUES ($1, 'Heat pump retrofit', $2, $3, $4)`, tx.Tenant, account, contact, admin.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO projects (tenant_id, title, account_id, owner_id, state, archive_reason_id)
			VALUES ($1, 'Heat pump archived', $2, $3, 'archived', $4)`, tx.Tenant, account, admin.ID, reason)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND title = 'Heat pump retrofit'`, tx.Tenant).Scan(&id)
	})
	if err == nil {
		err = db.Refresh(ctx, admin.TenantID) // rows written by hand
	}
	if err != nil {
		t.Fatal(err)
	}
	search := func(view crm.State, q string) []crm.ProjectID {
		t.Helper()
		var ids []crm.ProjectID
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			f := postgres.SalesFilter{View: view, Text: q, Now: now}
			page, err := tx.ListSales(ctx, v, f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			for _, r := range page.Rows {
				ids = append(ids, r.ID)
			}
			if page.Total != int64(len(ids)) || page.AtLeast || page.MoreThan {
				t.Errorf("search %q: total %d (bounded %v) for %d rows", q, page.Total, page.MoreThan || page.AtLeast, len(ids))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	expect := func(view crm.State, q string, want bool) {
		t.Helper()
		got := search(view, q)
		if found := slices.Contains(got, id); found != want || len(got) > 1 {
			t.Errorf("search %s %q: %v, want found %v", view, q, got, want)
		}
	}
	for _, q := range []string{"heat pump", "heat pu", "pump retro", "retrofit", "kestrel orch", "orchards",
		"mara lindqvist", "lindq", "mara.lindqvist@kestrel", "lindqvist@kestrel.example", "@kestrel.ex"} {
		expect(crm.StateActive, q, true)
	}
	for _, q := range []string{"pump heat", "heat  pump", "kestrel  orchards", "nothing like it", "eat pump"} {
		expect(crm.StateActive, q, false)
	}
	if got := search(crm.StateArchived, "heat pump"); len(got) != 1 || got[0] == id {
		t.Errorf("archived view: %v, want only the archived project", got)
	}

	// Changes through the application keep the search in step.
	a := crm.Actor{Viewer: v, Now: now, Loc: time.UTC}
	change := func(decide postgres.Decide) {
		t.Helper()
		if _, err := db.ChangeProject(ctx, v, id, decide); err != nil {
			t.Fatal(err)
		}
	}
	change(func(p crm.Project, s crm.Setup) (crm.Change, error) {
		d := crm.DetailsOf(p)
		d.Title = "Solar carport"
		return crm.DecideDetails(p, d, s.Choices, a)
	})
	var account, contact int64
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT account_id, contact_id FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id).Scan(&account, &contact)
	})
	db.EditContact(t, admin, contact, crm.Contact{Name: "Mara Lindqvist", Email: "m.l@orchard.example"})
	db.EditAccount(t, admin, account, crm.Account{Name: "Falcon Farms"})
	for _, q := range []string{"solar carport", "solar car", "falcon farm", "m.l@orchard", "mara lindqvist"} {
		expect(crm.StateActive, q, true)
	}
	for _, q := range []string{"heat pump", "kestrel", "lindqvist@kestrel"} {
		expect(crm.StateActive, q, false)
	}
	// Archiving moves it to the archived view's search.
	change(func(p crm.Project, s crm.Setup) (crm.Change, error) {
		return crm.DecideArchive(p, s.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: s.Choices.Reasons[0]}, a)
	})
	expect(crm.StateActive, "solar carport", false)
	expect(crm.StateArchived, "solar carport", true)
}

// TestTextSearchPagesAndCounts: a text search's pages, walked by their
// cursors for every sort both ways, hold each matching project the viewer
// may see exactly once and in the sort's order (ties broken by ID), with the
// exact count on every page; a page past the end still has the count.
func TestTextSearchPagesAndCounts(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Search Heron")
	rep := db.User(t, admin, crm.RoleSales, "Rita Rep")
	other := db.User(t, admin, crm.RoleSales, "Otto Other")
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		// 180 projects, two in three titled "Heron pond ...", of three
		// owners, with repeated values and creation days (ties), some with
		// a milestone status.
		account, err := newAccount(tx, "Heron Works")
		if err != nil {
			return err
		}
		var status int64
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant).Scan(&status); err != nil {
			return err
		}
		owners := []crm.UserID{admin.ID, rep.ID, other.ID}
		now := time.Now()
		var rows [][]any
		for g := 1; g <= 180; g++ {
			title := fmt.Sprintf("Heron pond %d", g)
			if g%3 == 0 {
				title = fmt.Sprintf("Other roof %d", g)
			}
			var st *int64
			if g%4 == 0 {
				st = &status
			}
			rows = append(rows, []any{tx.Tenant, title, account, owners[g%3], (g * 37 % 10) * 1000,
				now.Add(-time.Duration(g%7) * 24 * time.Hour), st})
		}
		return insertRows(tx, "projects", []string{"tenant_id", "title", "account_id", "owner_id", "value_cents", "created_at", "status_id"}, rows)
	})
	if err == nil {
		err = db.Refresh(ctx, admin.TenantID) // rows written by hand
	}
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, who := range []crm.User{admin, rep} {
		v := crm.Viewer{TenantID: who.TenantID, UserID: who.ID, Role: who.Role}
		for sort := range postgres.SalesSorts {
			for _, desc := range []bool{false, true} {
				dir := "ASC"
				if desc {
					dir = "DESC"
				}
				var want []crm.ProjectID
				err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
					rows, err := tx.Query(ctx, `SELECT p.id FROM projects p WHERE p.tenant_id = $1 AND p.state = 'active'
						AND p.title LIKE 'Heron pond %' AND ($2 OR p.owner_id = $3)
						ORDER BY `+postgres.SortExprForTest(sort)+` `+dir+`, p.id `+dir, tx.Tenant, who.Role == crm.RoleAdmin, who.ID)
					if err != nil {
						return err
					}
					want, err = pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				var got []crm.ProjectID
				var after *postgres.Cursor
				for pages := 0; pages < 20; pages++ {
					var page postgres.SalesPage
					err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
						f := postgres.SalesFilter{View: crm.StateActive, Text: "heron pond", Now: now}
						var err error
						page, err = tx.ListSales(ctx, v, f, sort, desc, after, 25)
						return err
					})
					if err != nil {
						t.Fatalf("%s %s %s: %v", who.Name, sort, dir, err)
					}
					if page.Total != int64(len(want)) || page.AtLeast || page.MoreThan {
						t.Errorf("%s %s %s page %d: total %d (bounded %v), want %d", who.Name, sort, dir, pages, page.Total, page.MoreThan || page.AtLeast, len(want))
					}
					for _, r := range page.Rows {
						got = append(got, r.ID)
					}
					if page.Next == "" {
						break
					}
					c, err := postgres.DecodeCursor(page.Next, sort, desc)
					if err != nil {
						t.Fatal(err)
					}
					after = &c
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s, sort %s %s: walked\n %v\nwant\n %v", who.Name, sort, dir, got, want)
				}
			}
		}
	}

	// A page past the end (its projects archived since) is empty and still
	// counts what is left.
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	f := postgres.SalesFilter{View: crm.StateActive, Text: "heron pond", Now: now}
	var first postgres.SalesPage
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var err error
		first, err = tx.ListSales(ctx, v, f, "created", true, nil, 100)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := postgres.DecodeCursor(first.Next, "created", true)
	if err != nil {
		t.Fatal(err)
	}
	var rest []crm.ProjectID
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND state = 'active' AND title LIKE 'Heron pond %'
			AND id <> ALL ($2)`, tx.Tenant, pageIDs(first))
		if err == nil {
			rest, err = pgx.CollectRows(rows, pgx.RowTo[crm.ProjectID])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := crm.Actor{Viewer: v, Now: now, Loc: time.UTC}
	_, err = db.ChangeProjects(ctx, v, postgres.BulkTarget{IDs: rest}, func(crm.Setup) error { return nil },
		func(p crm.Project, s crm.Setup) (crm.Change, error) {
			return crm.DecideBulk(p, crm.BulkAction{Kind: crm.BulkArchive, Reason: s.Choices.Reasons[0]}, s, a)
		})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		f.Text = "heron pond"
		page, err := tx.ListSales(ctx, v, f, "created", true, &c, 100)
		if err != nil {
			return err
		}
		if len(page.Rows) != 0 || page.Total != 100 || page.Next != "" {
			t.Errorf("past the end: %d rows, total %d, next %q; want 0 rows, total 100", len(page.Rows), page.Total, page.Next)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func pageIDs(p postgres.SalesPage) []int64 {
	var ids []int64
	for _, r := range p.Rows {
		ids = append(ids, int64(r.ID))
	}
	return ids
}

// TestTextSearchPastItsCap: a search whose words more projects share than
// SearchKeyCap reads the newest texts and stops at SearchDenseCap matches,
// the newest, and says it found at least that many; one with a rarer key
// among them starts from that key and counts exactly.
func TestTextSearchPastItsCap(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Search Plover")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	now := time.Now()
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		account, err := newAccount(tx, "Plover")
		if err != nil {
			return err
		}
		var rows [][]any
		for g := 1; g <= postgres.SearchKeyCap+20; g++ {
			rows = append(rows, []any{tx.Tenant, fmt.Sprintf("Plover lead %d", g), account, admin.ID})
		}
		return insertRows(tx, "projects", []string{"tenant_id", "title", "account_id", "owner_id"}, rows)
	})
	if err == nil {
		err = db.Refresh(ctx, admin.TenantID) // rows written by hand
	}
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		for _, c := range []struct {
			q         string
			total     int64
			estimated bool
		}{{"plover lead", postgres.SearchDenseCap, true}, {"plover", postgres.SearchDenseCap, true}, {"plover lead 4", 1111, false}} {
			f := postgres.SalesFilter{View: crm.StateActive, Text: c.q, Now: now}
			page, err := tx.ListSales(ctx, v, f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			if page.Total != c.total || page.AtLeast != c.estimated || len(page.Rows) != 50 {
				t.Errorf("%q: total %d, at least %v, %d rows; want %d, %v, 50", c.q, page.Total, page.AtLeast, len(page.Rows), c.total, c.estimated)
				continue
			}
			// The page is the newest matches: the same as a direct query.
			rows, err := tx.Query(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND lower(title) LIKE $2
				ORDER BY created_at DESC, id DESC LIMIT 50`, tx.Tenant, "%"+c.q+"%")
			if err != nil {
				return err
			}
			var want []int64
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				want = append(want, id)
			}
			rows.Close()
			for i, r := range page.Rows {
				if int64(r.ID) != want[i] {
					t.Errorf("%q: row %d is project %d, want %d", c.q, i, r.ID, want[i])
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGlobalSearchRecordsOutOfTime: the header search's account lookup
// that runs out of its time says so and the search still answers, with
// the projects it found; with time enough it finds the accounts. The slow
// lookup is a salesperson's: 80,000 accounts start with the word and none
// is theirs, so the range is read to its end. (The usual 150 ms is a
// production budget, not a promise on a loaded test machine or a cluster,
// so the first run is given a minute.)
func TestGlobalSearchRecordsOutOfTime(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Search Wren")
	rep := db.User(t, admin, crm.RoleSales, "Wren Rep")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	db.Lead(t, pgtest.ActorOf(rep), "Wrenfield roof")
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var rows [][]any
		for i := range 80_000 {
			rows = append(rows, []any{tx.Tenant, fmt.Sprintf("Wrenfield %d", i)})
		}
		return insertRows(tx, "accounts", []string{"tenant_id", "name"}, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.SetSearchRecordsForTest(time.Minute)
	res, err := db.GlobalSearch(ctx, v, "wrenfield", time.Now(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.CustomersTooSlow || len(res.Accounts) != 6 {
		t.Fatalf("with a minute: too slow %v, %d accounts; want 6 (5 and one that says there are more)", res.CustomersTooSlow, len(res.Accounts))
	}
	db.SetSearchRecordsForTest(time.Millisecond)
	rv := crm.Viewer{TenantID: rep.TenantID, UserID: rep.ID, Role: rep.Role}
	res, err = db.GlobalSearch(ctx, rv, "wrenfield", time.Now(), 5)
	if err != nil {
		t.Fatalf("a lookup out of time failed the search: %v", err)
	}
	if !res.CustomersTooSlow || len(res.Accounts) != 0 {
		t.Fatalf("with 1 ms: too slow %v, %d accounts; want too slow and none", res.CustomersTooSlow, len(res.Accounts))
	}
	if got := res.Projects[crm.StateActive].Rows; len(got) != 1 || got[0].Title != "Wrenfield roof" {
		t.Fatalf("projects found beside the slow lookup: %+v", got)
	}
}

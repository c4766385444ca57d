package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// upload posts file to the import page as a browser does.
func (c *client) upload(name string, file []byte, fields map[string]string) response {
	c.app.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.app.ts.URL+"/admin/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var importLocation = regexp.MustCompile(`^/admin/import/(\d+)$`)

func uploaded(t *testing.T, res response) int64 {
	t.Helper()
	m := importLocation.FindStringSubmatch(res.header.Get("Location"))
	if res.status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d %s %s", res.status, res.header.Get("Location"), res.body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// mappingForm is the mapping form as the page fills it in.
func mappingForm(t *testing.T, app *testApp, admin crm.User, id int64, extra url.Values) url.Values {
	t.Helper()
	im, err := app.db.Import(context.Background(), crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, id)
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{"date_order": {"dmy"}}
	for i, m := range im.Mapping {
		f.Set("col."+strconv.Itoa(i), m)
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// TestImportJourney: upload a file, see its columns mapped from their
// names, preview it with its errors by row and column, fix the file,
// preview again, commit, follow the progress to the result, see the
// projects and their log; then undo it.
func TestImportJourney(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Import Co")
	rep := app.db.User(t, admin, crm.RoleSales, "Ria")
	c := app.client()
	c.login(admin)

	bad := fmt.Sprintf("Deal Name;Amount;Deal owner;Create Date;Deal Stage;Closed Lost Reason\r\n"+
		"Roof;1.234,56;%s;05.01.2026 09:00;Closed Lost;No budget\r\n"+
		"Carport;12x;nobody@else.example;06.01.2026 10:00;Closed Lost;\r\n", rep.Email)
	id := uploaded(t, c.upload("hubspot.csv", []byte(bad), nil))
	page := c.get(fmt.Sprintf("/admin/import/%d", id))
	if page.status != http.StatusOK {
		t.Fatalf("import page: %d", page.status)
	}
	mustContain(t, page.body, "Import of hubspot.csv", "Deal Name", `<option value="title" selected`, `<option value="value" selected`,
		`<option value="owner_email" selected`, "Roof")
	res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, admin, id, nil))
	if res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 rows: 1 project will be created, 0 updated, 1 row skipped.", "Problems (3)",
		"Not an amount", "No user of your company has this e-mail address or name.", "Archived without an archive reason.",
		"The file has problems")
	mustNotContain(t, page.body, fmt.Sprintf(`action="/admin/import/%d/commit"`, id))
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects`); n != 0 {
		t.Fatalf("the preview wrote %d projects", n)
	}

	good := strings.Replace(strings.Replace(strings.Replace(bad, "12x", "800", 1), "nobody@else.example", rep.Email, 1), "Closed Lost;\r\n", "Closed Lost;Duplicate\r\n", 1)
	id = uploaded(t, c.upload("hubspot.csv", []byte(good), nil))
	if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, admin, id, url.Values{"mapping_name": {"HubSpot"}})); res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 rows: 2 projects will be created", "Import: create 2, update 0", "HubSpot")
	res = c.post(fmt.Sprintf("/admin/import/%d/commit", id), url.Values{})
	if res.status != http.StatusSeeOther {
		t.Fatalf("commit: %d %s", res.status, res.body)
	}
	app.srv.WaitImports()
	prog := c.get(fmt.Sprintf("/admin/import/%d/progress", id))
	mustContain(t, prog.body, "The import has ended.", "2 of 2 rows (100%)")
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 projects created, 0 updated, 0 rows rejected.", "Undo this import")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects WHERE state = 'archived' AND owner_id = $1`, rep.ID); n != 2 {
		t.Fatalf("%d archived projects of the rep", n)
	}
	pid := scalar[int64](t, app, admin, `SELECT id FROM projects WHERE title = 'Roof'`)
	log := c.get(fmt.Sprintf("/projects/%d/log", pid))
	mustContain(t, log.body, "Imported from hubspot.csv")
	if v := scalar[int64](t, app, admin, `SELECT value_cents FROM projects WHERE id = $1`, pid); v != 123456 {
		t.Errorf("value %d", v)
	}
	if res := c.post(fmt.Sprintf("/admin/import/%d/undo", id), url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("undo: %d %s", res.status, res.body)
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects`); n != 0 {
		t.Errorf("%d projects after undo", n)
	}
}

// TestImportBadFiles: a file that cannot be read is told beside the file
// field (422), a file over the cap before it is read (413); nothing is
// recorded.
func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Bad Files")
	c := app.client()
	c.login(admin)
	for name, want := range map[string]string{
		"title,value\nRoof,\"12\nSolar,5\n": "a quoted cell is not closed",
		"title,value\n":                     "The file has a header line but no rows.",
		"\x00\x01\x02binary\x00\x00garbage": "This is not a text file (CSV).",
		"title\nRoof\n\uFEFFtitle\nSolar\n": "a byte-order mark in the middle of the file",
	} {
		res := c.upload("bad.csv", []byte(name), map[string]string{"encoding": "", "comma": ""})
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%q: %d", want, res.status)
		}
		mustContain(t, res.body, want)
	}
	// A file announced over the cap is refused before its body is read.
	conn, err := net.Dial("tcp", strings.TrimPrefix(app.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /admin/import HTTP/1.1\r\nHost: %s\r\nCookie: pipewell_session=%s\r\nContent-Type: multipart/form-data; boundary=x\r\n"+
		"Content-Length: %d\r\n\r\n--x\r\n", strings.TrimPrefix(app.ts.URL, "http://"), c.cookie(), MaxImportBytes+1<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", resp.StatusCode)
	}
	mustContain(t, string(body), "The file is larger than 100 MB")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM imports`); n != 0 {
		t.Errorf("%d imports recorded", n)
	}
}

// TestImportOneAtATime: while an import of the tenant runs, another is
// refused with a message; the progress endpoint tells rows, rate and time left.
func TestImportOneAtATime(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Busy")
	c := app.client()
	c.login(admin)
	file := []byte("title,created_at\nRoof,2026-01-05 09:00\n")
	first := uploaded(t, c.upload("a.csv", file, nil))
	second := uploaded(t, c.upload("b.csv", file, nil))
	for _, id := range []int64{first, second} {
		if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, admin, id, nil)); res.status != http.StatusSeeOther {
			t.Fatalf("preview: %d %s", res.status, res.body)
		}
	}
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE imports SET state = 'running', started_at = $3, total_rows = 1000, rows_done = 250
			WHERE tenant_id = $1 AND id = $2`, tx.Tenant, first, time.Now().Add(-10*time.Second))
		return err
	})
	prog := c.get(fmt.Sprintf("/admin/import/%d/progress", first))
	mustContain(t, prog.body, "250 of 1,000 rows (25%)", "25 rows per second", "about 30 s left", `hx-trigger="every 1s"`)
	res := c.post(fmt.Sprintf("/admin/import/%d/commit", second), url.Values{})
	if res.status != http.StatusConflict {
		t.Fatalf("second import: %d", res.status)
	}
	mustContain(t, res.body, "Another import of your company is running")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects`); n != 0 {
		t.Errorf("%d projects", n)
	}
	// A running import whose server stopped (no progress for long) no longer blocks.
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE imports SET heartbeat_at = now() - interval '1 hour' WHERE tenant_id = $1 AND id = $2`, tx.Tenant, first)
		return err
	})
	if res := c.post(fmt.Sprintf("/admin/import/%d/commit", second), url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("after the interrupted one: %d %s", res.status, res.body)
	}
	app.srv.WaitImports()
	mustContain(t, c.get(fmt.Sprintf("/admin/import/%d", first)).body, "The import was interrupted")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects`); n != 1 {
		t.Errorf("%d projects after the second import", n)
	}
}

// TestManagerImportsForTheirWorkgroups: a manager imports projects for the
// members of the workgroups they manage, not for another rep; their page
// has the import tab only and no export of everything.
func TestManagerImportsForTheirWorkgroups(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Managed")
	manager := app.db.User(t, admin, crm.RoleManager, "Mia")
	mine := app.db.User(t, admin, crm.RoleSales, "Mine")
	theirs := app.db.User(t, admin, crm.RoleSales, "Theirs")
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		var wg int64
		if err := tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, tx.Tenant).Scan(&wg); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager) VALUES ($1, $2, $3, true), ($1, $2, $4, false)`,
			tx.Tenant, wg, manager.ID, mine.ID)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'South')`, tx.Tenant)
		}
		return err
	})
	c := app.client()
	c.login(manager)
	home := c.get("/admin/import")
	if home.status != http.StatusOK {
		t.Fatalf("import page as manager: %d", home.status)
	}
	mustContain(t, home.body, `href="/admin/import"`)
	mustNotContain(t, home.body, "/admin/export/", `href="/admin/users"`)
	file := fmt.Sprintf("title,owner_email,created_at\nOurs,%s,2026-01-05 09:00\nNot ours,%s,2026-01-05 09:00\n", mine.Email, theirs.Email)
	id := uploaded(t, c.upload("team.csv", []byte(file), nil))
	if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, manager, id, nil)); res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page := c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "1 project will be created", "You may import projects only for the members of your workgroups.")
	if res := c.get("/admin/export/projects.csv"); res.status != http.StatusForbidden {
		t.Errorf("export as manager: %d", res.status)
	}
}

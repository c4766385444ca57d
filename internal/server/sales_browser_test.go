package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// demoApp is a test app with the demo tenant (a manager, four reps, 600
// projects), its users' password being the fixture password.
func demoApp(t *testing.T) (*testApp, crm.User) {
	t.Helper()
	app := newTestApp(t, Config{})
	ctx := context.Background()
	hash, err := pgtest.FastHasher.Hash(ctx, pgtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, app.db.DB, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	lu, err := app.db.UserForLogin(ctx, "manager@sunrise-solar.example")
	if err != nil {
		t.Fatal(err)
	}
	return app, lu.User
}

// selectByText picks the option of select sel whose text is text and
// returns its value.
func (b *browser) selectByText(sel, text string) string {
	b.t.Helper()
	var v string
	b.run(chromedp.Evaluate(fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		for (const o of s.options) { if (o.text.trim() === %q) { s.value = o.value; return o.value; } }
		return "";
	})()`, sel, text), &v))
	if v == "" {
		b.t.Fatalf("no option %q in %s", text, sel)
	}
	return v
}

// column returns the trimmed texts of the Sales table's column i (0-based,
// the selection box included).
func (b *browser) column(i int) []string {
	b.t.Helper()
	var out []string
	b.run(chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll(".sales-table tbody tr")].map(tr => tr.children[%d].textContent.trim())`, i), &out))
	return out
}

// follow runs actions that make the page navigate (a click on a link, a form
// submitted) and returns once the next page has loaded.
func (b *browser) follow(actions ...chromedp.Action) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	if res == nil || res.Status != 200 {
		b.t.Fatalf("browser: navigation answered %v", res)
	}
	b.run(loaded())
}

func (b *browser) location() string {
	b.t.Helper()
	var u string
	b.run(chromedp.Location(&u))
	return u
}

// TestBrowserSalesFilterSortLogNote: a manager filters the Sales screen by
// owner, sorts it by value, opens a project's log in the drawer and adds a
// note there, without leaving the page.
func TestBrowserSalesFilterSortLogNote(t *testing.T) {
	t.Parallel()
	app, manager := demoApp(t)
	b := newBrowser(t, app)
	b.login(manager)
	b.run(chromedp.Navigate(b.url("/?view=active")), loaded(), chromedp.WaitVisible("#sales-count", chromedp.ByQuery))
	owner := b.selectByText("#f-owner", "Rita Rossi")
	b.follow(chromedp.Click(`#filters button[type="submit"]`, chromedp.ByQuery))
	if u := b.location(); !strings.Contains(u, "owner="+owner) {
		t.Fatalf("filter not in the URL: %s", u)
	}
	owners := b.column(3)
	if len(owners) == 0 {
		t.Fatal("no project of Rita Rossi on the Sales screen")
	}
	for _, o := range owners {
		if o != "Rita Rossi" {
			t.Fatalf("owner filter shows a project of %q", o)
		}
	}
	b.follow(chromedp.Click(`.sales-table th a[href*="sort=value"]`, chromedp.ByQuery))
	b.run(chromedp.WaitVisible(`.sales-table th[aria-sort="descending"]`, chromedp.ByQuery))
	if u := b.location(); !strings.Contains(u, "sort=value") || !strings.Contains(u, "owner="+owner) {
		t.Fatalf("sorting lost the filter or the sort: %s", u)
	}
	values := b.column(7)
	prev := int64(-1)
	for _, v := range values {
		n, err := strconv.ParseInt(strings.NewReplacer("$", "", ",", "", ".", "").Replace(v), 10, 64)
		if err != nil {
			t.Fatalf("value %q: %v", v, err)
		}
		if prev >= 0 && n > prev {
			t.Fatalf("values not descending: %v", values)
		}
		prev = n
	}
	if got := b.column(3); len(got) != len(owners) || got[0] != "Rita Rossi" {
		t.Fatalf("after sorting the owners are %v", got)
	}
	b.screenshot("sales-filtered-sorted")

	// The book icon opens the log in the drawer; the page stays.
	page := b.location()
	var firstTitle string
	b.run(chromedp.Text(".sales-table tbody tr td:nth-child(2) a", &firstTitle, chromedp.ByQuery),
		chromedp.Click(".sales-table tbody tr .log-button", chromedp.ByQuery),
		chromedp.WaitVisible("#drawer .note-form textarea", chromedp.ByQuery))
	if u := b.location(); u != page {
		t.Fatalf("opening the log left the page: %s", u)
	}
	var heading string
	b.run(chromedp.Text("#drawer-title", &heading, chromedp.ByQuery))
	if !strings.Contains(heading, firstTitle) {
		t.Fatalf("the drawer's title is %q, want the project %q", heading, firstTitle)
	}
	before := b.drawerEntries()
	b.screenshot("sales-log-drawer")
	note := "Called back; the offer goes out today."
	b.run(chromedp.SendKeys("#drawer .note-form textarea", note, chromedp.ByQuery),
		chromedp.Click(`#drawer .note-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.Poll(fmt.Sprintf(`[...document.querySelectorAll("#drawer .entry-body")].some(e => e.textContent.includes(%q))`, note), nil,
			chromedp.WithPollingInterval(20*time.Millisecond)))
	if u := b.location(); u != page {
		t.Fatalf("adding a note left the page: %s", u)
	}
	if after := b.drawerEntries(); after != before+1 {
		t.Fatalf("the log has %d entries after the note, %d before", after, before)
	}
	var box string
	b.run(chromedp.Value("#drawer .note-form textarea", &box, chromedp.ByQuery))
	if box != "" {
		t.Fatalf("the note box still holds %q", box)
	}
	if rows := b.column(1); len(rows) == 0 || rows[0] != firstTitle {
		t.Fatalf("the table changed under the drawer: %v", rows)
	}
	b.screenshot("sales-log-note-added")

	// The close button closes the drawer; Escape closes it too.
	drawerOpen := func() bool {
		var open bool
		b.run(chromedp.Evaluate(`document.getElementById("drawer").innerHTML !== ""`, &open))
		return open
	}
	b.run(chromedp.Click("#drawer .drawer-close", chromedp.ByQuery))
	if drawerOpen() {
		t.Fatal("the close button left the drawer open")
	}
	b.run(chromedp.Click(".sales-table tbody tr .log-button", chromedp.ByQuery),
		chromedp.WaitVisible("#drawer-title", chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape))
	if drawerOpen() {
		t.Fatal("Escape left the drawer open")
	}
}

func (b *browser) drawerEntries() int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll("#drawer .entry").length`, &n))
	return n
}

// TestBrowserBulkAssign: a manager selects three projects and assigns them to
// another rep; the page says what changed and the projects have the new owner.
func TestBrowserBulkAssign(t *testing.T) {
	t.Parallel()
	app, manager := demoApp(t)
	b := newBrowser(t, app)
	b.login(manager)
	b.run(chromedp.Navigate(b.url("/?view=active")), loaded(), chromedp.WaitVisible("#bulk-form", chromedp.ByQuery))
	var ids []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll("#bulk-form tbody tr")]
		.filter(tr => tr.children[3].textContent.trim() !== "Omar Okafor").slice(0, 3)
		.map(tr => { const c = tr.querySelector('input[name="id"]'); c.click(); return c.value; })`, &ids))
	if len(ids) != 3 {
		t.Fatalf("selected %v", ids)
	}
	b.selectByText("#bulk-action", "Assign owner")
	b.selectByText("#bulk-owner", "Omar Okafor")
	b.screenshot("sales-bulk-selected")
	b.follow(chromedp.Click(`.bulk-controls button[type="submit"]`, chromedp.ByQuery))
	b.run(chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if got := b.text(".flash"); !strings.Contains(got, "3") {
		t.Fatalf("bulk result says %q", got)
	}
	b.screenshot("sales-bulk-assigned")
	err := app.db.Any.InTenant(context.Background(), manager.TenantID, func(tx *postgres.Tx) error {
		var n int
		var logs int
		if err := tx.QueryRow(context.Background(), `
			SELECT count(*) FILTER (WHERE owner_name = 'Omar Okafor'),
			       (SELECT count(*) FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = ANY($2::bigint[]) AND l.field = 'owner')
			  FROM projects WHERE tenant_id = $1 AND id = ANY($2::bigint[])`, tx.Tenant, ids).Scan(&n, &logs); err != nil {
			return err
		}
		if n != 3 || logs != 3 {
			t.Errorf("after the bulk action %d of 3 projects belong to Omar Okafor, with %d log entries", n, logs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowserBoardKeyboardMove: on the board, a card focused with the keyboard
// moves to the next column with the right arrow key: it asks for the time
// and a note, and Enter completes the milestone; the board is swapped in
// place (no page load) with the move confirmed in the column.
func TestBrowserBoardKeyboardMove(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	b := newBrowser(t, f.app)
	b.login(f.repA)
	card := fmt.Sprintf("#card-%d", f.project)
	b.run(chromedp.Navigate(b.url("/pipeline")), loaded(), chromedp.WaitVisible(card, chromedp.ByQuery))
	var from, next string
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).closest(".board-col").dataset.milestone`, card), &from),
		chromedp.AttributeValue(card, "data-next", &next, nil, chromedp.ByQuery))
	if next == "" || next == "0" || next == from {
		t.Fatalf("card in column %s has next column %q", from, next)
	}
	b.run(chromedp.Evaluate(`document.body.dataset.loadMark = "before"`, nil))
	b.run(chromedp.Focus(card, chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(card+" .complete-form", chromedp.ByQuery))
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.name`, &focused))
	if focused != "completed_at" {
		t.Fatalf("after the arrow key the focus is on %q, want the completion time", focused)
	}
	b.screenshot("board-move-asks")
	b.run(chromedp.SendKeys(fmt.Sprintf("#note-%d", f.project), "Site survey booked by phone", chromedp.ByQuery))
	b.run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(card+".just-moved", chromedp.ByQuery), chromedp.WaitVisible(".board-notice", chromedp.ByQuery))
	var now, mark string
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).closest(".board-col").dataset.milestone`, card), &now),
		chromedp.Evaluate(`document.body.dataset.loadMark || ""`, &mark))
	if now != next {
		t.Fatalf("after the move the card is in column %s, want %s (from %s)", now, next, from)
	}
	if mark != "before" {
		t.Errorf("the move loaded a new page instead of swapping the board in place")
	}
	if u := b.location(); !strings.Contains(u, "/pipeline") {
		t.Fatalf("after the move the browser is on %s", u)
	}
	b.screenshot("board-moved")
	res := f.app.client()
	res.login(f.repA)
	log := res.get(f.url(f.project, "/log"))
	mustContain(t, log.body, "Site survey booked by phone")
}

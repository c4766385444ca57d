package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
)

var completedAtRe = regexp.MustCompile(`name="completed_at" value="([^"]+)"`)

// boardColumnOf is the column (its milestone ID) the card of project id is
// in on the board page body, "" when it is not shown.
func boardColumnOf(body string, id crm.ProjectID) string {
	i := strings.Index(body, fmt.Sprintf(`id="card-%d"`, id))
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(body[:i], `class="board-col" data-milestone="`)
	if j < 0 {
		return ""
	}
	rest := body[j+len(`class="board-col" data-milestone="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// boardColumn is the markup of the column of milestone id.
func boardColumn(body string, id int64) string {
	marker := fmt.Sprintf(`class="board-col" data-milestone="%d"`, id)
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	if j := strings.Index(rest, `class="board-col"`); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestBoardMoves: a card sits in the column of the stage its project has
// reached; moving it forward completes that column's milestone (asking
// first when it would complete open earlier ones as well), moving it back
// asks what it will undo and undoes it with the reason; each move is
// confirmed beside the card once; a stale form, a salesperson's move of
// another's project, another tenant's project and a cross-origin post
// change nothing.
func TestBoardMoves(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	rep := f.app.client()
	rep.login(f.repA)
	d := f.defs // Lead created, Lead qualified, Proposed, Sold
	col := func(id crm.ProjectID) string {
		t.Helper()
		res := rep.get("/pipeline")
		if res.status != http.StatusOK {
			t.Fatalf("board: %d", res.status)
		}
		return boardColumnOf(res.body, id)
	}
	board := rep.get("/pipeline")
	if got := boardColumnOf(board.body, f.project); got != strconv.FormatInt(int64(d[0].ID), 10) {
		t.Fatalf("a new lead is in column %q, want Lead created (%d)", got, d[0].ID)
	}
	// Every active milestone has its column, empty or not (Sold too: a card
	// can move there); the none-completed column, empty, is not shown.
	for _, m := range d {
		if boardColumn(board.body, int64(m.ID)) == "" {
			t.Errorf("no column for %s", m.Name)
		}
	}
	mustNotContain(t, board.body, `data-milestone="0"`, "No milestone pending")
	mustContain(t, board.body, `title="Value × the stage`, `aria-describedby="board-weighted-help"`, "Weighted value: each deal")
	mustContain(t, boardColumn(board.body, int64(d[0].ID)), "Next: Lead qualified")
	at := completedAtRe.FindStringSubmatch(board.body)
	if at == nil {
		t.Fatal("no completion time on the card")
	}
	admin := f.app.client()
	admin.login(f.admin)
	move := func(c *client, id crm.ProjectID, to crm.MilestoneID, extra url.Values) response {
		t.Helper()
		ws := admin
		form := url.Values{"version": {pageVersion(t, ws.get(f.url(id, "")).body)}, "to": {fmt.Sprint(to)},
			"completed_at": {at[1]}, "note": {"Called the customer"}, "return": {"/pipeline"}}
		for k, v := range extra {
			form[k] = v
		}
		return c.post(f.url(id, "/move"), form)
	}

	// Forward to the next column: done, back on the board, confirmed once.
	res := move(rep, f.project, d[1].ID, nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/pipeline" {
		t.Fatalf("move forward: %d to %q", res.status, res.header.Get("Location"))
	}
	board = rep.get("/pipeline")
	if got := boardColumnOf(board.body, f.project); got != fmt.Sprint(d[1].ID) {
		t.Fatalf("after the move forward the card is in column %s, want %d", got, d[1].ID)
	}
	mustContain(t, boardColumn(board.body, int64(d[1].ID)), `class="flash board-notice" role="status"`, "“Roof for Miller” moved to Lead qualified: milestone completed.", "just-moved")
	mustNotContain(t, rep.get("/pipeline").body, "board-notice")
	mustContain(t, rep.get(f.url(f.project, "/log")).body, "Called the customer")

	// Forward past an open milestone: asked first, in the card.
	second := f.lead(t, f.repA, "Carport for Jones")
	res = move(rep, second, d[2].ID, nil)
	if res.status != http.StatusOK {
		t.Fatalf("move forward past an open milestone: %d", res.status)
	}
	card := boardColumn(res.body, int64(d[0].ID))
	mustContain(t, card, "board-confirm", "Moving to “Proposed” also completes these open milestones", "<li>Lead qualified</li>", `name="confirm" value="1"`)
	if got := boardColumnOf(res.body, second); got != fmt.Sprint(d[0].ID) {
		t.Fatalf("an unconfirmed move moved the card to %s", got)
	}
	if res = move(rep, second, d[2].ID, url.Values{"confirm": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("confirmed move forward: %d", res.status)
	}
	if got := col(second); got != fmt.Sprint(d[2].ID) {
		t.Fatalf("after the confirmed move the card is in column %s, want Proposed", got)
	}

	// Back: asked first with what it undoes; the reason is required; then
	// both completions after Lead created are undone with it.
	res = move(rep, second, d[0].ID, nil)
	if res.status != http.StatusOK {
		t.Fatalf("move back: %d", res.status)
	}
	mustContain(t, boardColumn(res.body, int64(d[2].ID)), "Move back to “Lead created”? This undoes:", "Proposed (completed", "Lead qualified (completed", `name="reason"`)
	if got := col(second); got != fmt.Sprint(d[2].ID) {
		t.Fatalf("an unconfirmed move back moved the card to %s", got)
	}
	res = move(rep, second, d[0].ID, url.Values{"confirm": {"1"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("move back without a reason: %d, want 422", res.status)
	}
	mustContain(t, res.body, "This undoes:", "Proposed (completed")
	res = move(rep, second, d[0].ID, url.Values{"confirm": {"1"}, "reason": {"Proposal was for another customer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("confirmed move back: %d", res.status)
	}
	board = rep.get("/pipeline")
	if got := boardColumnOf(board.body, second); got != fmt.Sprint(d[0].ID) {
		t.Fatalf("after the move back the card is in column %s, want Lead created", got)
	}
	mustContain(t, boardColumn(board.body, int64(d[0].ID)), "“Carport for Jones” moved back to Lead created: undid Proposed, Lead qualified.")
	mustContain(t, rep.get(f.url(second, "/log")).body, "Proposal was for another customer")

	// A stale form: refused, the card says so.
	res = rep.post(f.url(f.project, "/move"), url.Values{"version": {"1"}, "to": {fmt.Sprint(d[2].ID)}, "completed_at": {at[1]}, "return": {"/pipeline"}})
	if res.status != http.StatusConflict {
		t.Fatalf("stale move: %d, want 409", res.status)
	}
	mustContain(t, res.body, "Someone changed this project since the board was loaded")
	if got := col(f.project); got != fmt.Sprint(d[1].ID) {
		t.Fatalf("a stale move moved the card to %s", got)
	}

	// Another salesperson, another tenant, another origin: nothing moves.
	other := f.app.client()
	other.login(f.repB)
	if res := move(other, f.project, d[2].ID, nil); res.status != http.StatusNotFound {
		t.Errorf("another salesperson's move: %d, want 404", res.status)
	}
	outsider := f.app.client()
	outsider.login(f.otherAdmin)
	if res := move(outsider, f.project, d[2].ID, nil); res.status != http.StatusNotFound {
		t.Errorf("another tenant's move: %d, want 404", res.status)
	}
	if res := rep.post(f.url(f.other, "/move"), url.Values{"version": {"1"}, "to": {fmt.Sprint(d[1].ID)}, "completed_at": {at[1]}}); res.status != http.StatusNotFound {
		t.Errorf("a move of another tenant's project: %d, want 404", res.status)
	}
	form := url.Values{"version": {"2"}, "to": {fmt.Sprint(d[2].ID)}, "completed_at": {at[1]}, "return": {"/pipeline"}}
	h := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	if res := rep.postRaw(f.url(f.project, "/move"), form.Encode(), h); res.status != http.StatusForbidden {
		t.Errorf("cross-origin move: %d, want 403", res.status)
	}
	if got := col(f.project); got != fmt.Sprint(d[1].ID) {
		t.Fatalf("a refused move moved the card to %s", got)
	}
	// A card the board does not show (the form came from a board filtered
	// to another owner): the question still comes on a card of its own.
	res = move(admin, f.project, d[0].ID, url.Values{"return": {fmt.Sprintf("/pipeline?owner=%d", f.repB.ID)}})
	if res.status != http.StatusOK {
		t.Fatalf("move back of a card the board does not show: %d", res.status)
	}
	mustContain(t, boardColumn(res.body, int64(d[1].ID)), fmt.Sprintf(`id="card-%d"`, f.project), "This undoes:", "Lead qualified (completed")

	// The same column: said so, nothing changes.
	res = move(rep, f.project, d[1].ID, nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("move to its own column: %d, want 422", res.status)
	}
	mustContain(t, res.body, "The deal is already at that stage.")

	// To the won milestone's column: the deal is sold and leaves the board,
	// the notice says so in that column.
	if res := move(rep, f.project, d[3].ID, url.Values{"confirm": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("move to Sold: %d", res.status)
	}
	board = rep.get("/pipeline")
	if got := boardColumnOf(board.body, f.project); got != "" {
		t.Errorf("a sold deal is still on the board, in column %s", got)
	}
	mustContain(t, boardColumn(board.body, int64(d[3].ID)), "“Roof for Miller” completed Sold and is sold: it has left the board.")
}

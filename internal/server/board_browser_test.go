package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/seed"
)

// TestBrowserBoardForwardAndBack: at desktop and phone width, a salesperson
// moves a card forward (it completes the column's milestone, confirmed in
// the column) and back with the keyboard (the card asks what it will undo
// and why; confirmed, the card is back in its column), with the board
// swapped in place and nothing wider than the screen.
func TestBrowserBoardForwardAndBack(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	if err := seed.Projects(context.Background(), f.app.db.DB, f.admin.TenantID, []crm.UserID{f.repA.ID}, f.admin.ID, 30, 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name  string
		setup chromedp.Action
		width int
	}{{"desktop", desktop(), 1366}, {"phone", phone(), 390}} {
		t.Run(size.name, func(t *testing.T) {
			id := f.lead(t, f.repA, "Heat pump for "+size.name)
			b := newBrowser(t, f.app)
			b.run(size.setup)
			b.login(f.repA)
			card := fmt.Sprintf("#card-%d", id)
			column := func() string {
				var c string
				b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).closest(".board-col").dataset.milestone`, card), &c))
				return c
			}
			b.run(chromedp.Navigate(b.url("/pipeline")), loaded(), chromedp.WaitVisible(card, chromedp.ByQuery))
			b.screenshot("board-" + size.name)
			var w int
			b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &w))
			if w > size.width {
				t.Errorf("the board page is %d px wide on a %d px screen", w, size.width)
			}
			var title string
			b.run(chromedp.AttributeValue(".board-col .sums .weighted", "title", &title, nil, chromedp.ByQuery))
			if !strings.Contains(title, "probability") {
				t.Errorf("the weighted figure's tooltip is %q", title)
			}
			start := column()

			// Forward with the card's Move form (a click on its summary).
			b.run(clickJS(card+" details.complete summary"), chromedp.WaitVisible(card+" .complete-form", chromedp.ByQuery))
			b.screenshot("board-" + size.name + "-move-form")
			b.run(chromedp.SendKeys(fmt.Sprintf("#note-%d", id), "Met on site", chromedp.ByQuery),
				clickJS(card+" .complete-form button[type=submit]"),
				chromedp.WaitVisible(card+".just-moved", chromedp.ByQuery), chromedp.WaitVisible(".board-notice", chromedp.ByQuery),
				loaded()) // the board's keys work once its script has run
			next := column()
			if next == start {
				t.Fatalf("the card stayed in column %s", start)
			}
			notice := b.text(".board-notice")
			if !strings.Contains(notice, "Heat pump for "+size.name) || !strings.Contains(notice, "milestone completed") {
				t.Errorf("the notice says %q", notice)
			}
			b.screenshot("board-" + size.name + "-moved")

			// Back with the left arrow key: asked in the card, then undone.
			b.run(chromedp.Focus(card, chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowLeft),
				chromedp.WaitVisible(card+" .board-confirm", chromedp.ByQuery))
			ask := b.text(card + " .board-confirm")
			if !strings.Contains(ask, "This undoes") || !strings.Contains(ask, "Lead qualified") {
				t.Errorf("the confirmation says %q", ask)
			}
			// The focus goes to the reason once the swapped board has settled.
			fctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
			err := chromedp.Run(fctx, chromedp.Poll(`document.activeElement && document.activeElement.name === "reason"`, nil,
				chromedp.WithPollingInterval(20*time.Millisecond)))
			cancel()
			if err != nil {
				t.Errorf("the focus is not on the reason: %v", err)
			}
			b.screenshot("board-" + size.name + "-confirm-back")
			b.run(chromedp.SendKeys(fmt.Sprintf("#reason-%d", id), "Qualified the wrong lead", chromedp.ByQuery),
				clickJS(card+" .board-confirm button[type=submit]"),
				chromedp.WaitVisible(card+".just-moved", chromedp.ByQuery))
			if got := column(); got != start {
				t.Errorf("after the move back the card is in column %s, want %s", got, start)
			}
			notice = b.text(".board-notice")
			if !strings.Contains(notice, "moved back") || !strings.Contains(notice, "undid Lead qualified") {
				t.Errorf("the notice says %q", notice)
			}
			b.screenshot("board-" + size.name + "-moved-back")
		})
	}
	// In Chinese: the help, the tooltip, the move and its notice.
	if err := f.app.db.UpdateAccount(context.Background(), f.repB.TenantID, f.repB.ID, f.repB.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	id := f.lead(t, f.repB, "屋顶光伏 王家")
	b := newBrowser(t, f.app)
	b.run(desktop())
	b.login(f.repB)
	card := fmt.Sprintf("#card-%d", id)
	b.run(chromedp.Navigate(b.url("/pipeline")), loaded(), chromedp.WaitVisible(card, chromedp.ByQuery))
	if help := b.text(".board-help"); !strings.Contains(help, "加权金额") {
		t.Errorf("the help in Chinese says %q", help)
	}
	b.run(clickJS(card+" details.complete summary"), chromedp.WaitVisible(card+" .complete-form", chromedp.ByQuery),
		clickJS(card+" .complete-form button[type=submit]"), chromedp.WaitVisible(".board-notice", chromedp.ByQuery), loaded())
	if n := b.text(".board-notice"); !strings.Contains(n, "里程碑已完成") {
		t.Errorf("the notice in Chinese says %q", n)
	}
	b.run(chromedp.Focus(card, chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowLeft), chromedp.WaitVisible(card+" .board-confirm", chromedp.ByQuery))
	if ask := b.text(card + " .board-confirm"); !strings.Contains(ask, "这将撤销") {
		t.Errorf("the confirmation in Chinese says %q", ask)
	}
	b.screenshot("board-desktop-zh-confirm-back")
}

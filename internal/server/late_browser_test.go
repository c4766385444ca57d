package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
)

// TestBrowserLateSaysWhy: a project 8 days late on its milestone, with a
// subtask a day overdue, says both on its Sales screen row, its board card
// and its workspace item, at desktop and phone width; completing the
// milestone warns that its open subtask stays open. Then the same in
// Chinese.
func TestBrowserLateSaysWhy(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Late Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Lou Late")
	now := time.Now().UTC()
	// Lead qualified is due two days after creation: created 10 days ago, it is 8 days late.
	id := app.project(t, rep, "Overdue roof", now.AddDate(0, 0, -10))
	qualified := milestoneID(t, app, admin, "Lead qualified")
	c := app.client()
	c.login(rep)
	ws := fmt.Sprintf("/projects/%d", id)
	res := c.post(ws+"/subtasks", url.Values{"subtask_title": {"Call back"}, "subtask_milestone_id": {fmt.Sprint(qualified)},
		"subtask_due": {now.AddDate(0, 0, -1).Format(time.DateOnly)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("subtask: %d\n%s", res.status, res.body)
	}
	row, card, item := fmt.Sprintf("#p-%d", id), fmt.Sprintf("#card-%d", id), fmt.Sprintf("#milestone-%d", qualified)

	type words struct{ milestone, task, taskOnItem, open, warning string }
	check := func(t *testing.T, b *browser, name string, width int, w words) {
		wide := func(page string) {
			t.Helper()
			var sw int
			b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw))
			if sw > width {
				t.Errorf("%s is %d px wide on a %d px screen", page, sw, width)
			}
		}
		b.run(chromedp.Navigate(b.url("/")), loaded(), chromedp.WaitVisible(row+" .late-mark", chromedp.ByQuery))
		if got := b.text(row); !strings.Contains(got, w.milestone) || !strings.Contains(got, w.task) {
			t.Errorf("the row says %q, want %q and %q", got, w.milestone, w.task)
		}
		wide("the Sales screen")
		b.screenshot("late-row-" + name)

		b.run(chromedp.Navigate(b.url("/pipeline")), loaded(), chromedp.WaitVisible(card+" .late-mark", chromedp.ByQuery))
		if got := b.text(card); !strings.Contains(got, w.milestone) || !strings.Contains(got, w.task) {
			t.Errorf("the card says %q, want %q and %q", got, w.milestone, w.task)
		}
		wide("the board")
		b.screenshot("late-card-" + name)

		b.run(chromedp.Navigate(b.url(ws)), loaded(), chromedp.WaitVisible(item+" .m-due .late-mark", chromedp.ByQuery))
		if got := b.text(item + " .m-due .late-mark"); got != w.milestone {
			t.Errorf("the milestone's late mark says %q, want %q", got, w.milestone)
		}
		if got := b.text(item + " .subtasks .late-mark"); got != w.taskOnItem {
			t.Errorf("the subtask's late mark says %q, want %q", got, w.taskOnItem)
		}
		if got := b.text(item + " .m-tasks"); got != w.open {
			t.Errorf("the milestone's open subtasks read %q, want %q", got, w.open)
		}
		b.run(clickJS(item+" details > summary"), chromedp.WaitVisible(item+" form.complete .notice", chromedp.ByQuery))
		if got := b.text(item + " form.complete .notice"); got != w.warning {
			t.Errorf("the warning before completing says %q, want %q", got, w.warning)
		}
		wide("the workspace")
		b.run(chromedp.ScrollIntoView(item, chromedp.ByQuery))
		b.screenshot("late-workspace-" + name)
	}

	en := words{"8 days late", "Task 1 day late", "1 day late", "1 open subtask",
		"1 open subtask of this milestone stays open when you complete it."}
	for _, size := range []struct {
		name  string
		setup chromedp.Action
		width int
	}{{"desktop", desktop(), 1366}, {"phone", phone(), 390}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, app)
			b.run(size.setup)
			b.login(rep)
			check(t, b, size.name, size.width, en)
		})
	}
	if err := app.db.UpdateAccount(context.Background(), rep.TenantID, rep.ID, rep.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	zh := words{"逾期 8 天", "任务逾期 1 天", "逾期 1 天", "1 个未完成的子任务", "完成此里程碑后，其 1 个未完成的子任务仍保持未完成。"}
	for _, size := range []struct {
		name  string
		setup chromedp.Action
		width int
	}{{"desktop-zh", desktop(), 1366}, {"phone-zh", phone(), 390}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, app)
			b.run(size.setup)
			b.login(rep)
			check(t, b, size.name, size.width, zh)
		})
	}
}

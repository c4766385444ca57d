package server

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestFirstStepsAndEmptyLists: a new company's admin sees the three first
// steps instead of an empty list; a search with no match says so and offers
// the reset; the skip link leads to the list; a bulk action with nothing
// selected says so beside its button; a commission rate of 0 shows as an
// empty field.
func TestFirstStepsAndEmptyLists(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Fresh Start Solar")
	c := app.client()
	c.login(admin)
	page := c.get("/").body
	mustContain(t, page, `id="first-steps"`, `href="/admin/milestones"`, `href="/admin/users"`, `href="/projects/new"`, `href="/admin/import"`,
		`class="skip-link" href="#sales-list"`)

	rep := app.db.User(t, admin, crm.RoleSales, "Rex Rep")
	app.project(t, rep, "Only roof", time.Now().Add(-time.Hour))
	page = c.get("/?q=zzzz").body
	mustContain(t, page, "No projects match these filters.")
	mustNotContain(t, page, `id="first-steps"`)

	res := c.post("/bulk", url.Values{"query": {"view=active"}, "action": {"archive"}, "reason": {"1"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bulk with nothing selected: %d", res.status)
	}
	if !regexp.MustCompile(`(?s)<div class="field actions"><button type="submit" class="primary">Apply</button>\s*<p class="form-error" role="alert">Select at least one project`).MatchString(res.body) {
		t.Errorf("the nothing-selected message is not beside the Apply button:\n%s", res.body)
	}

	mustContain(t, c.get("/admin/quotas").body, `value="" placeholder="0"`)
}

package server

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestAdminExport: the admin's files — projects, accounts, contacts, the
// project log, and all four in a zip — hold the company's records and
// nothing of another company.
func TestAdminExport(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Export Co")
	other := app.db.Tenant(t, "Other Co")
	app.db.LeadForm(t, crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: time.Now(), Loc: time.UTC},
		crm.LeadForm{Title: "Roof export", Account: crm.Account{Name: "Novak Export"},
			Contact: crm.Contact{Name: "Petra Export", Email: "petra@export.example"}})
	app.project(t, other, "Secret of other", time.Now())
	c := app.client()
	c.login(admin)
	for file, want := range map[string][]string{
		"projects.csv": {"\uFEFFid,external_id,title", "Roof export", "Novak Export"},
		"accounts.csv": {"\uFEFFid,name,email,phone,address,created_at", "Novak Export"},
		"contacts.csv": {"\uFEFFid,account_id,account,name", "Petra Export", "petra@export.example"},
		"log.csv":      {"\uFEFFproject_id,external_id,project,at", "Roof export,", ",created,"},
	} {
		res := c.get("/admin/export/" + file)
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", file, res.status, res.header.Get("Content-Type"))
		}
		mustContain(t, res.body, want...)
		mustNotContain(t, res.body, "Secret of other")
	}
	res := c.get("/admin/export/everything.zip")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d", res.status)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "projects.csv" && !strings.Contains(string(b), "Roof export") {
			t.Errorf("zip projects.csv lacks the project")
		}
	}
	if strings.Join(names, ",") != "projects.csv,accounts.csv,contacts.csv,log.csv" {
		t.Errorf("zip holds %v", names)
	}
	if res := c.get("/admin/export/secrets.csv"); res.status != http.StatusNotFound {
		t.Errorf("unknown file: %d", res.status)
	}
}

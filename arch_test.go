package pipewell_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/pipewell/pipewell"

// allowed lists, for each package, the packages of this module it may import
// (docs/ARCHITECTURE.md: cmd → server → postgres → pipeline → crm; server →
// auth, web, csvfile; postgres → migrations; web → crm; csvfile → crm).
var allowed = map[string][]string{
	"internal/crm":      {},
	"internal/pipeline": {"internal/crm"},
	"internal/auth":     {},
	"migrations":        {},
	"internal/postgres": {"internal/crm", "internal/pipeline", "internal/phone", "migrations"},
	"internal/phone":    {"internal/crm"},
	"web":               {"internal/crm"},
	"internal/csvfile":  {"internal/crm"},
	"internal/server":   {"internal/crm", "internal/pipeline", "internal/postgres", "internal/auth", "internal/csvfile", "web"},
	"internal/seed":     {"internal/crm", "internal/postgres"},
	"internal/bench":    {"internal/crm", "internal/postgres", "internal/auth", "internal/seed"},
	"cmd/pipewell":      {"internal/crm", "internal/postgres", "internal/server", "internal/auth", "internal/seed", "internal/bench"},
	"internal/pgtest":   {"internal/crm", "internal/postgres", "internal/auth", "migrations"},
}

// foreign lists third-party imports only some packages may use.
var foreign = map[string][]string{
	"github.com/jackc/pgx":            {"internal/postgres", "internal/pgtest"},
	"github.com/pressly/goose":        {"internal/postgres"},
	"github.com/peterldowns/pgtestdb": {"internal/pgtest"},
	"github.com/alexedwards/scs":      {"internal/server", "internal/postgres"},
	"github.com/go-chi":               {"internal/server"},
	"github.com/a-h/templ":            {"internal/server", "web"},
	"github.com/chromedp":             {},
	"golang.org/x/crypto":             {"internal/auth"},
	"github.com/nyaruka/phonenumbers": {"internal/phone"},
	"net/http":                        {"internal/server", "cmd/pipewell", "internal/bench"},
}

// stdlibOnly packages import nothing outside the standard library and allowed.
var stdlibOnly = []string{"internal/crm", "internal/pipeline", "internal/auth"}

// noIO packages compute and render only: no files, network, database,
// processes or logs (ARCHITECTURE.md: the core is plain Go with no I/O, and
// web renders what it is given).
var noIO = []string{"internal/crm", "internal/pipeline", "web"}

// ioPackage reports whether imp does I/O: files, processes, the network
// (net/mail and net/url only parse), databases, logs.
func ioPackage(imp string) bool {
	switch {
	case imp == "os" || strings.HasPrefix(imp, "os/"), imp == "net", imp == "net/http" || strings.HasPrefix(imp, "net/http/"),
		imp == "net/rpc", imp == "net/smtp", strings.HasPrefix(imp, "database/"), imp == "syscall", imp == "io/ioutil",
		imp == "log" || strings.HasPrefix(imp, "log/"), imp == "plugin", imp == "runtime/debug":
		return true
	}
	return false
}

func TestImportDirection(t *testing.T) {
	root, _ := os.Getwd()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || name == "node_modules" || name == "screenshots" || name == "bin" {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		ok, known := allowed[rel]
		if !known {
			t.Errorf("package %s is not in the architecture table: add it to allowed with its permitted imports", rel)
			return nil
		}
		checked++
		for _, imp := range pkg.Imports { // non-test imports only
			if strings.HasPrefix(imp, module+"/") {
				target := strings.TrimPrefix(imp, module+"/")
				if !contains(ok, target) {
					t.Errorf("%s imports %s: not allowed by ARCHITECTURE.md", rel, target)
				}
				continue
			}
			for prefix, who := range foreign {
				if strings.HasPrefix(imp, prefix) && !contains(who, rel) {
					t.Errorf("%s imports %s: only %v may", rel, imp, who)
				}
			}
			if contains(noIO, rel) && ioPackage(imp) {
				t.Errorf("%s imports %s: it may do no I/O", rel, imp)
			}
			if contains(stdlibOnly, rel) && strings.Contains(strings.Split(imp, "/")[0], ".") &&
				!(rel == "internal/auth" && strings.HasPrefix(imp, "golang.org/x/crypto")) {
				t.Errorf("%s imports %s: it may use the standard library only", rel, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 6 {
		t.Fatalf("checked only %d packages; the walk is broken", checked)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package pipewell_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeFile is the part of a Compose file these checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string `yaml:"image"`
	Restart     string `yaml:"restart"`
	Ports       []any  `yaml:"ports"` // "[ip:]host:container" strings or long-syntax maps
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

func readCompose(t *testing.T, path string) composeFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// TestComposeFile checks docker-compose.yml as Docker Compose would read it
// (no Docker engine runs here): the app's health check asks /readyz through
// the binary (the image has no curl), the app restarts and waits for a
// healthy database, and no port of the host's own PostgreSQL (5432) is taken.
func TestComposeFile(t *testing.T) {
	f := readCompose(t, "docker-compose.yml")
	app, db := f.Services["app"], f.Services["db"]
	if got := app.Healthcheck.Test; !slices.Equal(got, []string{"CMD", "/usr/local/bin/pipewell", "healthcheck"}) {
		t.Errorf("app healthcheck %q, want pipewell healthcheck (GET /readyz)", got)
	}
	if !slices.Contains([]string{"always", "unless-stopped", "on-failure"}, app.Restart) {
		t.Errorf("app restart policy %q", app.Restart)
	}
	if got := app.DependsOn["db"].Condition; got != "service_healthy" {
		t.Errorf("app depends on db with condition %q, want service_healthy", got)
	}
	if got := db.Healthcheck.Test; len(got) < 2 || got[0] != "CMD" || got[1] != "pg_isready" || !slices.Contains(got, "127.0.0.1") {
		t.Errorf("db healthcheck %q, want pg_isready over TCP", got)
	}
	for name, s := range f.Services {
		for _, p := range s.Ports {
			if host := publishedPort(t, p); host == "5432" {
				t.Errorf("service %s publishes the host's port 5432 (%v)", name, p)
			}
		}
	}
	if len(db.Ports) != 0 {
		t.Errorf("db publishes %v by default; deploy/compose.db-port.yml does that on request", db.Ports)
	}

	// The override that publishes the database does so on loopback, elsewhere than 5432.
	extra := readCompose(t, "deploy/compose.db-port.yml").Services["db"]
	if len(extra.Ports) != 1 {
		t.Fatalf("deploy/compose.db-port.yml ports %v", extra.Ports)
	}
	p, _ := extra.Ports[0].(string)
	if !strings.HasPrefix(p, "127.0.0.1:") || publishedPort(t, p) == "5432" {
		t.Errorf("deploy/compose.db-port.yml publishes %q, want 127.0.0.1 and a port other than 5432", p)
	}

	// The binary the health check names is where the Dockerfile puts it.
	dockerfile, err := os.ReadFile("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), "COPY --from=build /out/pipewell /usr/local/bin/pipewell") {
		t.Error("deploy/Dockerfile no longer installs /usr/local/bin/pipewell")
	}
}

// publishedPort returns the host port of a Compose port entry: short syntax
// "[ip:]host:container[/proto]" (with ${VAR:-default} read as its default)
// or the long syntax's "published".
func publishedPort(t *testing.T, p any) string {
	t.Helper()
	switch v := p.(type) {
	case string:
		v = strings.TrimSuffix(strings.TrimSuffix(v, "/tcp"), "/udp")
		if i := strings.Index(v, "${"); i >= 0 { // ${PIPEWELL_DB_PORT:-55432} → 55432
			j := strings.Index(v[i:], "}")
			def := v[i+2 : i+j]
			if k := strings.Index(def, ":-"); k >= 0 {
				def = def[k+2:]
			}
			v = v[:i] + def + v[i+j+1:]
		}
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			return "" // container port only: a random host port
		}
		return parts[len(parts)-2]
	case map[string]any:
		switch pub := v["published"].(type) {
		case string:
			return pub
		case int:
			return strconv.Itoa(pub)
		}
		return ""
	}
	t.Fatalf("port entry %#v", p)
	return ""
}

// TestDockerIgnore: the build context leaves out the repository's history,
// built binaries, local database clusters and screenshots.
func TestDockerIgnore(t *testing.T) {
	b, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, want := range []string{".git", "bin/", ".data/", "screenshots/"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	// What the build needs must not be ignored.
	for _, needed := range []string{"go.mod", "go.sum", "cmd", "internal", "migrations", "web", "deploy"} {
		if slices.Contains(lines, needed) || slices.Contains(lines, needed+"/") {
			t.Errorf(".dockerignore leaves out %s, which the image build needs", needed)
		}
	}
}

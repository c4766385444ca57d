package pipewell_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
)

// TestMakeRunServesThisMachineOnly runs deploy/dev.sh (what `make run`
// runs) against a test database: by default it serves 127.0.0.1:8080 and
// nothing on the machine's other addresses; PIPEWELL_ADDR moves it.
func TestMakeRunServesThisMachineOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the app")
	}
	db := pgtest.New(t)

	t.Run("default", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:8080")
		if err != nil {
			t.Skipf("127.0.0.1:8080 is taken on this machine (%v): the default cannot be tried", err)
		}
		ln.Close()
		out := runDevScript(t, db, "")
		if !strings.Contains(out, "addr=127.0.0.1:8080") || !strings.Contains(out, "http://127.0.0.1:8080/") {
			t.Fatalf("make run without PIPEWELL_ADDR:\n%s\nwant it serving 127.0.0.1:8080", out)
		}
		for _, ip := range otherAddresses(t) {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "8080"), time.Second); err == nil {
				c.Close()
				t.Errorf("make run answers on %s:8080, want this machine only", ip)
			}
		}
	})

	t.Run("PIPEWELL_ADDR", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		out := runDevScript(t, db, addr)
		if !strings.Contains(out, "addr="+addr) || !strings.Contains(out, "http://"+addr+"/") {
			t.Fatalf("make run with PIPEWELL_ADDR=%s:\n%s", addr, out)
		}
	})
}

var servingRe = regexp.MustCompile(`msg="pipewell serving" addr=(\S+)`)

// runDevScript runs deploy/dev.sh with the test database until the app
// serves, checks /healthz, stops it, and returns what it printed.
func runDevScript(t *testing.T, db *pgtest.DB, addr string) string {
	t.Helper()
	cmd := exec.Command("bash", "deploy/dev.sh")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db.AppURL, "PIPEWELL_MIGRATE_URL="+db.OwnerURL, "PIPEWELL_ADDR="+addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	var out strings.Builder
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if m := servingRe.FindStringSubmatch(sc.Text()); m != nil {
				serving <- m[1]
			}
		}
		close(serving)
	}()
	var at string
	select {
	case at = <-serving:
	case <-time.After(3 * time.Minute):
	}
	if at == "" {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		for range serving { // until the output ends
		}
		t.Fatalf("make run never served:\n%s", out.String())
	}
	res, err := http.Get("http://" + at + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz on %s: %v %v", at, res, err)
	}
	if res != nil {
		res.Body.Close()
	}
	_ = cmd.Process.Signal(syscall.SIGTERM) // dev.sh exec'd the app: this is pipewell serve
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Error("make run did not stop on SIGTERM")
	}
	for range serving { // the rest of the output
	}
	return out.String()
}

// otherAddresses returns this machine's IPv4 addresses other than loopback.
func otherAddresses(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			ips = append(ips, n.IP.String())
		}
	}
	return ips
}

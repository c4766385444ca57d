package postgres_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// benchImportRows is the size of the benchmark's projects file:
// 100,000, or PIPEWELL_BENCH_IMPORT_ROWS for a quicker look.
var benchImportRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("PIPEWELL_BENCH_IMPORT_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// writeBenchFile writes a projects file of n rows with the four default
// milestones as columns: every state, accounts shared by a few rows each,
// owners among the tenant's users.
func writeBenchFile(tb testing.TB, path string, n int, owners []string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "external_id,title,account,contact,contact_email,owner_email,source,value,expected_close,state,archive_reason,defer_until,created_at,"+
		"milestone: Lead created,milestone: Lead qualified,milestone: Proposed,milestone: Sold")
	base := time.Date(2023, 1, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		created := base.Add(time.Duration(i) * 9 * time.Minute)
		at := func(days int) string {
			return created.Add(time.Duration(days) * 24 * time.Hour).Format("2006-01-02 15:04")
		}
		state, reason, deferUntil := "active", "", ""
		m := []string{at(0), "", "", ""}
		switch i % 5 {
		case 1:
			state, reason = "archived", "No budget"
		case 2:
			m[1], m[2] = at(2), at(9)
		case 3:
			m[1], m[2], m[3], state = at(1), at(5), at(20), "sold"
		case 4:
			m[1], state, deferUntil = at(3), "deferred", "2027-06-01"
		}
		fmt.Fprintf(w, "D%d,Deal %d,Account %d,Contact %d,c%d@bench.example,%s,Website,%d.50,2026-12-31,%s,%s,%s,%s,%s,%s,%s,%s\n",
			i, i, i/3, i/3, i/3, owners[i%len(owners)], 1000+i%50000, state, reason, deferUntil, created.Format("2006-01-02 15:04"),
			m[0], m[1], m[2], m[3])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// benchRows reads the file at path as the import does.
func benchRows(tb testing.TB, db *pgtest.DB, v crm.Viewer, path string) (postgres.ImportRows, map[string]bool, func()) {
	tb.Helper()
	ctx := context.Background()
	s, err := db.ImportSetup(ctx, v)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := csvfile.NewReader(f, csvfile.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	m := csvfile.Suggest(r.Header, s.Lists.Defs)
	d := csvfile.NewProjectDecoder(r.Header, m, csvfile.ImportLists{Users: s.Lists.Users, Statuses: s.Lists.Names.Statuses,
		Sources: s.Lists.Names.Sources, Reasons: s.Lists.Names.Reasons, Defs: s.Lists.Defs, Currency: "EUR", Loc: time.UTC,
		Now: time.Now(), Order: csvfile.MonthFirst, Actor: v.UserID})
	return func(row *crm.ImportRow) (bool, error) {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		d.Decode(rec, r.Line(), r.Formula, row)
		return true, nil
	}, m.Fields(), func() { f.Close() }
}

// peakRSS is the process's peak resident memory in MB (VmHWM).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkImportProjects previews and commits a 100,000-row projects file
// with four milestone columns into a new tenant (budget: preview ≤ 10 s,
// commit ≤ 30 s, memory < 200 MB). Run with -benchtime=1x; peak_rss_MB is
// the benchmark process's peak resident memory.
func BenchmarkImportProjects(b *testing.B) {
	db := pgtest.New(b)
	path := filepath.Join(b.TempDir(), "projects.csv")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		admin := db.Tenant(b, "Bench Import")
		var owners []string
		for i := 0; i < 5; i++ {
			owners = append(owners, db.User(b, admin, crm.RoleSales, fmt.Sprintf("Rep%d", i)).Email)
		}
		writeBenchFile(b, path, benchImportRows, owners)
		v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
		b.StartTimer()

		start := time.Now()
		next, _, done := benchRows(b, db, v, path)
		p, err := db.PreviewImport(ctx, v, next)
		done()
		if err != nil || p.Create != benchImportRows || p.ErrorCount != 0 {
			b.Fatalf("preview: %v %+v", err, p.Errors)
		}
		previewTook := time.Since(start)

		start = time.Now()
		next, fields, done := benchRows(b, db, v, path)
		res, err := db.CommitImport(ctx, v, postgres.ImportWrite{ImportID: 0, FileName: "projects.csv", Fields: fields}, next)
		done()
		if err != nil || res.Created != benchImportRows {
			b.Fatalf("commit: %v %+v", err, res)
		}
		commitTook := time.Since(start)
		b.ReportMetric(previewTook.Seconds(), "preview_s")
		b.ReportMetric(commitTook.Seconds(), "commit_s")
		b.ReportMetric(float64(benchImportRows)/commitTook.Seconds(), "commit_rows/s")
	}
	b.ReportMetric(peakRSS(), "peak_rss_MB")
}

// TestImportPastPlannedBatches imports a file of more batches than have
// their checks planned for each key, so that the connection's plans are
// discarded mid-import: every row arrives, and the derived data is what a
// recompute from the rows gives.
func TestImportPastPlannedBatches(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Planned Import")
	owner := db.User(t, admin, crm.RoleSales, "Pia Planned").Email
	const n = 4100 // three batches
	path := filepath.Join(t.TempDir(), "projects.csv")
	writeBenchFile(t, path, n, []string{owner})
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	next, fields, done := benchRows(t, db, v, path)
	res, err := db.CommitImport(ctx, v, postgres.ImportWrite{FileName: "projects.csv", Fields: fields}, next)
	done()
	if err != nil || res.Created != n {
		t.Fatalf("commit: %v %+v", err, res)
	}
	var got int
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM projects WHERE tenant_id = $1`, tx.Tenant).Scan(&got)
	})
	if err != nil || got != n {
		t.Fatalf("projects: %d, %v", got, err)
	}
	sameAfterRefresh(t, db, admin.TenantID, "import of three batches")
}

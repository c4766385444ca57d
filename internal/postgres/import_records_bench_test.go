package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// BenchmarkImportContacts commits a contacts file of 10,000 rows (2,000
// accounts created on the way) into an empty tenant, then the same file
// again, every row an update (PIPEWELL_BENCH_IMPORT_ROWS for another size).
func BenchmarkImportContacts(b *testing.B) {
	n := min(benchImportRows, 10_000)
	var f strings.Builder
	f.WriteString("id,name,email,phone,account,created_at\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&f, "P%d,Person %d,p%d@example.com,+49 30 %07d,Household %d,2025-06-01 10:00\n", i, i, i, i, i%(n/5))
	}
	file := f.String()
	var create, update time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := pgtest.New(b)
		admin := db.Tenant(b, "Bench records")
		v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
		again := strings.ReplaceAll(file, "Person ", "Person no. ")
		b.StartTimer()
		start := time.Now()
		res, err := commitRecords(b, db, v, csvfile.KindContacts, file, true, false, nil)
		if err != nil || res.Created != n {
			b.Fatalf("create: %+v %v", res, err)
		}
		create += time.Since(start)
		start = time.Now()
		res, err = commitRecords(b, db, v, csvfile.KindContacts, again, true, false, nil)
		if err != nil || res.Updated != n {
			b.Fatalf("update: %+v %v", res, err)
		}
		update += time.Since(start)
	}
	b.ReportMetric(create.Seconds()/float64(b.N), "create-s/op")
	b.ReportMetric(update.Seconds()/float64(b.N), "update-s/op")
}

package postgres

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// RawQueryRow runs a query outside any tenant transaction: tests use it to show
// that such a query sees no tenant data.
func (db *DB) RawQueryRow(ctx context.Context, sql string, dest ...any) error {
	return db.pool.QueryRow(ctx, sql).Scan(dest...)
}

// SortExprForTest is the SQL expression a Sales screen sort orders by.
func SortExprForTest(s SalesSort) string { return SalesSorts[s].expr }

// SearchWordsForTest are the keys a search text is stored under.
func SearchWordsForTest(text string) []string { return searchWords(text) }

// UnavailableForTest is how the package marks driver errors of an
// unavailable database.
func UnavailableForTest(err error) error { return unavailable(err) }

// CommitWithNextBatchForTest makes the next batch end with COMMIT.
func (tx *Tx) CommitWithNextBatchForTest() { tx.commitWithNextBatch() }

// SetSearchRecordsForTest bounds the header search's account and contact
// lookups to d.
func (db *DB) SetSearchRecordsForTest(d time.Duration) { db.searchRecordsFor = d }

// SetProbabilityFullForTest sets milestone id's probability to p and
// recomputes every project's derived data, as any change of the
// definitions other than of probabilities alone does: the benchmark's
// comparison for the narrow recompute.
func (db *DB) SetProbabilityFullForTest(ctx context.Context, tenant crm.TenantID, id crm.MilestoneID, p int) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE milestone_defs SET probability = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, p); err != nil {
			return err
		}
		return tx.processChanged(ctx, nil)
	})
}

// ReportDecodingForTest runs the report statement of rd as v and decodes
// every row both from its binary values and with pgx's Scan: it returns
// how many rows were read, and an error when the binary decoding is not
// used for the statement or gives another value than Scan.
func (db *DB) ReportDecodingForTest(ctx context.Context, v crm.Viewer, rd ReportRead) (n int, err error) {
	err = db.inReport(ctx, v, rd, nil, func(tx *Tx, su *ReportSetup) error {
		rows, order, err := tx.queryReport(ctx, su, rd)
		if err != nil {
			return err
		}
		defer rows.Close()
		var raw, scanned reportRow
		d := newRowDecoder(rows, raw.dest(rd.Names || rd.Referrer, order))
		if !d.ok {
			return fmt.Errorf("the report statement's columns are not decoded from their binary values: %v", rows.FieldDescriptions())
		}
		for rows.Next() {
			if err := d.decode(rows.RawValues()); err != nil {
				return err
			}
			if err := rows.Scan(scanned.dest(rd.Names || rd.Referrer, order)...); err != nil {
				return err
			}
			if !reflect.DeepEqual(raw, scanned) {
				return fmt.Errorf("row %d: decoded %+v, scanned %+v", n, raw, scanned)
			}
			n++
		}
		return rows.Err()
	})
	return n, err
}

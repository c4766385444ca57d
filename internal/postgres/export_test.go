package postgres

import "context"

// RawQueryRow runs a query outside any tenant transaction: tests use it to show
// that such a query sees no tenant data.
func (db *DB) RawQueryRow(ctx context.Context, sql string, dest ...any) error {
	return db.pool.QueryRow(ctx, sql).Scan(dest...)
}

// FailAfterFirstWrite makes every project change fail with err right after
// its first write (nil switches it off).
func (db *DB) FailAfterFirstWrite(err error) { db.failAfterFirstWrite = err }

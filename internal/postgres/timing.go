package postgres

import (
	"context"
	"sync/atomic"
	"time"
)

// DBTime adds up the time a request spends in the database: every tenant
// transaction (from taking a connection to its commit) and the identity
// lookup. The server reports it in each response's Server-Timing header and
// in the access log, so a slow page says whether its time went to SQL.
type DBTime struct{ ns atomic.Int64 }

type dbTimeKey struct{}

// WithDBTime returns a context whose database calls add their time to the
// returned DBTime.
func WithDBTime(ctx context.Context) (context.Context, *DBTime) {
	t := new(DBTime)
	return context.WithValue(ctx, dbTimeKey{}, t), t
}

// Duration is the time added so far.
func (t *DBTime) Duration() time.Duration { return time.Duration(t.ns.Load()) }

// addDBTime adds the time since start to ctx's DBTime, if it has one.
func addDBTime(ctx context.Context, start time.Time) {
	if t, ok := ctx.Value(dbTimeKey{}).(*DBTime); ok {
		t.ns.Add(int64(time.Since(start)))
	}
}

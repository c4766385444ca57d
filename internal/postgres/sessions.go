package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5"
)

// SessionStore is the store of scs sessions; it has the method set of
// scs.Store so internal/server can use it without this package importing scs.
type SessionStore interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
	Delete(token string) error
}

// Sessions returns the PostgreSQL session store (the global sessions table),
// which deletes expired sessions every five minutes.
//
// With an idle timeout, scs commits every session on every request just to
// push its expiry forward: a durable write per page view. This store skips a
// commit whose data is unchanged and whose expiry moves by less than
// expirySlack, so a busy user costs one write a minute, not one per request;
// the idle timeout is honoured to within expirySlack.
func (db *DB) Sessions() SessionStore {
	return &sessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(db.pool, 5*time.Minute), db: db,
		loaded: map[string]loadedSession{}}
}

const expirySlack = time.Minute

type loadedSession struct {
	sum    [32]byte
	expiry time.Time
}

type sessionStore struct {
	*pgxstore.PostgresStore
	db *DB

	mu sync.Mutex
	// loaded remembers what Find returned until the same request commits;
	// entries live for one request.
	loaded map[string]loadedSession
}

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	var (
		b      []byte
		expiry time.Time
	)
	err := s.db.pool.QueryRow(context.Background(),
		`SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&b, &expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	if len(s.loaded) > 10000 { // requests that never committed (aborted): forget them all
		clear(s.loaded)
	}
	s.loaded[token] = loadedSession{sum: sha256.Sum256(b), expiry: expiry}
	s.mu.Unlock()
	return b, true, nil
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	prev, ok := s.loaded[token]
	delete(s.loaded, token)
	s.mu.Unlock()
	if ok && prev.sum == sha256.Sum256(b) && expiry.Sub(prev.expiry) < expirySlack && !expiry.Before(prev.expiry.Add(-expirySlack)) {
		return nil
	}
	return s.PostgresStore.Commit(token, b, expiry)
}

func (s *sessionStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.loaded, token)
	s.mu.Unlock()
	return s.PostgresStore.Delete(token)
}

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
	// loaded remembers, per token, what the store holds as last seen by
	// Find or written by Commit. It is shared by the concurrent requests of
	// one session (tabs, htmx requests), so none of them is taken for a
	// change the others made. At most 10,000 tokens; then it starts over.
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
		return nil, false, unavailable(err)
	}
	s.remember(token, loadedSession{sum: sha256.Sum256(b), expiry: expiry})
	return b, true, nil
}

func (s *sessionStore) remember(token string, l loadedSession) {
	s.mu.Lock()
	if len(s.loaded) >= 10000 {
		clear(s.loaded)
	}
	s.loaded[token] = l
	s.mu.Unlock()
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := sha256.Sum256(b)
	s.mu.Lock()
	prev, ok := s.loaded[token]
	s.mu.Unlock()
	if ok && prev.sum == sum && expiry.Sub(prev.expiry) < expirySlack && !expiry.Before(prev.expiry.Add(-expirySlack)) {
		return nil
	}
	if err := s.PostgresStore.Commit(token, b, expiry); err != nil {
		return unavailable(err)
	}
	s.remember(token, loadedSession{sum: sum, expiry: expiry})
	return nil
}

func (s *sessionStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.loaded, token)
	s.mu.Unlock()
	return unavailable(s.PostgresStore.Delete(token))
}

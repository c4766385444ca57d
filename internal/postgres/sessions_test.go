package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// An unchanged session whose expiry only creeps forward is not rewritten on
// every request; a changed one, or one whose expiry moves a lot, is.
func TestSessionStoreSkipsIdleOnlyCommits(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	st := db.Sessions()
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	if err := st.Commit("tok", []byte("a"), exp); err != nil {
		t.Fatal(err)
	}
	stored := func() time.Time {
		t.Helper()
		var e time.Time
		if err := db.RawQueryRow(ctx, "SELECT expiry FROM sessions WHERE token = 'tok'", &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	// Same data, expiry 10 s later: skipped.
	if _, ok, err := st.Find("tok"); !ok || err != nil {
		t.Fatalf("find: %v %v", ok, err)
	}
	if err := st.Commit("tok", []byte("a"), exp.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !got.Equal(exp) {
		t.Fatalf("idle-only commit was written: expiry %v, want %v", got, exp)
	}
	// Same data, expiry 2 minutes later: written.
	st.Find("tok")
	if err := st.Commit("tok", []byte("a"), exp.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !got.Equal(exp.Add(2 * time.Minute)) {
		t.Fatalf("expiry not extended: %v", got)
	}
	// Changed data: written even with the same expiry.
	st.Find("tok")
	if err := st.Commit("tok", []byte("b"), exp.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, _, _ := st.Find("tok"); string(b) != "b" {
		t.Fatalf("changed data not written: %q", b)
	}
	// Concurrent requests of one session (two tabs): both load, both commit
	// the unchanged data; neither writes.
	before := stored()
	st.Find("tok")
	st.Find("tok")
	for range 2 {
		if err := st.Commit("tok", []byte("b"), before.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(); !got.Equal(before) {
		t.Fatalf("concurrent idle-only commits were written: expiry %v, want %v", got, before)
	}
	// Without a preceding Find (e.g. a new session), always written.
	if err := st.Commit("new", []byte("x"), exp); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Find("new"); !ok {
		t.Fatal("new session not written")
	}
	var _ postgres.SessionStore = st
}

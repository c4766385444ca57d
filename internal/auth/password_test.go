package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h := NewHasher(fast, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	if err := h.Verify(ctx, "correct horse battery", enc); err != nil {
		t.Fatalf("verify right password: %v", err)
	}
	if err := h.Verify(ctx, "wrong", enc); !errors.Is(err, ErrMismatch) {
		t.Fatalf("verify wrong password: got %v, want ErrMismatch", err)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestDefaultParamsAreOWASP(t *testing.T) {
	if DefaultParams.Memory != 19*1024 || DefaultParams.Time != 2 || DefaultParams.Threads != 1 {
		t.Fatalf("DefaultParams = %+v", DefaultParams)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	h := NewHasher(fast, 1)
	for _, enc := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=99999999,t=1,p=1$aa$bb",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$bb"} {
		err := h.Verify(context.Background(), "x", enc)
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%q) = %v, want a format error", enc, err)
		}
	}
}

func TestConcurrencyCapHonoursContext(t *testing.T) {
	h := NewHasher(fast, 1)
	h.slots <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a full pool and a cancelled context = %v", err)
	}
}

func TestToken(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if string(HashToken(a)) != string(ha) {
		t.Fatal("HashToken differs from the hash NewToken returned")
	}
}

func FuzzVerifyNeverPanics(f *testing.F) {
	f.Add("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$$$$$")
	h := NewHasher(fast, 1)
	f.Fuzz(func(t *testing.T, enc string) {
		_ = h.Verify(context.Background(), "pw", enc)
	})
}

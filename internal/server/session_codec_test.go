package server

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	c := sessionCodec{}
	deadline := time.Now().Add(8 * time.Hour).Round(0)
	for _, values := range []map[string]any{
		{},
		{sessTenant: int64(7), sessUser: int64(-42), sessFlash: "lead.created"},
		{sessBulk: "owner|3|0", "empty": ""},
		// What log-in writes: the epoch is an int.
		{sessTenant: int64(7), sessUser: int64(9), sessEpoch: 3, sessRole: "admin", sessFlash: ""},
	} {
		b, err := c.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		if string(b[:len(sessionMagic)]) != sessionMagic {
			t.Fatalf("%v not written in the compact form", values)
		}
		for range 20 { // the same values, the same bytes (the store compares them)
			if again, _ := c.Encode(deadline, values); string(again) != string(b) {
				t.Fatalf("%v encoded differently twice", values)
			}
		}
		d, got, err := c.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("decoded %v %v, want %v %v", d, got, deadline, values)
		}
		for i := range b { // every truncation is an error, never a panic
			if _, _, err := c.Decode(b[:i]); err == nil && i >= len(sessionMagic) {
				t.Errorf("truncated to %d bytes: no error", i)
			}
		}
	}
	// Sessions written by gob (before this codec, or with other types) still work.
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{sessUser: int64(3), "n": 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Decode(old); err != nil || got[sessUser] != int64(3) {
		t.Fatalf("gob session: %v %v", got, err)
	}
	b, err := c.Encode(deadline, map[string]any{"n": 5.5})
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:len(sessionMagic)]) == sessionMagic {
		t.Fatal("a float was written in the compact form")
	}
	if _, got, err := c.Decode(b); err != nil || got["n"] != 5.5 {
		t.Fatalf("other types go through gob: %v %v", got, err)
	}
}

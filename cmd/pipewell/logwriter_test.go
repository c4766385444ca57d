package main

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Info lines wait for the next flush; errors are written at once, with what
// gathered before them; Close writes the rest.
func TestLogWriter(t *testing.T) {
	var out lockedBuffer
	lw := newLogWriter(&out, time.Hour)
	log := slog.New(slog.NewTextHandler(lw, nil))
	log.Info("request", "path", "/")
	if out.String() != "" {
		t.Fatalf("info line written at once: %q", out.String())
	}
	log.Error("render", "err", "boom")
	if s := out.String(); !bytes.Contains([]byte(s), []byte("path=/")) || !bytes.Contains([]byte(s), []byte("err=boom")) {
		t.Fatalf("error not written at once with the lines before it: %q", s)
	}
	log.Info("request", "path", "/pipeline")
	lw.Close()
	if s := out.String(); !bytes.Contains([]byte(s), []byte("path=/pipeline")) {
		t.Fatalf("Close lost a line: %q", s)
	}

	// The timer flushes.
	var out2 lockedBuffer
	lw2 := newLogWriter(&out2, 10*time.Millisecond)
	defer lw2.Close()
	slog.New(slog.NewTextHandler(lw2, nil)).Info("request")
	deadline := time.Now().Add(2 * time.Second)
	for out2.String() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if out2.String() == "" {
		t.Fatal("timer did not flush")
	}
}

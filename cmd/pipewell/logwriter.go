package main

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// logWriter batches the server's log lines: an access log line per request
// written at once costs a system call in every request's path (and wakes
// whatever reads the log). Lines are written every interval, when 64 kB have
// gathered, at once for warnings and errors, and on Close. A crash loses at
// most interval's worth of info lines.
type logWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	done chan struct{}
	wg   sync.WaitGroup
}

func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	l := &logWriter{w: w, buf: make([]byte, 0, 64<<10), done: make(chan struct{})}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Flush()
			case <-l.done:
				return
			}
		}
	}()
	return l
}

// Write takes one log line (slog writes whole lines).
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) >= 64<<10 || bytes.Contains(p, []byte("level=ERROR")) || bytes.Contains(p, []byte("level=WARN")) {
		l.flushLocked()
	}
	return len(p), nil
}

// Flush writes what has gathered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *logWriter) flushLocked() {
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// Close stops the timer and writes the rest.
func (l *logWriter) Close() {
	close(l.done)
	l.wg.Wait()
	l.Flush()
}

package testkit

import (
	"bytes"
	"sync"
)

// LogBuffer is an io.Writer for a server's log (or a child process's
// output) that a test reads while the server's goroutines write: safe for
// concurrent use. The zero value is empty and ready.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p; it never fails.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Len is how many bytes were written.
func (l *LogBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// Tail returns at most the last n bytes written, for a failure message.
func (l *LogBuffer) Tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.b.Bytes()
	if len(p) > n {
		p = p[len(p)-n:]
	}
	return string(p)
}

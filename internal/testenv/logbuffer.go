package testenv

import (
	"bytes"
	"sync"
)

// LogBuffer is a log destination that goroutines other than the test's
// (a server's handlers, a reader of a child process's output) write to
// while the test reads it: a bytes.Buffer behind a mutex.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

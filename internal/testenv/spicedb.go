package testenv

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

//go:embed spicedb-serve.flags
var serveFlagsFile string

//go:embed spicedb-migrate.flags
var migrateFlagsFile string

// ServeFlags are the flags of every `spicedb serve` the suite runs, read
// from spicedb-serve.flags, which .ci/run reads too.
func ServeFlags() []string { return parseFlags(serveFlagsFile) }

// MigrateFlags are the flags of every `spicedb datastore migrate head`
// the suite runs, read from spicedb-migrate.flags.
func MigrateFlags() []string { return parseFlags(migrateFlagsFile) }

func parseFlags(file string) []string {
	var flags []string
	for line := range strings.Lines(file) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			flags = append(flags, line)
		}
	}
	return flags
}

// SpiceDB is a `spicedb serve` process of one test's own, on a Postgres
// database of its own.
type SpiceDB struct {
	// Endpoint is its plaintext gRPC address, host:port.
	Endpoint string
	// Key is its preshared key.
	Key string
	// DatastoreURL is its Postgres database.
	DatastoreURL string

	t       testing.TB
	bin     string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// startTimeout bounds how long SpiceDB may take to migrate or to listen;
// both take well under a second here.
const startTimeout = time.Minute

// StartSpiceDB migrates a new database and serves SpiceDB on it until
// the test ends, or skips the test when the environment has no spicedb
// binary or Postgres.
func StartSpiceDB(t testing.TB) *SpiceDB {
	t.Helper()
	bin := lookup(t, EnvSpiceDBBin)[0]
	s := &SpiceDB{
		Key:          rand.Text(),
		DatastoreURL: NewDatabase(t),
		Endpoint:     FreeAddr(t),
		t:            t,
		bin:          bin,
		logPath:      filepath.Join(t.TempDir(), "spicedb.log"),
	}

	migrate := exec.Command(bin, append([]string{"datastore", "migrate", "head"}, MigrateFlags()...)...)
	migrate.Env = s.env()
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("spicedb datastore migrate head: %v\n%s", err, out)
	}

	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			if logs, err := os.ReadFile(s.logPath); err == nil && len(logs) > 0 {
				t.Logf("spicedb's log:\n%s", logs)
			}
		}
	})
	s.Start()
	return s
}

// env is the process's environment: the datastore URL and the key go
// there rather than on the command line, where any user can read them.
func (s *SpiceDB) env() []string {
	return append(os.Environ(),
		"SPICEDB_DATASTORE_CONN_URI="+s.DatastoreURL,
		"SPICEDB_GRPC_PRESHARED_KEY="+s.Key,
	)
}

// Start starts the process again after Stop or Kill, on the same address
// and datastore, and waits until it listens.
func (s *SpiceDB) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatalf("spicedb is already running")
	}
	logs, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatalf("open spicedb log: %v", err)
	}
	args := append([]string{"serve"}, ServeFlags()...)
	args = append(args, "--grpc-addr="+s.Endpoint)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = DieWithParent()
	if err := cmd.Start(); err != nil {
		_ = logs.Close()
		s.t.Fatalf("start spicedb: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logs.Close()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited

	if err := waitListening(s.Endpoint, exited, startTimeout); err != nil {
		logsText, _ := os.ReadFile(s.logPath)
		s.t.Fatalf("spicedb on %s: %v\n%s", s.Endpoint, err, logsText)
	}
}

// Stop stops the process gracefully, as an operator would. Stopping a
// stopped SpiceDB does nothing.
func (s *SpiceDB) Stop() { s.signal(syscall.SIGTERM) }

// Kill stops the process at once, as a crash would.
func (s *SpiceDB) Kill() { s.signal(syscall.SIGKILL) }

func (s *SpiceDB) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}

// waitListening waits until addr accepts connections, the process exits,
// or the timeout passes.
func waitListening(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("the process exited before it listened")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %s: %w", timeout, err)
		}
	}
}

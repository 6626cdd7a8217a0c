package testenv

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The variables .ci/run sets for the integration tests.
const (
	// EnvPostgresURL is a Postgres database, reached as a user that may
	// create databases. Tests create and drop databases of their own,
	// whose names start with this one's, so a run's leftovers are easy
	// to find and drop.
	EnvPostgresURL = "AUTHGATE_TEST_POSTGRES_URL"
	// EnvSpiceDBEndpoint is host:port of a plaintext SpiceDB that tests
	// share.
	EnvSpiceDBEndpoint = "AUTHGATE_TEST_SPICEDB_ENDPOINT"
	// EnvSpiceDBKey is that SpiceDB's preshared key.
	EnvSpiceDBKey = "AUTHGATE_TEST_SPICEDB_KEY"
	// EnvSpiceDBBin is the spicedb binary, for tests that start their
	// own SpiceDB.
	EnvSpiceDBBin = "AUTHGATE_TEST_SPICEDB_BIN"
)

// lookup returns the variables' values, or skips the test naming the
// first one missing and how to run it.
func lookup(t testing.TB, names ...string) []string {
	t.Helper()
	values := make([]string, len(names))
	for i, name := range names {
		v := os.Getenv(name)
		if v == "" {
			t.Skipf("%s is not set: this integration test needs Postgres and SpiceDB. "+
				"Run .ci/run, which starts them and sets AUTHGATE_TEST_*, or set them by hand "+
				"as docs/operations.md (Tests) describes.", name)
		}
		values[i] = v
	}
	return values
}

// SharedSpiceDB returns the endpoint and key of the SpiceDB tests share,
// or skips the test.
//
// Tests sharing one SpiceDB is safe because every object id authgate
// makes is a new UUID, so no two tests write the same relationship, and
// the one object they all touch, site:root, holds only relationships
// keyed by a user or organization id, plus site:root#member@user:*, which
// every test writes alike. Two things a shared SpiceDB cannot do: tell a
// test that it holds nothing else (a full comparison sees every other
// test's relationships as extra), and be new: authgate rebuilds a SpiceDB
// without site:root's relationship from its own database, deleting the
// rest, so the first test must write that relationship before any
// authgate starts. Tests that need a full comparison, a new SpiceDB, a
// schema of their own or a SpiceDB they can stop start their own with
// StartSpiceDB.
func SharedSpiceDB(t testing.TB) (endpoint, key string) {
	t.Helper()
	v := lookup(t, EnvSpiceDBEndpoint, EnvSpiceDBKey)
	return v[0], v[1]
}

// adminTimeout bounds creating or dropping a database.
const adminTimeout = 30 * time.Second

// unsafeName matches what may not go into a database name unquoted.
var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates an empty database of the test's own and drops it
// when the test ends. It returns the database's URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := lookup(t, EnvPostgresURL)[0]
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s is not a URL", EnvPostgresURL)
	}
	base := unsafeName.ReplaceAllString(strings.ToLower(strings.TrimPrefix(u.Path, "/")), "_")
	if base == "" {
		base = "authgate_test"
	}
	// Postgres keeps the first 63 bytes of a name; the random part must
	// survive.
	name := fmt.Sprintf("%.40s_%s", base, strings.ToLower(rand.Text()[:10]))

	ident := pgx.Identifier{name}.Sanitize()
	if err := adminExec(admin, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends the connections a killed process left behind.
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func adminExec(adminURL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// FreeAddr returns a loopback address with a port nothing listens on now.
// Another process may take it before the caller does; the callers are
// tests, which then fail loudly rather than wrongly.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

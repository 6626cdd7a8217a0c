package models

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gofrs/flock"
)

// ErrInUse means another authgate process holds what this one needs for
// itself.
var ErrInUse = errors.New("in use by another authgate process")

// embeddedOwnerLock is the Postgres advisory lock key held by the one
// process that runs SpiceDB in-process against a database ("embedded").
const embeddedOwnerLock = 0x656d626564646564

// ClaimSQLite makes sure no other process uses the SQLite database, and
// holds it until release. SQLite serves one authgate process: the
// relationship sync's lock is a mutex of the process, and an in-process
// SpiceDB answers only for the process it runs in. On Postgres it does
// nothing.
func (s *Store) ClaimSQLite(dataDir string) (release func(), err error) {
	if s.postgres {
		return func() {}, nil
	}
	path := filepath.Join(dataDir, "authgate.lock")
	lock := flock.New(path)
	ok, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("the data directory %s is %w; SQLite serves one process "+
			"(use Postgres and an external SpiceDB for several)", dataDir, ErrInUse)
	}
	return func() { _ = lock.Unlock() }, nil
}

// ClaimEmbedded makes sure no other process runs an in-process SpiceDB
// against this Postgres database, and holds the claim until release: each
// such process would have a SpiceDB of its own, and they would disagree.
// On SQLite, ClaimSQLite covers it.
func (s *Store) ClaimEmbedded(ctx context.Context) (release func(), err error) {
	if !s.postgres {
		return func() {}, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, classify(err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", embeddedOwnerLock).Scan(&ok); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("claim the database: %w", classify(err))
	}
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("this Postgres database is %w with an in-process SpiceDB; "+
			"several processes need an external SpiceDB (--spicedb-endpoint)", ErrInUse)
	}
	// The lock lives as long as the connection: closing it releases the
	// claim, and so does the process dying.
	return func() { _ = conn.Close() }, nil
}

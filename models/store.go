package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors the store returns; callers test them with errors.Is.
var (
	// ErrNotFound means the row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key is already taken.
	ErrConflict = errors.New("already exists")
	// ErrUnavailable means the database could not be reached or is
	// overloaded; the request may be retried.
	ErrUnavailable = errors.New("database unavailable")
)

// Config says which database to open.
type Config struct {
	// PostgresURL selects Postgres; empty selects SQLite under DataDir.
	PostgresURL string
	// DataDir holds the SQLite file authgate.db.
	DataDir string
	// MaxConns caps the Postgres connections this process opens; 0 means
	// DefaultMaxConns. Replicas times MaxConns, plus SpiceDB's pools if it
	// shares the server, must stay under Postgres's max_connections.
	MaxConns int
}

// DefaultMaxConns is the Postgres pool size when Config.MaxConns is 0:
// enough for a few hundred requests a second of short transactions,
// small enough that several replicas fit in Postgres's default limit of
// 100 connections.
const DefaultMaxConns = 20

// Store reads and writes the source of truth. A Store returned by InTx
// runs every call inside that transaction.
type Store struct {
	db       *gorm.DB
	postgres bool
	// enqueued collects the ids of the outbox rows written in the
	// transaction this Store runs, for Write.
	enqueued *[]uint64
}

// Open connects to the database the config names. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	gcfg := &gorm.Config{
		// GORM's default logger prints every failed lookup ("record not
		// found") and slow query text; authgate logs through slog instead.
		Logger:         logger.Default.LogMode(logger.Silent),
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}

	if cfg.PostgresURL != "" {
		db, err := gorm.Open(postgres.Open(cfg.PostgresURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", classify(err))
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// database/sql opens connections without limit and keeps two idle,
		// so a burst of requests would exhaust Postgres's connection slots
		// and then pay a new connection for most requests after it.
		n := cfg.MaxConns
		if n <= 0 {
			n = DefaultMaxConns
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s := &Store{db: db, postgres: true}
		if err := s.Ping(ctx); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		return s, nil
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "authgate.db")
	dsn := "file:" + path +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	db, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One connection serializes every statement: SQLite allows one writer
	// at a time, and a single connection never meets SQLITE_BUSY between
	// its own transactions. Transactions are kept short (no SpiceDB call
	// happens inside one), so the queue stays short too.
	sqlDB.SetMaxOpenConns(1)
	s := &Store{db: db}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// pingTimeout bounds Ping, so that a readiness probe gets an answer
// from a database that accepts connections but never replies.
const pingTimeout = 5 * time.Second

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return classify(err)
	}
	return nil
}

// migrationLock is the Postgres advisory lock key that serializes schema
// migrations between replicas starting at once ("authgate" in ASCII).
const migrationLock = 0x6175746867617465

// Migrate creates or updates every table, and the deployment row.
func (s *Store) Migrate(ctx context.Context) error {
	return s.withSessionLock(ctx, migrationLock, func(db *gorm.DB) error {
		if err := db.AutoMigrate(allModels()...); err != nil {
			return fmt.Errorf("migrate: %w", classify(err))
		}
		dep := Deployment{ID: 1, DeploymentID: uuid.NewString()}
		err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&dep).Error
		if err != nil {
			return fmt.Errorf("create deployment row: %w", classify(err))
		}
		return nil
	})
}

// withSessionLock runs fn while holding a Postgres session advisory lock
// on a connection of its own. On SQLite it just runs fn: SQLite is used by
// one process.
func (s *Store) withSessionLock(ctx context.Context, key int64, fn func(*gorm.DB) error) error {
	db := s.db.WithContext(ctx)
	if !s.postgres {
		return fn(db)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return classify(err)
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("take advisory lock: %w", classify(err))
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx ended.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			// The lock dies with the connection; make sure it is not
			// returned to the pool still holding it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(db)
}

// InTx runs fn in one transaction; the Store it receives writes inside it.
// A nil return commits.
//
// A transaction that Postgres aborts to break a deadlock, or for a
// serialization conflict, is run again, up to txAttempts times in all: fn
// must do nothing but through tx, so that running it again is safe.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	_, err := s.Write(ctx, fn)
	return err
}

// Write is InTx that also returns the ids of the outbox rows the
// transaction wrote, so that the caller can tell when SpiceDB has them.
func (s *Store) Write(ctx context.Context, fn func(tx *Store) error) ([]uint64, error) {
	var err error
	for attempt := 1; ; attempt++ {
		var ids []uint64
		err = s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
			return fn(&Store{db: gtx, postgres: s.postgres, enqueued: &ids})
		})
		if err == nil {
			return ids, nil
		}
		if !retryable(err) || attempt == txAttempts || ctx.Err() != nil {
			return nil, classify(err)
		}
	}
}

// txAttempts is how often InTx runs a transaction that keeps losing
// deadlocks. Each attempt's locks are taken in a new order of arrival,
// so a second attempt almost always commits; a third covers bursts.
const txAttempts = 3

// retryable reports whether err is Postgres aborting a transaction only
// to let another go on: a detected deadlock (40P01) or a serialization
// failure (40001). Run again, the transaction will most likely commit.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// q returns the session for one call.
func (s *Store) q(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx)
}

// classify maps driver errors onto the store's sentinel errors, keeping
// the original in the chain.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, context.Canceled):
		return err
	case isUnavailable(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// isUnavailable reports whether err says the database is unreachable,
// shutting down or out of resources, as opposed to rejecting a statement.
func isUnavailable(err error) bool {
	// A failed connection attempt is unavailability whatever the server
	// said while refusing it ("database does not exist", "not accepting
	// connections", a failed password), so it is tested before the
	// PgError it may carry.
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 53: insufficient resources;
		// 57P01-57P05: shutdown, crash, cannot connect now, idle timeouts;
		// 57014: statement timeout or cancelled; 55P03: lock timeout; and
		// a transaction that lost a deadlock or a serialization conflict
		// as often as InTx retries it.
		return strings.HasPrefix(pgErr.Code, "08") ||
			strings.HasPrefix(pgErr.Code, "53") ||
			strings.HasPrefix(pgErr.Code, "57P") ||
			pgErr.Code == "57014" || pgErr.Code == "55P03" ||
			retryable(err)
	}
	var sqliteErr *gosqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, driver.ErrBadConn) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err)
}

package models

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A transaction Postgres aborted to break a deadlock is run again, and
// one that keeps losing ends as unavailable (503, retry later), not as an
// internal error.
func TestInTxRetriesDeadlockVictims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := Open(ctx, Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })

	deadlock := fmt.Errorf("insert share: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
	calls := 0
	err = store.InTx(ctx, func(*Store) error {
		calls++
		if calls == 1 {
			return deadlock
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, calls)

	calls = 0
	err = store.InTx(ctx, func(*Store) error {
		calls++
		return deadlock
	})
	assert.Equal(t, 3, calls)
	assert.ErrorIs(t, err, ErrUnavailable)

	calls = 0
	violation := &pgconn.PgError{Code: "23503", Message: "foreign key violation"}
	err = store.InTx(ctx, func(*Store) error {
		calls++
		return violation
	})
	assert.Equal(t, 1, calls, "other errors are not retried")
	assert.False(t, errors.Is(err, ErrUnavailable))
}

func TestClassifyPostgresErrors(t *testing.T) {
	t.Parallel()
	for code, unavailable := range map[string]bool{
		"08006": true,  // connection failure
		"53300": true,  // too many connections
		"57P01": true,  // admin shutdown
		"57014": true,  // statement timeout or cancelled
		"55P03": true,  // lock timeout
		"40P01": true,  // deadlock, after InTx's retries
		"40001": true,  // serialization failure, after InTx's retries
		"23503": false, // foreign key violation
		"42P01": false, // undefined table: a bug, not an outage
	} {
		err := classify(fmt.Errorf("query: %w", &pgconn.PgError{Code: code}))
		assert.Equal(t, unavailable, errors.Is(err, ErrUnavailable), code)
	}
}

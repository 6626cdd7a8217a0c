package server_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/mirror"
	"github.com/authgate/authgate/schema/spicedb"
)

// productionOptions run authgate as production does: on a Postgres
// database of the test's own, with the external SpiceDB (itself on
// Postgres) that the suite shares. See testenv.SharedSpiceDB for why
// sharing it is safe.
func productionOptions(t *testing.T) apitest.Options {
	t.Helper()
	endpoint, key := testenv.SharedSpiceDB(t)
	cfg := spicedb.Config{Endpoint: endpoint, PresharedKey: key, Insecure: true}
	require.NoError(t, prepareSharedSpiceDB(cfg))
	return apitest.Options{PostgresURL: testenv.NewDatabase(t), SpiceDB: cfg}
}

var (
	prepareShared    sync.Once
	prepareSharedErr error
)

// prepareSharedSpiceDB writes the schema and the site's relationship to
// the shared SpiceDB once, before any test starts authgate on it. An
// authgate that finds a SpiceDB without the site's relationship takes it
// for new and rebuilds it from its own database, deleting everything
// else; two tests starting at once on a fresh shared SpiceDB would each
// delete what the other wrote.
func prepareSharedSpiceDB(cfg spicedb.Config) error {
	prepareShared.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		spice, err := spicedb.Dial(cfg)
		if err != nil {
			prepareSharedErr = err
			return
		}
		defer spice.Close()
		if _, err := spice.EnsureSchema(ctx, schema.Text); err != nil {
			prepareSharedErr = err
			return
		}
		prepareSharedErr = spice.WriteRelationships(ctx, schema.SiteRelationships(), nil)
	})
	return prepareSharedErr
}

func TestAcceptanceTableOnPostgresAndExternalSpiceDB(t *testing.T) {
	t.Parallel()
	opts := productionOptions(t)
	w := newWorld(t, opts)
	w.requireAcceptance(t)

	// An external SpiceDB keeps its relationships over a restart; only
	// the outbox is replayed.
	w.srv.Restart()
	w.requireAcceptance(t)
	w.requireRevocationSeen(t)
	requireSpiceDBHoldsDatabase(t, opts)
}

// requireSpiceDBHoldsDatabase compares SpiceDB with the test's database:
// every relationship the database stands for must be in SpiceDB, and
// SpiceDB may hold no other relationship about the test's objects. Other
// tests' relationships in the shared SpiceDB are not this test's
// business, so a full equality is not asked.
func requireSpiceDBHoldsDatabase(t *testing.T, opts apitest.Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := models.Open(ctx, models.Config{PostgresURL: opts.PostgresURL})
	require.NoError(t, err)
	defer store.Close()
	spice, err := spicedb.Dial(opts.SpiceDB)
	require.NoError(t, err)
	defer spice.Close()

	diff, err := mirror.New(store, spice, slog.New(slog.NewTextHandler(io.Discard, nil))).Reconcile(ctx, false)
	require.NoError(t, err)
	require.Empty(t, diff.Missing, "relationships the database stands for but SpiceDB lacks")

	snap, err := store.ReadSnapshot(ctx)
	require.NoError(t, err)
	ours := map[string]bool{}
	for _, u := range snap.Users {
		ours[u.ID] = true
	}
	for _, o := range snap.Organizations {
		ours[o.ID] = true
	}
	for _, g := range snap.Groups {
		ours[g.ID] = true
	}
	for _, r := range snap.Resources {
		ours[r.ID] = true
	}
	require.NotEmpty(t, ours)
	var extra []schema.Relationship
	for _, r := range diff.Extra {
		if ours[r.ResourceID] || ours[r.SubjectID] {
			extra = append(extra, r)
		}
	}
	require.Empty(t, extra, "relationships about this test's objects that the database does not stand for")
}

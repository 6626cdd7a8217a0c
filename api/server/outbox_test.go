package server_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/server"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/spicedb"
	"github.com/authgate/authgate/schema/spicedb/embedded"
)

// A change SpiceDB refuses must not hold up anybody else's, and the
// request that made it must not be told it worked. The database is given
// a group member whose id SpiceDB cannot take (ids never look like that
// through the API; this plays a bug that lets one through).
func TestRefusedChangeHoldsUpNothingElse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := newWorld(t, apitest.Options{DataDir: dir})
	group := w.owner.CreateGroup(w.orgID, "builders")

	ctx := context.Background()
	store, err := models.Open(ctx, models.Config{DataDir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.AddGroupMembers(ctx, group.ID, []string{"not an id SpiceDB accepts"}))

	// The group's next change derives the bad relationship: SpiceDB
	// refuses it, and the client hears of an error, not a success.
	patch := w.owner.Do(http.MethodPatch, "/api/v2/groups/"+group.ID,
		sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}})
	require.Equal(t, http.StatusInternalServerError, patch.Status, "%s", patch.Body)
	assert.Equal(t, "Internal error.", patch.Error(t).Message)

	// Everybody else's writes still take effect at once.
	other := w.owner.CreateGroup(w.orgID, "testers")
	w.owner.PatchGroup(other.ID, sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}})
	readOther := check("read", sdk.AuthorizationObject{ResourceType: "group", ResourceID: other.ID})
	assert.True(t, w.alice.Check(readOther), "a member of the other group reads it")
	w.owner.SetMemberRoles(w.orgID, w.aliceID, "organization-auditor")
	assert.True(t, w.alice.Check(check("read", sdk.AuthorizationObject{ResourceType: "audit_log", OrganizationID: w.orgID})))

	// The refused change is kept, not lost, and operators can see it.
	stats, err := store.Stats(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, stats.Rejected, int64(1), "the refused change stays in the outbox")
	metrics := w.srv.Client().Do(http.MethodGet, "/metrics", nil)
	require.Equal(t, http.StatusOK, metrics.Status)
	assert.Regexp(t, `(?m)^authgate_relationship_outbox_rejected [1-9]`, string(metrics.Body))
	assert.Regexp(t, `(?m)^authgate_relationship_outbox_pending [1-9]`, string(metrics.Body))

	// Once the data is right again, the group's next change goes through.
	require.NoError(t, store.RemoveGroupMembers(ctx, group.ID, []string{"not an id SpiceDB accepts"}))
	w.owner.PatchGroup(group.ID, sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}})
	assert.True(t, w.alice.Check(check("read", sdk.AuthorizationObject{ResourceType: "group", ResourceID: group.ID})))
}

// SQLite and the in-process SpiceDB serve one process: a second one on
// the same data directory would keep a SpiceDB of its own and answer
// from it, disagreeing with the first. It must refuse to start instead.
func TestSecondServerOnOneDataDirectoryRefusesToStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apitest.Start(t, apitest.Options{DataDir: dir})

	_, err := server.New(context.Background(), server.Config{
		HTTPAddress: "127.0.0.1:0",
		Database:    models.Config{DataDir: dir},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.ErrorIs(t, err, models.ErrInUse)
	assert.Contains(t, err.Error(), dir, "the error names the directory")
}

// An external SpiceDB that comes back without its data (restarted on its
// in-memory datastore) must not be answered from: every check fails with
// 503 until authgate has rebuilt it from the database, by itself, and
// then answers are what they were.
func TestSpiceDBThatLostItsDataIsRebuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := testenv.FreeAddr(t)
	key := rand.Text()
	first, err := embedded.Start(ctx, embedded.Options{Address: addr, PresharedKey: key})
	require.NoError(t, err)

	w := newWorld(t, apitest.Options{
		SpiceDB: spicedb.Config{Endpoint: addr, PresharedKey: key, Insecure: true},
	})
	table := w.acceptance()
	w.requireAcceptance(t)

	// SpiceDB restarts empty: no schema, no relationships.
	require.NoError(t, first.Stop())
	second, err := embedded.Start(ctx, embedded.Options{Address: addr, PresharedKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { _ = second.Stop() })

	// Until the rebuild, nothing is answered: a 503, never a false.
	// Afterwards, the same answers as before. The rebuild runs on the
	// background sync's interval, so poll.
	ownerChecks := map[string]sdk.AuthorizationCheck{}
	for _, row := range table {
		ownerChecks[row.name] = row.check
	}
	require.Eventually(t, func() bool {
		resp := w.owner.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: ownerChecks})
		if resp.Status == http.StatusServiceUnavailable {
			return false
		}
		require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
		var got map[string]bool
		resp.JSON(t, &got)
		for _, row := range table {
			require.Equal(t, row.owner, got[row.name], "answered from a SpiceDB not yet rebuilt: %s", row.name)
		}
		return true
	}, 30*time.Second, 50*time.Millisecond)

	w.requireAcceptance(t)
	ready := w.srv.Client().Do(http.MethodGet, "/readyz", nil)
	assert.Equal(t, http.StatusOK, ready.Status, "%s", ready.Body)
}

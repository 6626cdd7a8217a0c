package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/sdk"
)

const (
	notInEffect  = "The change was saved but is not in effect yet"
	noSpiceDB    = "SpiceDB did not answer, so no authorization decision can be made. Try again shortly."
	noDatabase   = "The database did not answer. Try again shortly."
	firstUserURL = "/api/v2/users/first"
)

// A write that the database committed but SpiceDB never got, followed by
// a crash, is applied when authgate starts again: the outbox row outlives
// the process.
func TestCommittedWriteSurvivesSpiceDBCutAndCrash(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	proxy := d.proxySpiceDB()
	ag := d.serve()

	// Creating the first user needs no authorization, so with SpiceDB cut
	// off the request gets as far as the commit, and fails only where
	// the owner role should reach SpiceDB.
	proxy.Block()
	msg := requireStatus(t, ag.Client(t), http.StatusServiceUnavailable, http.MethodPost, firstUserURL,
		sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})
	assert.Contains(t, msg, notInEffect)
	// A SpiceDB that holds connections open without answering fails the
	// readiness probe too, rather than hanging it.
	requireStatus(t, ag.Client(t), http.StatusServiceUnavailable, http.MethodGet, "/readyz", nil)

	store := d.store()
	ctx := context.Background()
	owner, err := store.UserByEmail(ctx, "owner@example.com")
	require.NoError(t, err, "the database committed the first user")
	roles, err := store.SiteRoles(ctx, owner.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"owner"}, roles)
	stats, err := store.Stats(ctx)
	require.NoError(t, err)
	assert.Positive(t, stats.Pending, "the outbox remembers what SpiceDB lacks")

	ag.Kill()
	proxy.Unblock()

	// Nobody has applied the change yet.
	r := d.reconcile()
	require.Equal(t, exitDifferences, r.code, "reconcile: %s%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "missing site:root#owner@user:"+owner.ID)

	ag = d.serve()
	client := ag.Client(t).Login("owner@example.com", password)
	assert.True(t, client.Check(readAllUsers), "the owner role is in effect after the restart")
	stats, err = store.Stats(ctx)
	require.NoError(t, err)
	assert.Zero(t, stats.Pending)
	d.requireMatches()
}

// While SpiceDB is down, nothing that needs it is guessed: requests get
// 503 and /readyz fails. Once it is back, authgate resumes without a
// restart and applies what it saved meanwhile.
func TestSpiceDBOutage(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	ag := d.serve()
	anon := ag.Client(t)
	requireStatus(t, anon, http.StatusOK, http.MethodGet, "/readyz", nil)

	d.spice.Kill()

	requireStatus(t, anon, http.StatusOK, http.MethodGet, "/healthz", nil)
	requireStatus(t, anon, http.StatusServiceUnavailable, http.MethodGet, "/readyz", nil)
	// Saved, not in effect: the first user and the default organization.
	msg := requireStatus(t, anon, http.StatusServiceUnavailable, http.MethodPost, firstUserURL,
		sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})
	assert.Contains(t, msg, notInEffect)
	// Signing in needs only the database.
	owner := anon.Login("owner@example.com", password)
	msg = requireStatus(t, owner, http.StatusServiceUnavailable, http.MethodPost, "/api/v2/authcheck",
		sdk.AuthorizationRequest{Checks: map[string]sdk.AuthorizationCheck{"users": readAllUsers}})
	assert.Equal(t, noSpiceDB, msg)
	// A write that must be authorized first is refused whole.
	msg = requireStatus(t, owner, http.StatusServiceUnavailable, http.MethodPost, "/api/v2/users",
		sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: password})
	assert.Equal(t, noSpiceDB, msg)

	d.spice.Start()

	eventually(t, "/readyz answers 200 again", func() bool {
		return anon.Do(http.MethodGet, "/readyz", nil).Status == http.StatusOK
	})
	// The background retry applies the saved change; until it has, the
	// owner's grant is not in effect, which is what the 503 said.
	eventually(t, "the first user's owner role takes effect", func() bool {
		resp := owner.Do(http.MethodPost, "/api/v2/authcheck",
			sdk.AuthorizationRequest{Checks: map[string]sdk.AuthorizationCheck{"users": readAllUsers}})
		return resp.Status == http.StatusOK && string(resp.Body) == `{"users":true}`
	})
	alice := owner.CreateUser(sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: password})
	owner.SetSiteRoles(alice.ID, "auditor")
	assert.True(t, anon.Login("alice@example.com", password).Check(readAllUsers))
	d.requireMatches()
}

// /readyz follows the database too: a database that stops answering
// fails it, and it recovers by itself.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	proxy := d.proxyDatabase()
	ag := d.serve()
	p := seed(t, ag)
	anon := ag.Client(t)
	requireStatus(t, anon, http.StatusOK, http.MethodGet, "/readyz", nil)

	proxy.Block()
	assert.Equal(t, noDatabase, requireStatus(t, anon, http.StatusServiceUnavailable, http.MethodGet, "/readyz", nil))
	// Every session lives in the database, so no request can be
	// authenticated either.
	requireStatus(t, p.alice, http.StatusServiceUnavailable, http.MethodPost, "/api/v2/authcheck",
		sdk.AuthorizationRequest{Checks: map[string]sdk.AuthorizationCheck{"users": readAllUsers}})

	proxy.Unblock()
	eventually(t, "/readyz answers 200 again", func() bool {
		return anon.Do(http.MethodGet, "/readyz", nil).Status == http.StatusOK
	})
	assert.False(t, p.alice.Check(readAllUsers))
	assert.True(t, p.owner.Check(readAllUsers))
}

// A network partition between authgate and SpiceDB (connections open,
// nothing answered) gives 503 after the request timeout, not a hang or a
// guess, and authgate answers again once it heals, without a restart.
func TestSpiceDBPartitionHeals(t *testing.T) {
	t.Parallel()
	d := newDeployment(t)
	proxy := d.proxySpiceDB()
	ag := d.serve()
	p := seed(t, ag)
	check := sdk.AuthorizationRequest{Checks: map[string]sdk.AuthorizationCheck{"users": readAllUsers}}

	proxy.Block()
	// Which sentence depends on whether the request's deadline or the
	// SpiceDB call noticed first; both say to try again.
	msg := requireStatus(t, p.owner, http.StatusServiceUnavailable, http.MethodPost, "/api/v2/authcheck", check)
	assert.Contains(t, msg, "Try again shortly.")
	requireStatus(t, p.owner, http.StatusServiceUnavailable, http.MethodGet, "/readyz", nil)

	proxy.Unblock()
	eventually(t, "authcheck answers again", func() bool {
		return p.owner.Do(http.MethodPost, "/api/v2/authcheck", check).Status == http.StatusOK
	})
	assert.True(t, p.owner.Check(readAllUsers))
	assert.False(t, p.alice.Check(readAllUsers))
	d.requireMatches()
}

package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// acceptanceChecks is the acceptance table as one authcheck request.
func (w *world) acceptanceChecks() map[string]sdk.AuthorizationCheck {
	checks := map[string]sdk.AuthorizationCheck{}
	for _, r := range w.acceptance() {
		checks[r.name] = r.check
	}
	return checks
}

// requireUnavailable checks a 503 as the API promises it: a message, Retry-After, and
// no answer of any kind.
func requireUnavailable(t *testing.T, resp *apitest.Response, message string) {
	t.Helper()
	require.Equal(t, http.StatusServiceUnavailable, resp.Status, "%s", resp.Body)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	e := resp.Error(t)
	assert.Contains(t, e.Message, message)
	assert.NotContains(t, string(resp.Body), "true")
	assert.NotContains(t, string(resp.Body), "false")
}

func TestSpiceDBDownIsUnavailableAndRecovers(t *testing.T) {
	t.Parallel()
	cfg, proxy := proxiedSpiceDB(t)
	w := newWorld(t, apitest.Options{SpiceDB: cfg})
	checks := w.acceptanceChecks()
	before := w.alice.Authcheck(checks)
	require.Equal(t, http.StatusOK, w.srv.Client().Do(http.MethodGet, "/readyz", nil).Status)

	proxy.Down()
	const spiceDown = "SpiceDB did not answer"
	for _, c := range []*apitest.Client{w.alice, w.owner} {
		requireUnavailable(t, c.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks}), spiceDown)
	}
	requireUnavailable(t, w.srv.Client().Do(http.MethodGet, "/readyz", nil), spiceDown)
	requireUnavailable(t, w.owner.Do(http.MethodGet, "/api/v2/users/alice", nil), spiceDown)
	// Writes are refused too: they are authorized by SpiceDB first.
	resp := w.owner.Do(http.MethodPost, "/api/v2/organizations/"+w.orgID+"/groups", sdk.CreateGroupRequest{Name: "late"})
	requireUnavailable(t, resp, spiceDown)
	// Sign-in needs only the database.
	w.srv.Client().Login("alice@example.com", password)

	proxy.Up()
	start := time.Now()
	require.Eventually(t, func() bool {
		return w.alice.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks}).Status == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond)
	t.Logf("authcheck answered again %s after SpiceDB came back", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, before, w.alice.Authcheck(checks))
	assert.Equal(t, http.StatusOK, w.srv.Client().Do(http.MethodGet, "/readyz", nil).Status)
	w.requireAcceptance(t)
}

func TestDatabaseDownIsUnavailableAndRecovers(t *testing.T) {
	t.Parallel()
	name, url := postgresDatabase(t)
	admin := postgresAdmin(t)
	w := newWorld(t, apitest.Options{PostgresURL: url})
	checks := w.acceptanceChecks()
	before := w.alice.Authcheck(checks)

	// The database goes away: its connections end and new ones are refused
	// ("database is not currently accepting connections").
	ctx := context.Background()
	_, err := admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
	require.NoError(t, err)
	_, err = admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
	require.NoError(t, err)

	const dbDown = "The database did not answer"
	requireUnavailable(t, w.alice.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks}), dbDown)
	requireUnavailable(t, w.srv.Client().Do(http.MethodGet, "/readyz", nil), dbDown)
	requireUnavailable(t, w.srv.Client().Do(http.MethodPost, "/api/v2/users/login", login("alice@example.com", password)), dbDown)
	requireUnavailable(t, w.owner.Do(http.MethodGet, "/api/v2/users/me", nil), dbDown)

	_, err = admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return w.srv.Client().Do(http.MethodGet, "/readyz", nil).Status == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, before, w.alice.Authcheck(checks))
	w.srv.Client().Login("alice@example.com", password)
	w.requireAcceptance(t)
}

func TestAuthcheckPastTheDeadlineFails(t *testing.T) {
	t.Parallel()
	cfg, proxy := proxiedSpiceDB(t)
	w := newWorld(t, apitest.Options{SpiceDB: cfg, API: api.Options{RequestTimeout: time.Second}})
	checks := w.acceptanceChecks()
	before := w.admin.Authcheck(checks)

	proxy.SetDelay(1500 * time.Millisecond)
	resp := w.admin.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks})
	requireUnavailable(t, resp, "The request did not finish within 1s; nothing was answered.")

	proxy.SetDelay(0)
	require.Eventually(t, func() bool {
		return w.admin.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks}).Status == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, before, w.admin.Authcheck(checks))
}

func TestHungSpiceDBFailsTheProbeAndRequests(t *testing.T) {
	t.Parallel()
	cfg, proxy := proxiedSpiceDB(t)
	w := newWorld(t, apitest.Options{SpiceDB: cfg, API: api.Options{RequestTimeout: time.Second}})
	checks := w.acceptanceChecks()
	before := w.alice.Authcheck(checks)

	proxy.Block()
	requireUnavailable(t, w.alice.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks}),
		"The request did not finish within 1s")
	// The probe has no request deadline of its own, but must not hang.
	requireUnavailable(t, w.srv.Client().Do(http.MethodGet, "/readyz", nil), "SpiceDB did not answer")

	proxy.Unblock()
	require.Eventually(t, func() bool {
		return w.srv.Client().Do(http.MethodGet, "/readyz", nil).Status == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond)
	assert.Equal(t, before, w.alice.Authcheck(checks))
}

func TestAuthcheckCheckCap(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	checks := func(n int) map[string]sdk.AuthorizationCheck {
		m := make(map[string]sdk.AuthorizationCheck, n)
		for i := range n {
			m[fmt.Sprintf("c%d", i)] = check("read", sdk.AuthorizationObject{ResourceType: "template", ResourceID: w.template.ID})
		}
		return m
	}
	resp := w.alice.Do(http.MethodPost, "/api/v2/authcheck", sdk.AuthorizationRequest{Checks: checks(1001)})
	require.Equal(t, http.StatusBadRequest, resp.Status, "%.300s", resp.Body)
	assert.Equal(t, "An authcheck may have at most 1000 checks; this one has 1001. Split it into several requests.",
		resp.Error(t).Message)

	got := w.alice.Authcheck(checks(1000))
	require.Len(t, got, 1000)
	for k, v := range got {
		require.True(t, v, k)
	}
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	cfg, proxy := proxiedSpiceDB(t)
	w := newWorld(t, apitest.Options{SpiceDB: cfg})
	checks := w.acceptanceChecks()
	before := w.alice.Authcheck(checks)

	proxy.SetDelay(time.Second)
	sent := proxy.SentToTarget()
	body := mustJSON(t, sdk.AuthorizationRequest{Checks: checks})
	done := make(chan *apitest.Response, 1)
	go func() {
		// Plain net/http: apitest's client calls require, which must stay
		// on the test's goroutine.
		done <- post(w.srv.URL+"/api/v2/authcheck", w.alice.Token, body)
	}()
	// Wait until the authcheck has reached SpiceDB, then shut down.
	require.Eventually(t, func() bool { return proxy.SentToTarget() > sent }, 10*time.Second, 5*time.Millisecond)
	w.srv.Stop()

	resp := <-done
	require.NotNil(t, resp, "the request in flight failed")
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	var got map[string]bool
	resp.JSON(t, &got)
	assert.Equal(t, before, got)

	_, err := http.Get(w.srv.URL + "/healthz")
	assert.Error(t, err, "a stopped server takes no new requests")
}

package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/internal/testenv"
)

// TestLogsHoldNoSecrets runs a whole session of use, failures included,
// with the server's log captured at debug level, and then looks in the log
// for every token, secret and password used, and for the hashes of each.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logs testenv.LogBuffer
	cfg, proxy := proxiedSpiceDB(t)
	w := newWorld(t, apitest.Options{SpiceDB: cfg, Logs: &logs})
	anon := w.srv.Client()

	passwords := []string{password, "wrong-password-1", "Another-secret-9", strings.Repeat("x", 73), "pässwörd-ü"}
	tokens := []string{w.owner.Token, w.admin.Token, w.alice.Token}

	// Sign-ins that fail, one that is refused for its length, and a user
	// with a password of their own.
	for _, body := range []sdk.LoginWithPasswordRequest{
		login("alice@example.com", passwords[1]),
		login("nobody@example.com", passwords[2]),
		login("alice@example.com", passwords[3]),
	} {
		require.NotEqual(t, http.StatusCreated, anon.Do(http.MethodPost, "/api/v2/users/login", body).Status)
	}
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "dora@example.com", Username: "dora", Password: passwords[4]})
	dora := anon.Login("dora@example.com", passwords[4])
	tokens = append(tokens, dora.Token)

	// The token in every place a client may put it.
	for _, send := range tokenSenders {
		req := anon.NewRequest(http.MethodGet, "/api/v2/users/me", nil)
		send.set(req, dora.Token)
		require.Equal(t, http.StatusOK, anon.DoRequest(req).Status, send.name)
	}

	// Tokens that are forged, malformed or for the wrong secret, and a
	// state-changing request by cookie alone.
	forged := []string{
		dora.Token[:11] + "abcdefghijklmnopqrstuv",
		"abcdefghij-abcdefghijklmnopqrstuv",
		"not-a-token-at-all-but-secret-looking-0123456789",
	}
	for _, tok := range forged {
		for _, send := range tokenSenders {
			req := anon.NewRequest(http.MethodGet, "/api/v2/users/me", nil)
			send.set(req, tok)
			require.Equal(t, http.StatusUnauthorized, anon.DoRequest(req).Status)
		}
	}
	req := anon.NewRequest(http.MethodPost, "/api/v2/organizations", sdk.CreateOrganizationRequest{Name: "x"})
	req.AddCookie(&http.Cookie{Name: sdk.SessionTokenCookie, Value: w.owner.Token})
	require.Equal(t, http.StatusForbidden, anon.DoRequest(req).Status)

	// SpiceDB goes away and comes back; errors are logged then.
	proxy.Down()
	require.Equal(t, http.StatusServiceUnavailable, w.alice.Do(http.MethodPost, "/api/v2/authcheck",
		sdk.AuthorizationRequest{Checks: w.acceptanceChecks()}).Status)
	proxy.Up()
	w.requireAcceptanceEventually(t)

	// Sign-out, suspension, and the refused uses after them.
	require.Equal(t, http.StatusOK, dora.Do(http.MethodPost, "/api/v2/users/logout", nil).Status)
	require.Equal(t, http.StatusUnauthorized, dora.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
	require.Equal(t, http.StatusOK, w.owner.Do(http.MethodPut, "/api/v2/users/alice/status/suspend", nil).Status)
	require.Equal(t, http.StatusUnauthorized, w.alice.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
	require.Equal(t, http.StatusUnauthorized, anon.Do(http.MethodPost, "/api/v2/users/login", login("alice@example.com", password)).Status)

	out := logs.String()
	// The log is there and has the requests: an empty one passes nothing.
	require.Contains(t, out, "msg=request")
	require.Contains(t, out, "status=401")
	require.Contains(t, out, "dependency unavailable")

	secrets := map[string]string{"bcrypt hash": "$2a$", "cookie": sdk.SessionTokenCookie + "="}
	for _, pw := range passwords {
		secrets["password "+pw] = pw
		sum := sha256.Sum256([]byte(pw))
		secrets["sha256 of password "+pw] = hex.EncodeToString(sum[:])
	}
	for _, tok := range append(tokens, forged...) {
		secrets["token "+tok] = tok
		// The id before the hyphen names a session, as an API key id does
		// in Coder's logs; the secret after it is what must not leak.
		if _, secret, ok := strings.Cut(tok, "-"); ok {
			secrets["secret of "+tok] = secret
			sum := sha256.Sum256([]byte(secret))
			secrets["sha256 hex of the secret of "+tok] = hex.EncodeToString(sum[:])
			secrets["sha256 HEX of the secret of "+tok] = strings.ToUpper(hex.EncodeToString(sum[:]))
			secrets["sha256 base64 of the secret of "+tok] = base64.StdEncoding.EncodeToString(sum[:])
		}
	}
	lines := strings.Split(out, "\n")
	for what, s := range secrets {
		for _, line := range lines {
			if strings.Contains(line, s) {
				t.Errorf("the log has the %s: %s", what, line)
				break
			}
		}
	}
}

// requireAcceptanceEventually waits for SpiceDB to answer again, then
// checks the acceptance table.
func (w *world) requireAcceptanceEventually(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		return w.owner.Do(http.MethodGet, "/readyz", nil).Status == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond)
	w.requireAcceptance(t)
}

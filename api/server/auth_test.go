package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// Messages the API must answer with, word for word.
const (
	msgSignedOut      = "You are signed out or your session has expired. Please sign in again to continue."
	msgBadCredentials = "Incorrect email or password."
	msgSuspended      = "Your account is suspended. Contact an admin to reactivate your account."
	msgValidation     = "Validation failed."
	msgBadJSON        = "Request body must be valid JSON."
	msgCSRF           = "Something is wrong with your CSRF token. Send the session token in the Coder-Session-Token header as well as the cookie."
)

func login(email, password string) sdk.LoginWithPasswordRequest {
	return sdk.LoginWithPasswordRequest{Email: email, Password: password}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	// Coder's default: 60 sign-in attempts a minute from one address.
	srv := apitest.Start(t, apitest.Options{API: api.Options{LoginRateLimit: 60}})
	anon := srv.Client()

	for i := range 60 {
		resp := anon.Do(http.MethodPost, "/api/v2/users/login", login("nobody@example.com", "whatever-password"))
		require.Equal(t, http.StatusUnauthorized, resp.Status, "attempt %d: %s", i+1, resp.Body)
	}
	resp := anon.Do(http.MethodPost, "/api/v2/users/login", login("nobody@example.com", "whatever-password"))
	require.Equal(t, http.StatusTooManyRequests, resp.Status, "%s", resp.Body)
	assert.Equal(t, "You've been rate limited for sending more than 60 requests in 1m0s.", resp.Error(t).Message)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))

	// Without a trusted proxy, a claimed forwarding address is not believed.
	req := anon.NewRequest(http.MethodPost, "/api/v2/users/login", login("nobody@example.com", "whatever-password"))
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Real-Ip", "203.0.113.8")
	assert.Equal(t, http.StatusTooManyRequests, anon.DoRequest(req).Status)

	// The limit is on sign-in only.
	assert.Equal(t, http.StatusOK, anon.Do(http.MethodGet, "/api/v2/buildinfo", nil).Status)
}

func TestAPIRateLimitPerUserAndAddress(t *testing.T) {
	t.Parallel()
	srv := apitest.Start(t, apitest.Options{API: api.Options{APIRateLimit: 10, APIRateWindow: time.Hour}})
	anon := srv.Client()
	anon.CreateFirstUser(sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})
	owner := anon.Login("owner@example.com", password)
	owner.CreateUser(sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: password})
	alice := anon.Login("alice@example.com", password)

	// Alice's own allowance is untouched so far: exactly ten requests.
	for i := range 10 {
		resp := alice.Do(http.MethodGet, "/api/v2/users/me", nil)
		require.Equal(t, http.StatusOK, resp.Status, "request %d: %s", i+1, resp.Body)
	}
	resp := alice.Do(http.MethodGet, "/api/v2/users/me", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.Status, "%s", resp.Body)
	assert.Equal(t, "You've been rate limited for sending more than 10 requests in 1h0m0s.", resp.Error(t).Message)

	// Another user from the same address has an allowance of their own.
	assert.Equal(t, http.StatusOK, owner.Do(http.MethodGet, "/api/v2/users/me", nil).Status)

	// Before sign-in the address is the key; failed sign-ins by token
	// spend it too, so guessing tokens is limited like anything else.
	guesser := srv.Client().WithToken("abcdefghij-abcdefghijklmnopqrstuv")
	var statuses []int
	for range 12 {
		statuses = append(statuses, guesser.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
	}
	assert.Contains(t, statuses, http.StatusUnauthorized)
	assert.Equal(t, http.StatusTooManyRequests, statuses[len(statuses)-1], "%v", statuses)
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusUnauthorized, http.StatusTooManyRequests}, s)
	}
	assert.Equal(t, http.StatusTooManyRequests, anon.Do(http.MethodGet, "/api/v2/users/first", nil).Status)
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	anon := w.srv.Client()

	long72 := strings.Repeat("a", 72)
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "long@example.com", Username: "long", Password: long72})

	for _, tc := range []struct {
		name     string
		body     any
		status   int
		message  string
		invalids []string
	}{
		{"unknown email", login("nobody@example.com", password), http.StatusUnauthorized, msgBadCredentials, nil},
		{"wrong password", login("alice@example.com", "not-the-password"), http.StatusUnauthorized, msgBadCredentials, nil},
		{"password of another user", login("alice@example.com", long72), http.StatusUnauthorized, msgBadCredentials, nil},
		{"empty email", login("", password), http.StatusBadRequest, msgValidation, []string{"email"}},
		{"empty password", login("alice@example.com", ""), http.StatusBadRequest, msgValidation, []string{"password"}},
		{"both empty", `{}`, http.StatusBadRequest, msgValidation, []string{"email", "password"}},
		// bcrypt reads 72 bytes; a 73rd must not be cut off and ignored.
		{"73 bytes", login("long@example.com", long72+"a"), http.StatusBadRequest, msgValidation, []string{"password"}},
		{"72 bytes and a two-byte letter", login("long@example.com", long72[:71]+"é"), http.StatusBadRequest, msgValidation, []string{"password"}},
		{"a control character", login("alice@example.com", password+"\u0007"), http.StatusBadRequest, msgValidation, []string{"password"}},
		{"null body", `null`, http.StatusBadRequest, msgBadJSON, nil},
		{"password of the wrong type", `{"email":"alice@example.com","password":12345678}`, http.StatusBadRequest, msgBadJSON, nil},
		{"trailing data", `{"email":"alice@example.com","password":"x"}{}`, http.StatusBadRequest, msgBadJSON, nil},
		{"not UTF-8", "{\"email\":\"alice@example.com\",\"password\":\"\xff\xfe\"}", http.StatusBadRequest, msgBadJSON, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := anon.Do(http.MethodPost, "/api/v2/users/login", tc.body)
			require.Equal(t, tc.status, resp.Status, "%s", resp.Body)
			e := resp.Error(t)
			assert.Equal(t, tc.message, e.Message)
			var fields []string
			for _, v := range e.Validations {
				fields = append(fields, v.Field)
			}
			assert.Equal(t, tc.invalids, fields)
			assert.Empty(t, resp.Header.Values("Set-Cookie"))
		})
	}

	// Exactly 72 bytes is a whole password.
	anon.Login("long@example.com", long72)
}

// TestLoginUnknownEmailAndWrongPasswordLookAlike compares the whole
// answers. It also measures how long each takes and logs it, without
// asserting anything about time: a loaded machine would make such an
// assertion fail at random.
func TestLoginUnknownEmailAndWrongPasswordLookAlike(t *testing.T) {
	t.Parallel()
	// The production cost, so that the comparison measures bcrypt.
	srv := apitest.Start(t, apitest.Options{PasswordCost: 10})
	anon := srv.Client()
	anon.CreateFirstUser(sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})

	unknown := func() *apitest.Response {
		return anon.Do(http.MethodPost, "/api/v2/users/login", login("nobody@example.com", password))
	}
	wrong := func() *apitest.Response {
		return anon.Do(http.MethodPost, "/api/v2/users/login", login("owner@example.com", "not-the-password"))
	}
	a, b := unknown(), wrong()
	assert.Equal(t, http.StatusUnauthorized, a.Status)
	assert.Equal(t, a.Status, b.Status)
	assert.JSONEq(t, string(a.Body), string(b.Body))
	for _, h := range []string{"Content-Type", "Set-Cookie", "Retry-After"} {
		assert.Equal(t, a.Header.Values(h), b.Header.Values(h), h)
	}

	const rounds = 20
	var tu, tw time.Duration
	for range rounds {
		start := time.Now()
		unknown()
		tu += time.Since(start)
		start = time.Now()
		wrong()
		tw += time.Since(start)
	}
	t.Logf("bcrypt cost 10, mean of %d: unknown email %s, wrong password %s",
		rounds, tu/rounds, tw/rounds)
}

func TestEmailIsCaseInsensitiveAndUnique(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	carol := w.owner.CreateUser(sdk.CreateUserRequest{Email: "Carol@Example.COM", Username: "carol", Password: password})
	assert.Equal(t, "carol@example.com", carol.Email)

	for _, email := range []string{"carol@example.com", "CAROL@EXAMPLE.COM", "cArOl@eXaMpLe.cOm"} {
		c := w.srv.Client().Login(email, password)
		assert.Equal(t, carol.ID, c.Me().ID, email)

		resp := w.owner.Do(http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: email, Username: "other", Password: password})
		require.Equal(t, http.StatusConflict, resp.Status, "%s: %s", email, resp.Body)
		assert.Equal(t, "A user with that email or username already exists.", resp.Error(t).Message)
	}
	// An address typed with a decomposed accent is the same address.
	jose := w.owner.CreateUser(sdk.CreateUserRequest{Email: norm.NFC.String("José@example.com"), Username: "jose", Password: password})
	assert.Equal(t, jose.ID, w.srv.Client().Login(norm.NFD.String("JOSÉ@example.com"), password).Me().ID)
	resp := w.owner.Do(http.MethodPost, "/api/v2/users",
		sdk.CreateUserRequest{Email: norm.NFD.String("josé@example.com"), Username: "jose2", Password: password})
	assert.Equal(t, http.StatusConflict, resp.Status, "%s", resp.Body)

	// Usernames too.
	resp = w.owner.Do(http.MethodPost, "/api/v2/users",
		sdk.CreateUserRequest{Email: "carol2@example.com", Username: "CAROL", Password: password})
	assert.Equal(t, http.StatusConflict, resp.Status, "%s", resp.Body)
}

func TestPasswordUnicodeNormalization(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	const typed = "pässwörd-ü"
	nfc, nfd := norm.NFC.String(typed), norm.NFD.String(typed)
	require.NotEqual(t, nfc, nfd, "the two forms must differ byte for byte")

	w.owner.CreateUser(sdk.CreateUserRequest{Email: "nfc@example.com", Username: "nfc", Password: nfc})
	w.owner.CreateUser(sdk.CreateUserRequest{Email: "nfd@example.com", Username: "nfd", Password: nfd})
	for _, email := range []string{"nfc@example.com", "nfd@example.com"} {
		for _, pw := range []string{nfc, nfd} {
			resp := w.srv.Client().Do(http.MethodPost, "/api/v2/users/login", login(email, pw))
			assert.Equal(t, http.StatusCreated, resp.Status, "%s with %+q: %s", email, pw, resp.Body)
		}
		resp := w.srv.Client().Do(http.MethodPost, "/api/v2/users/login", login(email, "passwords-u"))
		assert.Equal(t, http.StatusUnauthorized, resp.Status, "letters without accents are another password")
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	srv := apitest.Start(t, apitest.Options{SessionLifetime: 2 * time.Second})
	anon := srv.Client()
	anon.CreateFirstUser(sdk.CreateFirstUserRequest{Email: "owner@example.com", Username: "owner", Password: password})
	owner := anon.Login("owner@example.com", password)
	require.Equal(t, http.StatusOK, owner.Do(http.MethodGet, "/api/v2/users/me", nil).Status)

	var last *apitest.Response
	require.Eventually(t, func() bool {
		last = owner.Do(http.MethodGet, "/api/v2/users/me", nil)
		return last.Status != http.StatusOK
	}, 15*time.Second, 100*time.Millisecond)
	require.Equal(t, http.StatusUnauthorized, last.Status, "%s", last.Body)
	e := last.Error(t)
	assert.Equal(t, msgSignedOut, e.Message)
	assert.Contains(t, e.Detail, "expired")
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	resp := w.alice.Do(http.MethodPost, "/api/v2/users/logout", nil)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	assert.JSONEq(t, `{"message":"Logged out!"}`, string(resp.Body))
	cookie := resp.Header.Get("Set-Cookie")
	assert.Contains(t, cookie, sdk.SessionTokenCookie+"=;")
	assert.Contains(t, cookie, "Max-Age=0")

	for _, path := range []string{"/api/v2/users/me", "/api/v2/users/logout"} {
		method := http.MethodGet
		if strings.HasSuffix(path, "logout") {
			method = http.MethodPost
		}
		resp = w.alice.Do(method, path, nil)
		require.Equal(t, http.StatusUnauthorized, resp.Status, "%s", resp.Body)
		assert.Equal(t, msgSignedOut, resp.Error(t).Message)
		assert.Contains(t, resp.Error(t).Detail, "does not exist")
	}
	// The other sessions go on.
	assert.Equal(t, http.StatusOK, w.admin.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
}

func TestSuspensionStopsTokensAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	second := w.srv.Client().Login("alice@example.com", password)
	for _, c := range []*apitest.Client{w.alice, second} {
		require.Equal(t, http.StatusOK, c.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
	}

	var u sdk.User
	resp := w.owner.Do(http.MethodPut, "/api/v2/users/alice/status/suspend", nil)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	resp.JSON(t, &u)
	assert.Equal(t, "suspended", u.Status)

	for _, c := range []*apitest.Client{w.alice, second} {
		resp := c.Do(http.MethodPost, "/api/v2/authcheck", `{"checks":{}}`)
		require.Equal(t, http.StatusUnauthorized, resp.Status, "%s", resp.Body)
		assert.Equal(t, msgSignedOut, resp.Error(t).Message)
	}
	resp = w.srv.Client().Do(http.MethodPost, "/api/v2/users/login", login("alice@example.com", password))
	require.Equal(t, http.StatusUnauthorized, resp.Status, "%s", resp.Body)
	assert.Equal(t, msgSuspended, resp.Error(t).Message)
	// A wrong password says nothing about the account.
	resp = w.srv.Client().Do(http.MethodPost, "/api/v2/users/login", login("alice@example.com", "not-the-password"))
	assert.Equal(t, msgBadCredentials, resp.Error(t).Message)

	resp = w.owner.Do(http.MethodPut, "/api/v2/users/alice/status/activate", nil)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	assert.Equal(t, w.aliceID, w.srv.Client().Login("alice@example.com", password).Me().ID)
	// Suspension ended the old sessions for good.
	assert.Equal(t, http.StatusUnauthorized, second.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
}

func TestBadTokensAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	valid := w.alice.Token
	id := valid[:10]

	for _, tc := range []struct {
		name, token, detail string
	}{
		{"malformed", "nope", "malformed"},
		{"no hyphen", strings.Replace(valid, "-", "x", 1), "malformed"},
		{"one character short", valid[:32], "malformed"},
		{"one character long", valid + "a", "malformed"},
		{"not alphanumeric", id + "-" + strings.Repeat("_", 22), "malformed"},
		{"non-ASCII of the right length", id + "-" + strings.Repeat("é", 11), "malformed"},
		{"oversized", strings.Repeat("a", 1<<20), "too long"},
		{"forged id", "abcdefghij-abcdefghijklmnopqrstuv", "does not exist"},
		{"forged secret", id + "-abcdefghijklmnopqrstuv", "secret is wrong"},
		{"upper-cased", strings.ToUpper(valid), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, send := range tokenSenders {
				req := w.srv.Client().NewRequest(http.MethodGet, "/api/v2/users/me", nil)
				if send.name == "cookie" && tc.name == "non-ASCII of the right length" {
					continue // not a valid cookie value; Go's client drops it
				}
				send.set(req, tc.token)
				resp := w.srv.Client().DoRequest(req)
				if strings.ToUpper(valid) == valid && tc.name == "upper-cased" {
					continue // the token happened to have no lower-case letters
				}
				require.Equal(t, http.StatusUnauthorized, resp.Status, "%s: %.200s", send.name, resp.Body)
				e := resp.Error(t)
				assert.Equal(t, msgSignedOut, e.Message, send.name)
				assert.Contains(t, e.Detail, tc.detail, send.name)
				assert.NotContains(t, string(resp.Body), tc.token, "%s: the answer echoes the token", send.name)
			}
		})
	}
}

// tokenSenders are the places a session token may be sent, in the order
// authgate reads them.
var tokenSenders = []struct {
	name string
	set  func(*http.Request, string)
}{
	{"cookie", func(r *http.Request, tok string) { r.AddCookie(&http.Cookie{Name: sdk.SessionTokenCookie, Value: tok}) }},
	{"query", func(r *http.Request, tok string) {
		q := r.URL.Query()
		q.Set(sdk.SessionTokenQuery, tok)
		r.URL.RawQuery = q.Encode()
	}},
	{"header", func(r *http.Request, tok string) { r.Header.Set(sdk.SessionTokenHeader, tok) }},
	{"bearer", func(r *http.Request, tok string) { r.Header.Set("Authorization", "Bearer "+tok) }},
}

func TestTokenSourcesInOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	alice, admin := w.alice.Token, w.admin.Token
	const bad = "abcdefghij-abcdefghijklmnopqrstuv"

	// For each place, a request with a token there and different tokens
	// in every later place is the earlier one's; empty values are absent.
	for i, first := range tokenSenders {
		t.Run(first.name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				mine   string
				others string
				want   string
			}{
				{"valid wins over later ones", alice, bad, w.aliceID},
				{"invalid is not skipped for a later valid one", bad, admin, ""},
				{"empty counts as absent", "", admin, w.adminID},
			} {
				req := w.srv.Client().NewRequest(http.MethodGet, "/api/v2/users/me", nil)
				first.set(req, tc.mine)
				for _, later := range tokenSenders[i+1:] {
					later.set(req, tc.others)
				}
				if i == len(tokenSenders)-1 && tc.mine == "" {
					continue // nothing comes after the last place
				}
				resp := w.srv.Client().DoRequest(req)
				if tc.want == "" {
					assert.Equal(t, http.StatusUnauthorized, resp.Status, "%s: %s", tc.name, resp.Body)
					continue
				}
				require.Equal(t, http.StatusOK, resp.Status, "%s: %s", tc.name, resp.Body)
				var u sdk.User
				resp.JSON(t, &u)
				assert.Equal(t, tc.want, u.ID, tc.name)
			}
		})
	}

	t.Run("nothing at all", func(t *testing.T) {
		req := w.srv.Client().NewRequest(http.MethodGet, "/api/v2/users/me", nil)
		for _, s := range tokenSenders {
			s.set(req, "")
		}
		req.Header.Set("Authorization", "Bearer    ")
		resp := w.srv.Client().DoRequest(req)
		require.Equal(t, http.StatusUnauthorized, resp.Status)
		assert.Contains(t, resp.Error(t).Detail, "must be provided")
	})
	t.Run("other authorization schemes are not tokens", func(t *testing.T) {
		req := w.srv.Client().NewRequest(http.MethodGet, "/api/v2/users/me", nil)
		req.Header.Set("Authorization", "Basic "+alice)
		assert.Equal(t, http.StatusUnauthorized, w.srv.Client().DoRequest(req).Status)
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	tok := w.owner.Token
	cookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: sdk.SessionTokenCookie, Value: tok}) }
	header := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set(sdk.SessionTokenHeader, v) }
	}
	query := func(r *http.Request) { r.URL.RawQuery = url.Values{sdk.SessionTokenQuery: {tok}}.Encode() }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }

	n := 0
	newOrg := func() any { n++; return sdk.CreateOrganizationRequest{Name: "csrf-" + string(rune('a'+n))} }
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   func() any
		with   []func(*http.Request)
		status int
	}{
		{"POST by cookie alone", http.MethodPost, "/api/v2/organizations", newOrg, []func(*http.Request){cookie}, http.StatusForbidden},
		{"PUT by cookie alone", http.MethodPut, "/api/v2/users/alice/roles", func() any { return sdk.UpdateRoles{Roles: []string{"auditor"}} },
			[]func(*http.Request){cookie}, http.StatusForbidden},
		{"PATCH by cookie alone", http.MethodPatch, "/api/v2/resources/template/" + w.template.ID + "/acl",
			func() any { return sdk.UpdateACL{} }, []func(*http.Request){cookie}, http.StatusForbidden},
		{"DELETE by cookie alone", http.MethodDelete, "/api/v2/resources/template/" + w.template.ID, nil,
			[]func(*http.Request){cookie}, http.StatusForbidden},
		{"logout by cookie alone", http.MethodPost, "/api/v2/users/logout", nil, []func(*http.Request){cookie}, http.StatusForbidden},
		{"cookie with another header", http.MethodPost, "/api/v2/organizations", newOrg,
			[]func(*http.Request){cookie, header(w.alice.Token)}, http.StatusForbidden},
		{"cookie with a bearer token", http.MethodPost, "/api/v2/organizations", newOrg,
			[]func(*http.Request){cookie, bearer}, http.StatusForbidden},
		{"cookie with the same header", http.MethodPost, "/api/v2/organizations", newOrg,
			[]func(*http.Request){cookie, header(tok)}, http.StatusCreated},
		{"header alone", http.MethodPost, "/api/v2/organizations", newOrg, []func(*http.Request){header(tok)}, http.StatusCreated},
		{"query alone", http.MethodPost, "/api/v2/organizations", newOrg, []func(*http.Request){query}, http.StatusCreated},
		{"bearer alone", http.MethodPost, "/api/v2/organizations", newOrg, []func(*http.Request){bearer}, http.StatusCreated},
		{"GET by cookie alone", http.MethodGet, "/api/v2/users/me", nil, []func(*http.Request){cookie}, http.StatusOK},
		{"authcheck by cookie alone", http.MethodPost, "/api/v2/authcheck", func() any { return `{"checks":{}}` },
			[]func(*http.Request){cookie}, http.StatusOK},
	} {
		var body any
		if tc.body != nil {
			body = tc.body()
		}
		req := w.srv.Client().NewRequest(tc.method, tc.path, body)
		for _, f := range tc.with {
			f(req)
		}
		resp := w.srv.Client().DoRequest(req)
		require.Equal(t, tc.status, resp.Status, "%s: %s", tc.name, resp.Body)
		if tc.status == http.StatusForbidden {
			assert.Equal(t, msgCSRF, resp.Error(t).Message, tc.name)
		}
	}
	// The refused requests changed nothing.
	assert.Equal(t, http.StatusOK, w.owner.Do(http.MethodGet, "/api/v2/resources/template/"+w.template.ID, nil).Status)
	assert.Equal(t, http.StatusOK, w.owner.Do(http.MethodGet, "/api/v2/users/me", nil).Status)
	assert.Empty(t, w.srv.Client().WithToken(w.alice.Token).Me().Roles)
}

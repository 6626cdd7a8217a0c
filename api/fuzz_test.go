package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/service"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/mirror"
)

// The fuzz targets drive the real handler (Gin, the service, SQLite) in
// process, against a fake SpiceDB: see fakeSpiceDB for why. The fixture
// is built once per process, which is once per fuzz worker, and every
// target shares it.

const fuzzPassword = "correct-horse-battery"

// fixture is a deployment with an owner (the fake SpiceDB's superuser),
// a plain member, a group, a template and a workspace.
type fixture struct {
	handler    http.Handler
	dir        string
	stop       func()
	ownerToken string
	aliceToken string
	orgID      string
	aliceID    string
	groupID    string
	template   string
	workspace  string
}

var (
	fixtureOnce sync.Once
	theFixture  *fixture
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theFixture != nil {
		theFixture.stop()
		_ = os.RemoveAll(theFixture.dir)
	}
	os.Exit(code)
}

// getFixture returns the process's fixture, building it the first time.
func getFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixtureOnce.Do(func() { theFixture, fixtureErr = newFixture() })
	if fixtureErr != nil {
		tb.Fatalf("build fixture: %v", fixtureErr)
	}
	return theFixture
}

func newFixture() (_ *fixture, err error) {
	ctx := context.Background()
	fx := &fixture{}
	if fx.dir, err = os.MkdirTemp("", "authgate-fuzz-"); err != nil {
		return nil, err
	}
	logs := io.Discard
	if os.Getenv("AUTHGATE_TEST_LOGS") != "" {
		logs = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logs, nil))

	store, err := models.Open(ctx, models.Config{DataDir: fx.dir})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	fake, spice, stopSpice, err := startFakeSpiceDB()
	if err != nil {
		return nil, err
	}
	fx.stop = func() {
		stopSpice()
		_ = store.Close()
	}
	// As serve does at start: the site's relationships, without which
	// SpiceDB counts as not yet populated and every check is refused.
	m := mirror.New(store, spice, log)
	if _, err := m.Reconcile(ctx, true); err != nil {
		return nil, err
	}
	svc, err := service.New(store, spice, m, log, service.Options{
		SessionLifetime: time.Hour,
		PasswordCost:    bcrypt.MinCost,
	})
	if err != nil {
		return nil, err
	}
	a, err := api.New(svc, log, api.Options{})
	if err != nil {
		return nil, err
	}
	fx.handler = a

	var first sdk.CreateFirstUserResponse
	if err := fx.call(http.MethodPost, "/api/v2/users/first", "", sdk.CreateFirstUserRequest{
		Email: "owner@example.com", Username: "owner", Password: fuzzPassword,
	}, http.StatusCreated, &first); err != nil {
		return nil, err
	}
	fake.setSuperuser(first.UserID)
	fx.orgID = first.OrganizationID
	if fx.ownerToken, err = fx.login("owner@example.com"); err != nil {
		return nil, err
	}

	var alice sdk.User
	var group sdk.Group
	var template, workspace sdk.Resource
	steps := []struct {
		path string
		body any
		out  any
	}{
		{"/api/v2/users", sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: fuzzPassword}, &alice},
		{"/api/v2/organizations/" + fx.orgID + "/groups", sdk.CreateGroupRequest{Name: "devs"}, &group},
		{"/api/v2/organizations/" + fx.orgID + "/resources", sdk.CreateResourceRequest{Type: "template"}, &template},
	}
	for _, st := range steps {
		if err := fx.call(http.MethodPost, st.path, fx.ownerToken, st.body, http.StatusCreated, st.out); err != nil {
			return nil, err
		}
	}
	if err := fx.call(http.MethodPost, "/api/v2/organizations/"+fx.orgID+"/resources", fx.ownerToken,
		sdk.CreateResourceRequest{Type: "workspace", OwnerID: alice.ID}, http.StatusCreated, &workspace); err != nil {
		return nil, err
	}
	fx.aliceID, fx.groupID, fx.template, fx.workspace = alice.ID, group.ID, template.ID, workspace.ID
	if fx.aliceToken, err = fx.login("alice@example.com"); err != nil {
		return nil, err
	}
	return fx, nil
}

func (fx *fixture) login(email string) (string, error) {
	var out sdk.LoginWithPasswordResponse
	err := fx.call(http.MethodPost, "/api/v2/users/login", "",
		sdk.LoginWithPasswordRequest{Email: email, Password: fuzzPassword}, http.StatusCreated, &out)
	return out.SessionToken, err
}

// call sends a JSON request while building the fixture.
func (fx *fixture) call(method, path, token string, body any, status int, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	rec := fx.serve(method, path, token, data)
	if rec.Code != status {
		return fmt.Errorf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return json.Unmarshal(rec.Body.Bytes(), out)
}

// serve runs one request through the handler.
func (fx *fixture) serve(method, path, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set(sdk.SessionTokenHeader, token)
	}
	rec := httptest.NewRecorder()
	fx.handler.ServeHTTP(rec, req)
	return rec
}

// requireSane is the property every answer must have: not a 5xx (the
// fake SpiceDB and SQLite are always up, so a 5xx is a bug; a panic
// becomes a 500 too), and a JSON body in Coder's shape.
func requireSane(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNoContent {
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("status %d with Content-Type %q", rec.Code, ct)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("status %d with a body that is not JSON: %q", rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var e sdk.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" {
			t.Fatalf("status %d without a message: %s", rec.Code, rec.Body)
		}
	}
}

// fuzzBody fuzzes the body of one endpoint, seeded with real requests.
func fuzzBody(f *testing.F, method string, path func(*fixture) string, token func(*fixture) string, seeds ...string) {
	fx := getFixture(f)
	for _, s := range append(seeds, ``, `{}`, `null`, `{"a":1}{}`, `[]`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSane(t, fx.serve(method, path(fx), token(fx), body))
	})
}

func asOwner(fx *fixture) string { return fx.ownerToken }
func asNobody(*fixture) string   { return "" }
func fixed(path string) func(*fixture) string {
	return func(*fixture) string { return path }
}

func FuzzCreateFirstUser(f *testing.F) {
	fuzzBody(f, http.MethodPost, fixed("/api/v2/users/first"), asNobody,
		`{"email":"admin@example.com","username":"admin","password":"SomeSecurePassword!","name":"Ad Min"}`,
		`{"email":"x@example.com","username":"x","password":"short"}`)
}

func FuzzLogin(f *testing.F) {
	fuzzBody(f, http.MethodPost, fixed("/api/v2/users/login"), asNobody,
		`{"email":"owner@example.com","password":"`+fuzzPassword+`"}`,
		`{"email":"OWNER@example.com","password":"wrong"}`,
		`{"email":"nobody@example.com","password":"p\u00e4sswo\u0308rd"}`,
		`{"email":"","password":""}`)
}

func FuzzCreateUser(f *testing.F) {
	fuzzBody(f, http.MethodPost, fixed("/api/v2/users"), asOwner,
		`{"email":"bob@example.com","username":"bob","password":"`+fuzzPassword+`","name":"Bob"}`,
		`{"email":"carol@example.com","username":"carol","password":"`+fuzzPassword+`","login_type":"password",`+
			`"organization_ids":["00000000-0000-0000-0000-000000000000"]}`)
}

func FuzzUpdateUserRoles(f *testing.F) {
	fuzzBody(f, http.MethodPut, fixed("/api/v2/users/alice/roles"), asOwner,
		`{"roles":["auditor","template-admin"]}`, `{"roles":[]}`, `{"roles":["member","owner"]}`)
}

func FuzzCreateOrganization(f *testing.F) {
	fuzzBody(f, http.MethodPost, fixed("/api/v2/organizations"), asOwner,
		`{"name":"acme","display_name":"Acme","description":"the company","icon":"/emojis/1f3e2.png"}`)
}

func FuzzUpdateMemberRoles(f *testing.F) {
	fuzzBody(f, http.MethodPut, func(fx *fixture) string {
		return "/api/v2/organizations/" + fx.orgID + "/members/alice/roles"
	}, asOwner,
		`{"roles":["organization-admin"]}`, `{"roles":["organization-auditor","organization-workspace-creation-ban"]}`)
}

func FuzzCreateGroup(f *testing.F) {
	fuzzBody(f, http.MethodPost, func(fx *fixture) string {
		return "/api/v2/organizations/" + fx.orgID + "/groups"
	}, asOwner, `{"name":"ops","display_name":"Operations"}`)
}

func FuzzPatchGroup(f *testing.F) {
	fx := getFixture(f)
	fuzzBody(f, http.MethodPatch, func(fx *fixture) string { return "/api/v2/groups/" + fx.groupID }, asOwner,
		`{"add_users":["`+fx.aliceID+`"]}`, `{"remove_users":["`+fx.aliceID+`"],"display_name":"Devs"}`,
		`{"name":"developers"}`)
}

func FuzzCreateResource(f *testing.F) {
	fx := getFixture(f)
	fuzzBody(f, http.MethodPost, func(fx *fixture) string {
		return "/api/v2/organizations/" + fx.orgID + "/resources"
	}, asOwner,
		`{"type":"workspace","owner_id":"`+fx.aliceID+`"}`,
		`{"type":"template","id":"6f2b5d1e-3c4a-4b8e-9f0a-1d2c3b4a5e6f","disable_everyone_group_access":true}`,
		`{"type":"workspace","owner_id":"me"}`)
}

func FuzzUpdateACL(f *testing.F) {
	fx := getFixture(f)
	fuzzBody(f, http.MethodPatch, func(fx *fixture) string { return "/api/v2/resources/template/" + fx.template + "/acl" }, asOwner,
		`{"user_roles":{"`+fx.aliceID+`":"use"},"group_roles":{"`+fx.groupID+`":"admin"}}`,
		`{"user_roles":{"`+fx.aliceID+`":""},"group_roles":{"`+fx.orgID+`":""}}`)
}

func FuzzUpdateDormancy(f *testing.F) {
	fuzzBody(f, http.MethodPut, func(fx *fixture) string { return "/api/v2/resources/workspace/" + fx.workspace + "/dormant" },
		asOwner, `{"dormant":true}`, `{"dormant":false}`)
}

// checkFields and objectFields are the fields a check may have; any other
// means the request was not understood and must not be answered.
var (
	checkFields  = []string{"action", "object"}
	objectFields = []string{"resource_type", "owner_id", "organization_id", "resource_id", "any_org"}
)

// FuzzAuthcheck: besides the general property, a 200 has exactly the
// request's keys, and only a request whose every check is spelt right is
// answered at all.
func FuzzAuthcheck(f *testing.F) {
	fx := getFixture(f)
	for _, s := range []string{
		`{"checks":{"read users":{"object":{"resource_type":"user"},"action":"read"}}}`,
		`{"checks":{"a":{"object":{"resource_type":"workspace","owner_id":"me","organization_id":"` + fx.orgID +
			`"},"action":"ssh"},"b":{"object":{"resource_type":"template","resource_id":"` + fx.template + `"},"action":"update"}}}`,
		`{"checks":{"c":{"object":{"resource_type":"workspace","any_org":true},"action":"create"}}}`,
		`{"checks":{"d":{"object":{"resource_type":"template","resource_i":"` + fx.template + `"},"action":"delete"}}}`,
		`{"checks":{"e":{"object":{"resource_type":"*","resource_id":"string"},"action":"create"}}}`,
		`{"checks":null}`, `{}`, `{"checks":{}}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, owner bool) {
		token := fx.aliceToken
		if owner {
			token = fx.ownerToken
		}
		rec := fx.serve(http.MethodPost, "/api/v2/authcheck", token, body)
		requireSane(t, rec)
		if rec.Code != http.StatusOK {
			return
		}
		var answers map[string]bool
		if err := json.Unmarshal(rec.Body.Bytes(), &answers); err != nil {
			t.Fatalf("200 that is not a map of booleans: %s", rec.Body)
		}
		var req struct {
			Checks map[string]map[string]json.RawMessage `json:"checks"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("200 for a body encoding/json refuses (%v): %q", err, body)
		}
		want := slices.Sorted(maps.Keys(req.Checks))
		if got := slices.Sorted(maps.Keys(answers)); !slices.Equal(got, want) {
			t.Fatalf("answered keys %q for checks %q", got, want)
		}
		for key, c := range req.Checks {
			requireKnownFields(t, key, c, checkFields)
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(c["object"], &obj); err != nil {
				t.Fatalf("check %q answered with an object that is not one: %s", key, c["object"])
			}
			requireKnownFields(t, key, obj, objectFields)
		}
	})
}

func requireKnownFields(t *testing.T, key string, fields map[string]json.RawMessage, known []string) {
	t.Helper()
	for name := range fields {
		if !slices.Contains(known, name) {
			t.Fatalf("check %q answered although it has the field %q", key, name)
		}
	}
}

// FuzzSessionToken: wherever and however a token is sent, the request is
// either the session's owner's (a real token, found in the order authgate reads tokens) or
// a 401; never a 5xx, never someone else.
func FuzzSessionToken(f *testing.F) {
	fx := getFixture(f)
	for _, seed := range [][4]string{
		{fx.ownerToken, "", "", ""},
		{"", fx.aliceToken, fx.ownerToken, ""},
		{"", "", "", fx.aliceToken},
		{"", "", fx.ownerToken[:11] + "abcdefghijklmnopqrstuv", fx.aliceToken},
		{"abcdefghij-abcdefghijklmnopqrstuv", "", "", ""},
		{"", "", "", strings.Repeat("a", 300)},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	users := map[string]string{fx.ownerToken: "owner", fx.aliceToken: "alice"}
	f.Fuzz(func(t *testing.T, cookie, query, header, bearer string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v2/users/me", nil)
		if cookie != "" {
			req.Header.Set("Cookie", sdk.SessionTokenCookie+"="+cookie)
		}
		if query != "" {
			req.URL.RawQuery = url.Values{sdk.SessionTokenQuery: {query}}.Encode()
		}
		if header != "" {
			req.Header.Set(sdk.SessionTokenHeader, header)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}

		token, source := api.SessionToken(req)
		requireFirstPresent(t, req, token, source)

		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		requireSane(t, rec)
		switch rec.Code {
		case http.StatusOK:
			var u sdk.User
			if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
				t.Fatal(err)
			}
			if users[token] == "" || users[token] != u.Username {
				t.Fatalf("signed in as %q with the %s token %q", u.Username, source, token)
			}
		case http.StatusUnauthorized:
			if users[token] != "" {
				t.Fatalf("a real token (%s) was refused: %s", source, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// requireFirstPresent checks the extraction order: the token comes from
// the first place that has a non-empty value.
func requireFirstPresent(t *testing.T, req *http.Request, token, source string) {
	t.Helper()
	var cookie string
	for _, c := range req.CookiesNamed(sdk.SessionTokenCookie) {
		if c.Value != "" {
			cookie = c.Value
			break
		}
	}
	query := req.URL.Query().Get(sdk.SessionTokenQuery)
	header := req.Header.Get(sdk.SessionTokenHeader)
	scheme, bearer, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	bearer = strings.TrimSpace(bearer)
	if !strings.EqualFold(scheme, "Bearer") {
		bearer = ""
	}
	var want, wantSource string
	switch {
	case cookie != "":
		want, wantSource = cookie, "cookie"
	case query != "":
		want, wantSource = query, "query"
	case header != "":
		want, wantSource = header, "header"
	case bearer != "":
		want, wantSource = bearer, "bearer"
	}
	if token != want || source != wantSource {
		t.Fatalf("extracted %q from %q, want %q from %q", token, source, want, wantSource)
	}
}

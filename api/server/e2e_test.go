package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

const password = "correct-horse-battery"

// world is a small deployment: the first user (site owner), an
// organization admin and a plain member of the default organization, and
// a template and a workspace in it.
type world struct {
	srv                 *apitest.Server
	owner, admin, alice *apitest.Client
	orgID               string
	aliceID, adminID    string
	template, workspace sdk.Resource
}

func newWorld(t *testing.T, opts apitest.Options) *world {
	t.Helper()
	srv := apitest.Start(t, opts)
	anon := srv.Client()
	first := anon.CreateFirstUser(sdk.CreateFirstUserRequest{
		Email: "owner@example.com", Username: "owner", Password: password,
	})
	owner := anon.Login("owner@example.com", password)

	admin := owner.CreateUser(sdk.CreateUserRequest{Email: "admin@example.com", Username: "admin", Password: password})
	alice := owner.CreateUser(sdk.CreateUserRequest{Email: "alice@example.com", Username: "alice", Password: password})
	require.Equal(t, []string{first.OrganizationID}, alice.OrganizationIDs, "new users join the default organization")
	owner.SetMemberRoles(first.OrganizationID, admin.ID, "organization-admin")

	w := &world{
		srv:     srv,
		owner:   owner,
		admin:   anon.Login("admin@example.com", password),
		alice:   anon.Login("alice@example.com", password),
		orgID:   first.OrganizationID,
		aliceID: alice.ID,
		adminID: admin.ID,
	}
	w.template = owner.CreateResource(w.orgID, sdk.CreateResourceRequest{Type: "template"})
	w.workspace = owner.CreateResource(w.orgID, sdk.CreateResourceRequest{Type: "workspace", OwnerID: alice.ID})
	return w
}

// acceptance is Coder's own table for the authcheck endpoint.
func (w *world) acceptance() []struct {
	name                string
	check               sdk.AuthorizationCheck
	owner, admin, alice bool
} {
	return []struct {
		name                string
		check               sdk.AuthorizationCheck
		owner, admin, alice bool
	}{
		{"read all users", check("read", sdk.AuthorizationObject{ResourceType: "user"}), true, true, false},
		{"read workspaces of the organization", check("read", sdk.AuthorizationObject{
			ResourceType: "workspace", OrganizationID: w.orgID,
		}), true, true, false},
		{"read own user", check("read", sdk.AuthorizationObject{ResourceType: "user", OwnerID: "me"}), true, true, true},
		{"read own workspaces in the organization", check("read", sdk.AuthorizationObject{
			ResourceType: "workspace", OrganizationID: w.orgID, OwnerID: "me",
		}), true, true, true},
		{"update the template", check("update", sdk.AuthorizationObject{
			ResourceType: "template", ResourceID: w.template.ID,
		}), true, true, false},
	}
}

func check(action string, obj sdk.AuthorizationObject) sdk.AuthorizationCheck {
	return sdk.AuthorizationCheck{Action: action, Object: obj}
}

// requireAcceptance asks the whole table of each user in one authcheck
// and compares.
func (w *world) requireAcceptance(t *testing.T) {
	t.Helper()
	rows := w.acceptance()
	checks := map[string]sdk.AuthorizationCheck{}
	for _, r := range rows {
		checks[r.name] = r.check
	}
	for _, who := range []struct {
		name   string
		client *apitest.Client
		want   func(int) bool
	}{
		{"owner", w.owner, func(i int) bool { return rows[i].owner }},
		{"organization admin", w.admin, func(i int) bool { return rows[i].admin }},
		{"member", w.alice, func(i int) bool { return rows[i].alice }},
	} {
		got := who.client.Authcheck(checks)
		require.Len(t, got, len(rows), who.name)
		for i, r := range rows {
			assert.Equal(t, who.want(i), got[r.name], "%s: %s", who.name, r.name)
		}
	}
}

func TestAcceptanceTableSurvivesRestartAndRevocation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	w.requireAcceptance(t)

	w.srv.Restart()
	w.requireAcceptance(t)
	w.requireRevocationSeen(t)
}

// requireRevocationSeen revokes the admin's organization role and
// requires the very next request to see it.
func (w *world) requireRevocationSeen(t *testing.T) {
	t.Helper()
	w.owner.SetMemberRoles(w.orgID, w.adminID)
	got := w.admin.Authcheck(map[string]sdk.AuthorizationCheck{
		"users":     check("read", sdk.AuthorizationObject{ResourceType: "user"}),
		"workspace": check("read", sdk.AuthorizationObject{ResourceType: "workspace", OrganizationID: w.orgID}),
		"template":  check("update", sdk.AuthorizationObject{ResourceType: "template", ResourceID: w.template.ID}),
		"own":       check("read", sdk.AuthorizationObject{ResourceType: "user", OwnerID: "me"}),
	})
	assert.Equal(t, map[string]bool{"users": false, "workspace": false, "template": false, "own": true}, got)
}

func TestCoderExampleBody(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	// The request body of Coder's API reference for POST /authcheck.
	body := `{
	  "checks": {
	    "property1": {
	      "action": "create",
	      "object": {
	        "any_org": true,
	        "organization_id": "string",
	        "owner_id": "string",
	        "resource_id": "string",
	        "resource_type": "*"
	      }
	    },
	    "property2": {
	      "action": "create",
	      "object": {
	        "any_org": true,
	        "organization_id": "string",
	        "owner_id": "string",
	        "resource_id": "string",
	        "resource_type": "*"
	      }
	    }
	  }
	}`
	resp := w.owner.Do(http.MethodPost, "/api/v2/authcheck", body)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	var got map[string]bool
	resp.JSON(t, &got)
	// "*" is not a modelled type, so even the owner gets false.
	assert.Equal(t, map[string]bool{"property1": false, "property2": false}, got)

	// The same shape with a modelled type answers by role.
	resp = w.owner.Do(http.MethodPost, "/api/v2/authcheck",
		`{"checks":{"property1":{"action":"create","object":{"resource_type":"workspace"}},`+
			`"property2":{"action":"create","object":{"resource_type":"template","organization_id":"`+w.orgID+`"}}}}`)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	resp.JSON(t, &got)
	assert.Equal(t, map[string]bool{"property1": true, "property2": true}, got)
}

func TestAuthcheckErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{})
	signedOut := "You are signed out or your session has expired. Please sign in again to continue."

	for _, tc := range []struct {
		name    string
		client  *apitest.Client
		body    string
		status  int
		message string
	}{
		{"invalid JSON", w.alice, `{"checks":`, http.StatusBadRequest, "Request body must be valid JSON."},
		{"trailing data", w.alice, `{"checks":{}} {}`, http.StatusBadRequest, "Request body must be valid JSON."},
		{"empty body", w.alice, ``, http.StatusBadRequest, "Request body must be valid JSON."},
		{"checks of the wrong type", w.alice, `{"checks":[]}`, http.StatusBadRequest, "Request body must be valid JSON."},
		{"missing resource_type", w.alice, `{"checks":{"a":{"action":"read","object":{}}}}`,
			http.StatusBadRequest, `Object's "resource_type" field must be defined for key "a".`},
		{"missing object", w.alice, `{"checks":{"b":{"action":"read"}}}`,
			http.StatusBadRequest, `Object's "resource_type" field must be defined for key "b".`},
		{"misspelt resource_id", w.alice, `{"checks":{"a":{"action":"read","object":{"resource_type":"workspace","resource_i":"x"}}}}`,
			http.StatusBadRequest, "Validation failed."},
		{"resource_id not a UUID", w.alice, `{"checks":{"a":{"action":"read","object":{"resource_type":"workspace","resource_id":"x"}}}}`,
			http.StatusBadRequest, "Validation failed."},
		{"no token", w.srv.Client(), `{"checks":{}}`, http.StatusUnauthorized, signedOut},
		{"malformed token", w.srv.Client().WithToken("nope"), `{"checks":{}}`, http.StatusUnauthorized, signedOut},
		{"unknown token", w.srv.Client().WithToken("abcdefghij-abcdefghijklmnopqrstuv"), `{"checks":{}}`, http.StatusUnauthorized, signedOut},
		{"wrong secret", w.srv.Client().WithToken(w.alice.Token[:11] + "abcdefghijklmnopqrstuv"), `{"checks":{}}`, http.StatusUnauthorized, signedOut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.client.Do(http.MethodPost, "/api/v2/authcheck", tc.body)
			require.Equal(t, tc.status, resp.Status, "%s", resp.Body)
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Equal(t, tc.message, resp.Error(t).Message)
		})
	}

	for _, body := range []string{`{}`, `{"checks":null}`, `{"checks":{}}`} {
		resp := w.alice.Do(http.MethodPost, "/api/v2/authcheck", body)
		require.Equal(t, http.StatusOK, resp.Status, body)
		assert.JSONEq(t, `{}`, string(resp.Body), body)
	}
}

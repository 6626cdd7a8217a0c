package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// hostileBodyLimit is the body cap of the hostile-request servers: small,
// so that going past it is cheap.
const hostileBodyLimit = 4096

// route is one endpoint, with the path pattern of the OpenAPI document,
// a path that exists in the world of the hostile tests and, for endpoints
// that read a body, a valid one.
type route struct {
	method, pattern, path string
	authed                bool
	body                  any
}

// hostileWorld is a world with a group, a second organization and a user
// outside the default one.
type hostileWorld struct {
	*world
	group    sdk.Group
	otherOrg sdk.Organization
	outsider sdk.User
}

func newHostileWorld(t *testing.T, opts apitest.Options) *hostileWorld {
	t.Helper()
	opts.API.MaxBodyBytes = hostileBodyLimit
	w := &hostileWorld{world: newWorld(t, opts)}
	w.group = w.owner.CreateGroup(w.orgID, "devs")
	w.otherOrg = w.owner.CreateOrganization("other")
	w.outsider = w.owner.CreateUser(sdk.CreateUserRequest{
		Email: "outsider@example.com", Username: "outsider", Password: password,
		OrganizationIDs: []string{w.otherOrg.ID},
	})
	return w
}

// routes lists every endpoint; TestHostileRoutesCoverTheAPI keeps it
// complete.
func (w *hostileWorld) routes() []route {
	org := "/api/v2/organizations/" + w.orgID
	tpl := "/api/v2/resources/template/" + w.template.ID
	ws := "/api/v2/resources/workspace/" + w.workspace.ID
	group := "/api/v2/groups/" + w.group.ID
	const (
		pOrg      = "/api/v2/organizations/{org}"
		pResource = "/api/v2/resources/{type}/{id}"
	)
	dormant := false
	return []route{
		{http.MethodGet, "/healthz", "/healthz", false, nil},
		{http.MethodGet, "/readyz", "/readyz", false, nil},
		{http.MethodGet, "", "/metrics", false, nil},
		{http.MethodGet, "", "/api/v2/openapi.json", false, nil},
		{http.MethodGet, "/api/v2/buildinfo", "/api/v2/buildinfo", false, nil},
		{http.MethodGet, "/api/v2/users/first", "/api/v2/users/first", false, nil},
		{http.MethodPost, "/api/v2/users/first", "/api/v2/users/first", false,
			sdk.CreateFirstUserRequest{Email: "x@example.com", Username: "x", Password: password}},
		{http.MethodPost, "/api/v2/users/login", "/api/v2/users/login", false, login("alice@example.com", password)},
		{http.MethodPost, "/api/v2/authcheck", "/api/v2/authcheck", true, `{"checks":{}}`},
		{http.MethodPost, "/api/v2/users/logout", "/api/v2/users/logout", true, nil},
		{http.MethodGet, "/api/v2/users/{user}", "/api/v2/users/me", true, nil},
		{http.MethodPost, "/api/v2/users", "/api/v2/users", true,
			sdk.CreateUserRequest{Email: "y@example.com", Username: "y", Password: password}},
		{http.MethodDelete, "/api/v2/users/{user}", "/api/v2/users/outsider", true, nil},
		{http.MethodPut, "/api/v2/users/{user}/roles", "/api/v2/users/alice/roles", true, sdk.UpdateRoles{Roles: []string{}}},
		{http.MethodPut, "/api/v2/users/{user}/status/suspend", "/api/v2/users/alice/status/suspend", true, nil},
		{http.MethodPut, "/api/v2/users/{user}/status/activate", "/api/v2/users/alice/status/activate", true, nil},
		{http.MethodPost, "/api/v2/organizations", "/api/v2/organizations", true, sdk.CreateOrganizationRequest{Name: "third"}},
		{http.MethodGet, pOrg, org, true, nil},
		{http.MethodPost, pOrg + "/members/{user}", org + "/members/outsider", true, nil},
		{http.MethodDelete, pOrg + "/members/{user}", org + "/members/outsider", true, nil},
		{http.MethodPut, pOrg + "/members/{user}/roles", org + "/members/alice/roles", true, sdk.UpdateRoles{Roles: []string{}}},
		{http.MethodPost, pOrg + "/groups", org + "/groups", true, sdk.CreateGroupRequest{Name: "ops"}},
		{http.MethodPost, pOrg + "/resources", org + "/resources", true, sdk.CreateResourceRequest{Type: "template"}},
		{http.MethodGet, "/api/v2/groups/{group}", group, true, nil},
		{http.MethodPatch, "/api/v2/groups/{group}", group, true, sdk.PatchGroupRequest{}},
		{http.MethodDelete, "/api/v2/groups/{group}", group, true, nil},
		{http.MethodGet, pResource, tpl, true, nil},
		{http.MethodDelete, pResource, tpl, true, nil},
		{http.MethodGet, pResource + "/acl", tpl + "/acl", true, nil},
		{http.MethodPatch, pResource + "/acl", tpl + "/acl", true, sdk.UpdateACL{UserRoles: map[string]string{}}},
		{http.MethodPut, pResource + "/dormant", ws + "/dormant", true, sdk.UpdateDormancy{Dormant: &dormant}},
	}
}

// TestHostileRoutesCoverTheAPI requires the hostile tests to know every
// operation of the OpenAPI document, with its body and its session.
func TestHostileRoutesCoverTheAPI(t *testing.T) {
	t.Parallel()
	w := &hostileWorld{world: &world{srv: apitest.Start(t, apitest.Options{})}}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody any `json:"requestBody"`
			Security    any `json:"security"`
		} `json:"paths"`
	}
	resp := w.srv.Client().Do(http.MethodGet, "/api/v2/openapi.json", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	resp.JSON(t, &doc)

	known := map[string]route{}
	for _, r := range w.routes() {
		if r.pattern != "" {
			known[r.method+" "+r.pattern] = r
		}
	}
	var documented int
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented++
			key := strings.ToUpper(method) + " " + path
			r, ok := known[key]
			if !assert.True(t, ok, "the hostile tests do not know %s", key) {
				continue
			}
			assert.Equal(t, op.RequestBody != nil, r.body != nil, "%s: body", key)
			assert.Equal(t, op.Security != nil, r.authed, "%s: session", key)
		}
	}
	assert.Equal(t, len(known), documented, "the hostile tests know operations the API does not have")
}

// TestHostileRequestsEveryEndpoint sends each endpoint the requests a
// careless or hostile client would, and requires the exact status and
// message the API promises for each; nothing may be a 500. It runs on SQLite and,
// where one runs, on Postgres, which refuses some strings SQLite takes.
func TestHostileRequestsEveryEndpoint(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		runHostile(t, apitest.Options{})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		_, url := postgresDatabase(t)
		runHostile(t, apitest.Options{PostgresURL: url})
	})
}

func runHostile(t *testing.T, opts apitest.Options) {
	w := newHostileWorld(t, opts)
	t.Run("no token", func(t *testing.T) { w.noToken(t) })
	t.Run("bad bodies", func(t *testing.T) { w.badBodies(t) })
	t.Run("per endpoint", func(t *testing.T) { w.perEndpoint(t) })
	t.Run("authcheck", func(t *testing.T) { w.authcheck(t) })
}

// noToken: every endpoint that needs a session refuses a request without
// one, before looking at anything else.
func (w *hostileWorld) noToken(t *testing.T) {
	for _, r := range w.routes() {
		if !r.authed {
			continue
		}
		resp := w.srv.Client().Do(r.method, r.path, r.body)
		require.Equal(t, http.StatusUnauthorized, resp.Status, "%s %s: %s", r.method, r.path, resp.Body)
		assert.Equal(t, msgSignedOut, resp.Error(t).Message, "%s %s", r.method, r.path)
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	}
}

// badBodies: every endpoint that reads a body refuses each broken one.
func (w *hostileWorld) badBodies(t *testing.T) {
	tooLarge := fmt.Sprintf("Request body must be at most %d bytes.", hostileBodyLimit)
	big := `{"name":"` + strings.Repeat("a", hostileBodyLimit) + `"}`
	bodies := []struct {
		name    string
		body    any
		chunked bool
		status  int
		message string
	}{
		{"empty", "", false, http.StatusBadRequest, msgBadJSON},
		{"only spaces", "  \n\t ", false, http.StatusBadRequest, msgBadJSON},
		{"truncated", `{"name":`, false, http.StatusBadRequest, msgBadJSON},
		{"null", `null`, false, http.StatusBadRequest, msgBadJSON},
		{"an array", `[]`, false, http.StatusBadRequest, msgBadJSON},
		{"a string", `"{}"`, false, http.StatusBadRequest, msgBadJSON},
		{"a number", `1`, false, http.StatusBadRequest, msgBadJSON},
		{"two objects", `{}{}`, false, http.StatusBadRequest, msgBadJSON},
		{"trailing garbage", `{} x`, false, http.StatusBadRequest, msgBadJSON},
		{"a comment", `{/* */}`, false, http.StatusBadRequest, msgBadJSON},
		{"single quotes", `{'name':'x'}`, false, http.StatusBadRequest, msgBadJSON},
		{"not UTF-8", "{\"name\":\"\xc3\x28\"}", false, http.StatusBadRequest, msgBadJSON},
		{"a UTF-8 byte order mark", "\xef\xbb\xbf{}", false, http.StatusBadRequest, msgBadJSON},
		{"a leading no-break space", "\u00a0{}", false, http.StatusBadRequest, msgBadJSON},
		{"too large", big, false, http.StatusRequestEntityTooLarge, tooLarge},
		{"too large, length unknown", big, true, http.StatusRequestEntityTooLarge, tooLarge},
	}
	for _, r := range w.routes() {
		if r.body == nil {
			continue
		}
		client := w.owner
		if !r.authed {
			client = w.srv.Client()
		}
		for _, b := range bodies {
			req := client.NewRequest(r.method, r.path, b.body)
			if b.chunked {
				req.Body = io.NopCloser(strings.NewReader(b.body.(string)))
				req.ContentLength = -1
			}
			resp := client.DoRequest(req)
			require.Equal(t, b.status, resp.Status, "%s %s, %s: %s", r.method, r.path, b.name, resp.Body)
			assert.Equal(t, b.message, resp.Error(t).Message, "%s %s, %s", r.method, r.path, b.name)
		}
	}
}

// hostileCase is one request and the answer it must get.
type hostileCase struct {
	name         string
	client       *apitest.Client
	method, path string
	body         any
	status       int
	message      string
}

func (w *hostileWorld) perEndpoint(t *testing.T) {
	nobody := uuid.NewString()
	org := "/api/v2/organizations/" + w.orgID
	tpl := "/api/v2/resources/template/" + w.template.ID
	ws := "/api/v2/resources/workspace/" + w.workspace.ID
	long := strings.Repeat("x", 10000)
	everyone := "/api/v2/groups/" + w.orgID
	owner, alice := w.owner, w.alice

	cases := []hostileCase{
		// Routing.
		{"unknown route", owner, http.MethodGet, "/api/v2/nope", nil, http.StatusNotFound, "Route not found."},
		{"trailing slash", owner, http.MethodGet, "/api/v2/users/me/", nil, http.StatusNotFound, "Route not found."},
		{"dot segments", owner, http.MethodGet, "/api/v2/users/../users/me", nil, http.StatusNotFound, "Route not found."},
		{"wrong method", owner, http.MethodPut, "/api/v2/authcheck", nil, http.StatusMethodNotAllowed, "Method not allowed."},
		{"wrong method, operations", owner, http.MethodPost, "/healthz", nil, http.StatusMethodNotAllowed, "Method not allowed."},

		// First user.
		{"first user again", owner, http.MethodPost, "/api/v2/users/first",
			sdk.CreateFirstUserRequest{Email: "x@example.com", Username: "x", Password: password},
			http.StatusConflict, "The initial user has already been created."},
		{"first user, invalid", owner, http.MethodPost, "/api/v2/users/first",
			sdk.CreateFirstUserRequest{Email: "not an email", Username: "x", Password: password}, http.StatusBadRequest, msgValidation},
		{"first user, wrong type", owner, http.MethodPost, "/api/v2/users/first", `{"email":["x"]}`, http.StatusBadRequest, msgBadJSON},

		// Login.
		{"login, huge email", w.srv.Client(), http.MethodPost, "/api/v2/users/login",
			login(strings.Repeat("a", 3000)+"@example.com", password), http.StatusUnauthorized, msgBadCredentials},
		{"login, NUL in email", w.srv.Client(), http.MethodPost, "/api/v2/users/login",
			login("alice\x00@example.com", password), http.StatusUnauthorized, msgBadCredentials},
		{"login, email of the wrong type", w.srv.Client(), http.MethodPost, "/api/v2/users/login",
			`{"email":{"$ne":""},"password":"x"}`, http.StatusBadRequest, msgBadJSON},

		// Users.
		{"unknown user", owner, http.MethodGet, "/api/v2/users/nobody", nil, http.StatusNotFound, "User not found."},
		{"unknown user id", owner, http.MethodGet, "/api/v2/users/" + nobody, nil, http.StatusNotFound, "User not found."},
		{"NUL user", owner, http.MethodGet, "/api/v2/users/%00", nil, http.StatusNotFound, "User not found."},
		{"not UTF-8 user", owner, http.MethodGet, "/api/v2/users/%FF%FE", nil, http.StatusNotFound, "User not found."},
		{"long user", owner, http.MethodGet, "/api/v2/users/" + long, nil, http.StatusNotFound, "User not found."},
		{"SQL in user", owner, http.MethodGet, "/api/v2/users/x'%20OR%20'1'='1", nil, http.StatusNotFound, "User not found."},
		{"user hidden from a member", alice, http.MethodGet, "/api/v2/users/owner", nil, http.StatusNotFound, "User not found."},
		{"upper-case user id", owner, http.MethodGet, "/api/v2/users/" + strings.ToUpper(w.aliceID), nil, http.StatusOK, ""},
		{"create user as a member", alice, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "z@example.com", Username: "z", Password: password},
			http.StatusForbidden, "You are not allowed to create users."},
		{"create user, NUL in name", owner, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "z@example.com", Username: "z", Name: "a\x00b", Password: password}, http.StatusBadRequest, msgValidation},
		{"create user, bad organization id", owner, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "z@example.com", Username: "z", Password: password, OrganizationIDs: []string{"x"}},
			http.StatusBadRequest, msgValidation},
		{"create user, unknown organization", owner, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "z@example.com", Username: "z", Password: password, OrganizationIDs: []string{nobody}},
			http.StatusBadRequest, msgValidation},
		{"create user, other login type", owner, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "z@example.com", Username: "z", Password: password, LoginType: "oidc"},
			http.StatusBadRequest, msgValidation},
		{"create user, organization ids of the wrong type", owner, http.MethodPost, "/api/v2/users",
			`{"email":"z@example.com","username":"z","password":"correct-horse","organization_ids":"x"}`, http.StatusBadRequest, msgBadJSON},
		{"create user, email taken", owner, http.MethodPost, "/api/v2/users",
			sdk.CreateUserRequest{Email: "ALICE@example.com", Username: "z", Password: password},
			http.StatusConflict, "A user with that email or username already exists."},
		{"delete oneself", owner, http.MethodDelete, "/api/v2/users/me", nil, http.StatusBadRequest, "You cannot delete yourself."},
		{"delete unknown user", owner, http.MethodDelete, "/api/v2/users/" + nobody, nil, http.StatusNotFound, "User not found."},
		{"delete hidden user", alice, http.MethodDelete, "/api/v2/users/owner", nil, http.StatusNotFound, "User not found."},
		{"roles missing", owner, http.MethodPut, "/api/v2/users/alice/roles", `{}`, http.StatusBadRequest, msgValidation},
		{"roles null", owner, http.MethodPut, "/api/v2/users/alice/roles", `{"roles":null}`, http.StatusBadRequest, msgValidation},
		{"unknown role", owner, http.MethodPut, "/api/v2/users/alice/roles", sdk.UpdateRoles{Roles: []string{"god"}},
			http.StatusBadRequest, msgValidation},
		{"roles of the wrong type", owner, http.MethodPut, "/api/v2/users/alice/roles", `{"roles":"owner"}`, http.StatusBadRequest, msgBadJSON},
		{"own roles", owner, http.MethodPut, "/api/v2/users/me/roles", sdk.UpdateRoles{Roles: []string{}},
			http.StatusBadRequest, "You cannot change your own roles."},
		{"own roles as a member", alice, http.MethodPut, "/api/v2/users/me/roles", sdk.UpdateRoles{Roles: []string{"owner"}},
			http.StatusBadRequest, "You cannot change your own roles."},
		{"roles of a hidden user", alice, http.MethodPut, "/api/v2/users/admin/roles", sdk.UpdateRoles{Roles: []string{}},
			http.StatusNotFound, "User not found."},
		{"suspend oneself", owner, http.MethodPut, "/api/v2/users/me/status/suspend", nil, http.StatusBadRequest,
			"You cannot change your own status."},
		{"suspend unknown user", owner, http.MethodPut, "/api/v2/users/%00/status/suspend", nil, http.StatusNotFound, "User not found."},
		{"suspend as a member", alice, http.MethodPut, "/api/v2/users/admin/status/suspend", nil, http.StatusNotFound, "User not found."},

		// Organizations.
		{"create organization as a member", alice, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "mine"}, http.StatusForbidden, "You are not allowed to create organizations."},
		{"organization name missing", owner, http.MethodPost, "/api/v2/organizations", `{}`, http.StatusBadRequest, msgValidation},
		{"organization name with a space", owner, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "a b"}, http.StatusBadRequest, msgValidation},
		{"organization description with NUL", owner, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "nul", Description: "a\x00b"}, http.StatusBadRequest, msgValidation},
		{"organization display name with NUL", owner, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "nul", DisplayName: "\x00"}, http.StatusBadRequest, msgValidation},
		{"organization icon with NUL", owner, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "nul", Icon: "\x00"}, http.StatusBadRequest, msgValidation},
		{"organization name taken", owner, http.MethodPost, "/api/v2/organizations",
			sdk.CreateOrganizationRequest{Name: "CODER"}, http.StatusConflict, `An organization named "CODER" already exists.`},
		{"unknown organization", owner, http.MethodGet, "/api/v2/organizations/nope", nil, http.StatusNotFound, "Organization not found."},
		{"NUL organization", owner, http.MethodGet, "/api/v2/organizations/%00", nil, http.StatusNotFound, "Organization not found."},
		{"not UTF-8 organization", owner, http.MethodGet, "/api/v2/organizations/%C3%28", nil, http.StatusNotFound, "Organization not found."},
		{"hidden organization", alice, http.MethodGet, "/api/v2/organizations/other", nil, http.StatusNotFound, "Organization not found."},
		{"add a member twice", owner, http.MethodPost, org + "/members/alice", nil, http.StatusConflict,
			"The user is already a member of this organization."},
		{"add an unknown member", owner, http.MethodPost, org + "/members/" + nobody, nil, http.StatusNotFound, "User not found."},
		{"add a member as a member", alice, http.MethodPost, org + "/members/me", nil, http.StatusForbidden,
			"You are not allowed to add members to this organization."},
		{"add to a NUL organization", owner, http.MethodPost, "/api/v2/organizations/%00/members/alice", nil,
			http.StatusNotFound, "Organization not found."},
		{"remove a member as a member", alice, http.MethodDelete, org + "/members/me", nil, http.StatusForbidden,
			"You are not allowed to remove members from this organization."},
		{"remove a non-member", owner, http.MethodDelete, org + "/members/outsider", nil, http.StatusNotFound,
			"Organization member not found."},
		{"member roles, site role", owner, http.MethodPut, org + "/members/alice/roles", sdk.UpdateRoles{Roles: []string{"owner"}},
			http.StatusBadRequest, msgValidation},
		{"member roles missing", owner, http.MethodPut, org + "/members/alice/roles", `{"roles":null}`, http.StatusBadRequest, msgValidation},
		{"own member roles", alice, http.MethodPut, org + "/members/me/roles", sdk.UpdateRoles{Roles: []string{"organization-admin"}},
			http.StatusBadRequest, "You cannot change your own organization roles."},
		{"member roles of a non-member", owner, http.MethodPut, org + "/members/outsider/roles", sdk.UpdateRoles{Roles: []string{}},
			http.StatusNotFound, "Organization member not found."},

		// Groups.
		{"group name missing", owner, http.MethodPost, org + "/groups", `{}`, http.StatusBadRequest, msgValidation},
		{"group name taken", owner, http.MethodPost, org + "/groups", sdk.CreateGroupRequest{Name: "DEVS"}, http.StatusConflict,
			`A group named "DEVS" already exists in this organization.`},
		{"group as a member", alice, http.MethodPost, org + "/groups", sdk.CreateGroupRequest{Name: "mine"}, http.StatusForbidden,
			"You are not allowed to create groups in this organization."},
		{"group in an unknown organization", owner, http.MethodPost, "/api/v2/organizations/" + nobody + "/groups",
			sdk.CreateGroupRequest{Name: "x"}, http.StatusNotFound, "Organization not found."},
		{"group, display name with NUL", owner, http.MethodPost, org + "/groups",
			sdk.CreateGroupRequest{Name: "nul", DisplayName: "\x00"}, http.StatusBadRequest, msgValidation},
		{"not a group id", owner, http.MethodGet, "/api/v2/groups/x", nil, http.StatusNotFound, "Group not found."},
		{"unknown group", owner, http.MethodGet, "/api/v2/groups/" + nobody, nil, http.StatusNotFound, "Group not found."},
		{"change Everyone", owner, http.MethodPatch, everyone, sdk.PatchGroupRequest{AddUsers: []string{w.adminID}},
			http.StatusBadRequest, "The Everyone group cannot be changed: its members are the organization's members."},
		{"delete Everyone", owner, http.MethodDelete, everyone, nil, http.StatusBadRequest, "The Everyone group cannot be deleted."},
		{"add a non-UUID", owner, http.MethodPatch, "/api/v2/groups/" + w.group.ID, sdk.PatchGroupRequest{AddUsers: []string{"x"}},
			http.StatusBadRequest, msgValidation},
		{"add a non-member", owner, http.MethodPatch, "/api/v2/groups/" + w.group.ID,
			sdk.PatchGroupRequest{AddUsers: []string{w.outsider.ID}}, http.StatusBadRequest, msgValidation},
		{"add and remove", owner, http.MethodPatch, "/api/v2/groups/" + w.group.ID,
			sdk.PatchGroupRequest{AddUsers: []string{w.aliceID}, RemoveUsers: []string{w.aliceID}}, http.StatusBadRequest, msgValidation},
		{"add users of the wrong type", owner, http.MethodPatch, "/api/v2/groups/" + w.group.ID, `{"add_users":"x"}`,
			http.StatusBadRequest, msgBadJSON},
		{"delete unknown group", owner, http.MethodDelete, "/api/v2/groups/" + nobody, nil, http.StatusNotFound, "Group not found."},

		// Resources.
		{"unknown resource type", owner, http.MethodPost, org + "/resources", sdk.CreateResourceRequest{Type: "bogus"},
			http.StatusBadRequest, msgValidation},
		{"resource id not a UUID", owner, http.MethodPost, org + "/resources", sdk.CreateResourceRequest{Type: "template", ID: "x"},
			http.StatusBadRequest, msgValidation},
		{"resource owner not a UUID", owner, http.MethodPost, org + "/resources",
			sdk.CreateResourceRequest{Type: "workspace", OwnerID: "x"}, http.StatusBadRequest, msgValidation},
		{"resource owner unknown", owner, http.MethodPost, org + "/resources",
			sdk.CreateResourceRequest{Type: "workspace", OwnerID: nobody}, http.StatusBadRequest, msgValidation},
		{"resource owner not a member", owner, http.MethodPost, org + "/resources",
			sdk.CreateResourceRequest{Type: "workspace", OwnerID: w.outsider.ID}, http.StatusBadRequest, msgValidation},
		{"resource id taken", owner, http.MethodPost, org + "/resources",
			sdk.CreateResourceRequest{Type: "template", ID: w.template.ID}, http.StatusConflict,
			"A resource with id " + w.template.ID + " already exists."},
		{"template as a member", alice, http.MethodPost, org + "/resources", sdk.CreateResourceRequest{Type: "template"},
			http.StatusForbidden, "You are not allowed to create a template here."},
		{"resource in a NUL organization", owner, http.MethodPost, "/api/v2/organizations/%00/resources",
			sdk.CreateResourceRequest{Type: "template"}, http.StatusNotFound, "Organization not found."},
		{"resource of unknown type", owner, http.MethodGet, "/api/v2/resources/bogus/" + nobody, nil, http.StatusBadRequest, msgValidation},
		{"resource id not a UUID", owner, http.MethodGet, "/api/v2/resources/template/x", nil, http.StatusBadRequest, msgValidation},
		{"unknown resource", owner, http.MethodGet, "/api/v2/resources/template/" + nobody, nil, http.StatusNotFound, "Resource not found."},
		{"resource under the other type", owner, http.MethodGet, "/api/v2/resources/workspace/" + w.template.ID, nil,
			http.StatusNotFound, "Resource not found."},
		{"delete a template as a member", alice, http.MethodDelete, tpl, nil, http.StatusForbidden, "You are not allowed to delete this resource."},
		{"change an ACL as a member", alice, http.MethodPatch, tpl + "/acl", sdk.UpdateACL{}, http.StatusForbidden,
			"You are not allowed to change this resource."},
		{"ACL user not a UUID", owner, http.MethodPatch, tpl + "/acl", sdk.UpdateACL{UserRoles: map[string]string{"x": "use"}},
			http.StatusBadRequest, msgValidation},
		{"ACL unknown role", owner, http.MethodPatch, tpl + "/acl", sdk.UpdateACL{UserRoles: map[string]string{w.aliceID: "god"}},
			http.StatusBadRequest, msgValidation},
		{"ACL unknown user", owner, http.MethodPatch, tpl + "/acl", sdk.UpdateACL{UserRoles: map[string]string{nobody: "use"}},
			http.StatusBadRequest, msgValidation},
		{"ACL group of another organization", owner, http.MethodPatch, tpl + "/acl",
			sdk.UpdateACL{GroupRoles: map[string]string{w.otherOrg.ID: "use"}}, http.StatusBadRequest, msgValidation},
		{"ACL with a misspelt field", owner, http.MethodPatch, tpl + "/acl", `{"user_role":{"` + w.aliceID + `":""}}`,
			http.StatusBadRequest, msgValidation},
		{"ACL of the wrong type", owner, http.MethodPatch, tpl + "/acl", `{"user_roles":[]}`, http.StatusBadRequest, msgBadJSON},
		{"dormant template", owner, http.MethodPut, tpl + "/dormant", `{"dormant":true}`, http.StatusBadRequest, msgValidation},
		{"dormant missing", owner, http.MethodPut, ws + "/dormant", `{}`, http.StatusBadRequest, msgValidation},
		{"dormant null", owner, http.MethodPut, ws + "/dormant", `{"dormant":null}`, http.StatusBadRequest, msgValidation},
		{"dormant of the wrong type", owner, http.MethodPut, ws + "/dormant", `{"dormant":"yes"}`, http.StatusBadRequest, msgBadJSON},
	}
	for _, tc := range cases {
		resp := tc.client.Do(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, resp.Status, "%s: %s %.80s: %.300s", tc.name, tc.method, tc.path, resp.Body)
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), tc.name)
		if tc.message != "" {
			assert.Equal(t, tc.message, resp.Error(t).Message, tc.name)
		}
	}

	// Nothing above changed the world.
	w.requireAcceptance(t)
}

// authcheck: a check that could be misread is refused, never answered.
func (w *hostileWorld) authcheck(t *testing.T) {
	// The owner may delete any template, so a question about one that does
	// not exist is false only while it is read as being about that one.
	missing := uuid.NewString()
	object := func(fields string) string {
		return `{"checks":{"k":{"action":"delete","object":{` + fields + `}}}}`
	}
	intended := object(`"resource_type":"template","resource_id":"` + missing + `"`)
	resp := w.owner.Do(http.MethodPost, "/api/v2/authcheck", intended)
	require.Equal(t, http.StatusOK, resp.Status, "%s", resp.Body)
	require.JSONEq(t, `{"k":false}`, string(resp.Body))
	resp = w.owner.Do(http.MethodPost, "/api/v2/authcheck", object(`"resource_type":"template"`))
	require.JSONEq(t, `{"k":true}`, string(resp.Body), "the misread question would be true")

	for _, tc := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"resource_i", object(`"resource_type":"template","resource_i":"` + missing + `"`), http.StatusBadRequest, msgValidation},
		{"resource_typ", object(`"resource_typ":"template","resource_id":"` + missing + `"`), http.StatusBadRequest, msgValidation},
		{"any_orgg", object(`"resource_type":"template","any_orgg":true`), http.StatusBadRequest, msgValidation},
		{"organization_idd", object(`"resource_type":"template","organization_idd":"` + w.orgID + `"`), http.StatusBadRequest, msgValidation},
		{"RESOURCE_ID in capitals", object(`"resource_type":"template","RESOURCE_ID":"` + missing + `"`), http.StatusBadRequest, msgValidation},
		{"resource_id with a long s", object(`"resource_type":"template","re\u017fource_id":"` + missing + `"`),
			http.StatusBadRequest, msgValidation},
		{"resource_id twice", object(`"resource_type":"template","resource_id":"` + missing + `","resource_id":""`),
			http.StatusBadRequest, msgValidation},
		{"resource_id null", object(`"resource_type":"template","resource_id":null`), http.StatusBadRequest, msgValidation},
		{"resource_id empty", object(`"resource_type":"template","resource_id":""`), http.StatusBadRequest, msgValidation},
		{"resource_id a number", object(`"resource_type":"template","resource_id":1`), http.StatusBadRequest, msgValidation},
		{"object null", `{"checks":{"k":{"action":"delete","object":null}}}`, http.StatusBadRequest, msgValidation},
		{"object an array", `{"checks":{"k":{"action":"delete","object":[]}}}`, http.StatusBadRequest, msgValidation},
		{"actoin", `{"checks":{"k":{"actoin":"delete","object":{"resource_type":"template"}}}}`, http.StatusBadRequest, msgValidation},
		{"action null", `{"checks":{"k":{"action":null,"object":{"resource_type":"template"}}}}`, http.StatusBadRequest, msgValidation},
		{"check null", `{"checks":{"k":null}}`, http.StatusBadRequest, msgValidation},
		{"check a string", `{"checks":{"k":"delete"}}`, http.StatusBadRequest, msgValidation},
		{"key twice", `{"checks":{"k":{"action":"delete","object":{"resource_type":"template","resource_id":"` + missing +
			`"}},"k":{"action":"delete","object":{"resource_type":"template"}}}}`, http.StatusBadRequest, msgBadJSON},
		{"key twice, escaped", `{"checks":{"k":{"action":"read","object":{"resource_type":"template"}},` +
			`"\u006b":{"action":"read","object":{"resource_type":"template"}}}}`, http.StatusBadRequest, msgBadJSON},
		{"resource_id not a UUID", object(`"resource_type":"template","resource_id":"x"`), http.StatusBadRequest, msgValidation},
		{"checks an array", `{"checks":[]}`, http.StatusBadRequest, msgBadJSON},
		{"checks a string", `{"checks":"x"}`, http.StatusBadRequest, msgBadJSON},
	} {
		resp := w.owner.Do(http.MethodPost, "/api/v2/authcheck", tc.body)
		require.Equal(t, tc.status, resp.Status, "%s: %s", tc.name, resp.Body)
		if tc.message != "" {
			assert.Equal(t, tc.message, resp.Error(t).Message, tc.name)
		}
		assert.NotContains(t, string(resp.Body), "true", "%s: nothing may be answered true", tc.name)
	}

}

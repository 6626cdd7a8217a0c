package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/authgate/authgate/api/sdk"
)

// access says what a route needs before its handler runs.
type access int

const (
	// operations routes sit outside /api/v2: no limits, no session.
	operations access = iota
	// public routes need no session but count against the API limit.
	public
	// login is public and also limited per client address.
	login
	// session routes need a session; a cookie alone may call them since
	// they change nothing.
	session
	// sessionWrite routes need a session and, when it comes from the
	// cookie alone, the header token too (CSRF).
	sessionWrite
)

// route is one endpoint: what registers it with Gin and what documents it
// in the OpenAPI document, from one table so the two cannot differ.
type route struct {
	method  string
	path    string
	access  access
	handler func(*API) gin.HandlerFunc
	summary string
	// request is the body's type, nil for none.
	request any
	status  int
	// response is the success body's type, nil for none.
	response any
}

func h(f func(*API, *gin.Context)) func(*API) gin.HandlerFunc {
	return func(a *API) gin.HandlerFunc { return func(c *gin.Context) { f(a, c) } }
}

// routeTable lists every endpoint.
var routeTable = []route{
	{http.MethodGet, "/healthz", operations, h((*API).getHealthz), "The process is up", nil, 200, sdk.Response{}},
	{http.MethodGet, "/readyz", operations, h((*API).getReadyz), "The database and SpiceDB answer", nil, 200, sdk.Response{}},

	{http.MethodGet, "/api/v2/buildinfo", public, h((*API).getBuildInfo), "Build and deployment information", nil, 200, sdk.BuildInfoResponse{}},
	{http.MethodGet, "/api/v2/users/first", public, h((*API).getFirstUser), "Whether the first user exists", nil, 200, sdk.Response{}},
	{http.MethodPost, "/api/v2/users/first", public, h((*API).postFirstUser), "Create the first user, site owner of a new default organization", sdk.CreateFirstUserRequest{}, 201, sdk.CreateFirstUserResponse{}},
	{http.MethodPost, "/api/v2/users/login", login, h((*API).postLogin), "Sign in with email and password", sdk.LoginWithPasswordRequest{}, 201, sdk.LoginWithPasswordResponse{}},

	{http.MethodPost, "/api/v2/authcheck", session, h((*API).postAuthcheck), "Answer named authorization checks", sdk.AuthorizationRequest{}, 200, sdk.AuthorizationResponse{}},

	{http.MethodPost, "/api/v2/users/logout", sessionWrite, h((*API).postLogout), "End the session", nil, 200, sdk.Response{}},
	{http.MethodPost, "/api/v2/users", sessionWrite, h((*API).postUser), "Create a user", sdk.CreateUserRequest{}, 201, sdk.User{}},
	{http.MethodGet, "/api/v2/users/:user", sessionWrite, h((*API).getUser), "Get a user by id, username or me", nil, 200, sdk.User{}},
	{http.MethodDelete, "/api/v2/users/:user", sessionWrite, h((*API).deleteUser), "Delete a user", nil, 204, nil},
	{http.MethodPut, "/api/v2/users/:user/roles", sessionWrite, h((*API).putUserRoles), "Replace a user's site roles", sdk.UpdateRoles{}, 200, sdk.User{}},
	{http.MethodPut, "/api/v2/users/:user/status/suspend", sessionWrite, h((*API).putUserSuspend), "Suspend a user", nil, 200, sdk.User{}},
	{http.MethodPut, "/api/v2/users/:user/status/activate", sessionWrite, h((*API).putUserActivate), "Activate a user", nil, 200, sdk.User{}},

	{http.MethodPost, "/api/v2/organizations", sessionWrite, h((*API).postOrganization), "Create an organization", sdk.CreateOrganizationRequest{}, 201, sdk.Organization{}},
	{http.MethodGet, "/api/v2/organizations/:org", sessionWrite, h((*API).getOrganization), "Get an organization by id or name", nil, 200, sdk.Organization{}},
	{http.MethodPost, "/api/v2/organizations/:org/members/:user", sessionWrite, h((*API).postMember), "Add a member", nil, 200, sdk.OrganizationMember{}},
	{http.MethodDelete, "/api/v2/organizations/:org/members/:user", sessionWrite, h((*API).deleteMember), "Remove a member", nil, 204, nil},
	{http.MethodPut, "/api/v2/organizations/:org/members/:user/roles", sessionWrite, h((*API).putMemberRoles), "Replace a member's organization roles", sdk.UpdateRoles{}, 200, sdk.OrganizationMember{}},
	{http.MethodPost, "/api/v2/organizations/:org/groups", sessionWrite, h((*API).postGroup), "Create a group", sdk.CreateGroupRequest{}, 201, sdk.Group{}},
	{http.MethodPost, "/api/v2/organizations/:org/resources", sessionWrite, h((*API).postResource), "Record a workspace or template", sdk.CreateResourceRequest{}, 201, sdk.Resource{}},

	{http.MethodGet, "/api/v2/groups/:group", sessionWrite, h((*API).getGroup), "Get a group", nil, 200, sdk.Group{}},
	{http.MethodPatch, "/api/v2/groups/:group", sessionWrite, h((*API).patchGroup), "Add or remove members, rename", sdk.PatchGroupRequest{}, 200, sdk.Group{}},
	{http.MethodDelete, "/api/v2/groups/:group", sessionWrite, h((*API).deleteGroup), "Delete a group", nil, 204, nil},

	{http.MethodGet, "/api/v2/resources/:type/:id", sessionWrite, h((*API).getResource), "Get a resource", nil, 200, sdk.Resource{}},
	{http.MethodDelete, "/api/v2/resources/:type/:id", sessionWrite, h((*API).deleteResource), "Delete a resource and every relationship of it", nil, 204, nil},
	{http.MethodGet, "/api/v2/resources/:type/:id/acl", sessionWrite, h((*API).getACL), "List a resource's shares", nil, 200, sdk.ACL{}},
	{http.MethodPatch, "/api/v2/resources/:type/:id/acl", sessionWrite, h((*API).patchACL), "Share a resource with users and groups", sdk.UpdateACL{}, 200, sdk.ACL{}},
	{http.MethodPut, "/api/v2/resources/:type/:id/dormant", sessionWrite, h((*API).putDormant), "Mark a workspace dormant or active", sdk.UpdateDormancy{}, 200, sdk.Resource{}},
}

// routes registers every endpoint of routeTable, and the two that are
// not part of the API proper: /metrics and the OpenAPI document.
func (a *API) routes(e *gin.Engine) {
	e.GET("/metrics", gin.WrapH(a.metricsHandler()))
	e.GET("/api/v2/openapi.json", a.limitAPI, a.getOpenAPI)

	chains := map[access][]gin.HandlerFunc{
		operations:   nil,
		public:       {a.limitBody, a.deadline, a.limitAPI},
		login:        {a.limitBody, a.deadline, a.limitAPI, a.limitLogins},
		session:      {a.limitBody, a.deadline, a.authenticate, a.limitAPI},
		sessionWrite: {a.limitBody, a.deadline, a.authenticate, a.limitAPI, a.csrf},
	}
	for _, r := range routeTable {
		handlers := append(append([]gin.HandlerFunc{}, chains[r.access]...), r.handler(a))
		e.Handle(r.method, r.path, handlers...)
	}
}

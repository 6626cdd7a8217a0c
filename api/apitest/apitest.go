// Package apitest runs a real authgate (HTTP on loopback, SpiceDB and a
// database) for tests, and drives it through its HTTP API the way a
// client would.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/server"
	"github.com/authgate/authgate/api/service"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/spicedb"
)

// Options configure a test server. The zero value runs SQLite in a
// temporary directory and SpiceDB in-process, without rate limits.
type Options struct {
	// DataDir holds SQLite; a temporary directory when empty.
	DataDir string
	// PostgresURL selects Postgres instead of SQLite.
	PostgresURL string
	// SpiceDB selects an external SpiceDB instead of the in-process one.
	SpiceDB spicedb.Config
	// API overrides the HTTP options.
	API api.Options
	// Logs, when set, receives the server's log.
	Logs io.Writer
	// SessionLifetime defaults to 24 h.
	SessionLifetime time.Duration
	// PasswordCost is bcrypt's cost factor. Zero is bcrypt's minimum:
	// tests sign in often, and the cost is not what most of them test.
	PasswordCost int
}

// Server is a running authgate.
type Server struct {
	URL  string
	opts Options
	t    testing.TB

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.DataDir == "" && opts.PostgresURL == "" {
		opts.DataDir = t.TempDir()
	}
	s := &Server{opts: opts, t: t}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) config(address string) server.Config {
	logs := s.opts.Logs
	if logs == nil {
		logs = io.Discard
		if os.Getenv("AUTHGATE_TEST_LOGS") != "" {
			logs = os.Stderr
		}
	}
	lifetime := s.opts.SessionLifetime
	if lifetime == 0 {
		lifetime = 24 * time.Hour
	}
	cost := s.opts.PasswordCost
	if cost == 0 {
		cost = bcrypt.MinCost
	}
	return server.Config{
		HTTPAddress:     address,
		Database:        models.Config{PostgresURL: s.opts.PostgresURL, DataDir: s.opts.DataDir},
		SpiceDB:         s.opts.SpiceDB,
		StartupTimeout:  10 * time.Second,
		ShutdownTimeout: 5 * time.Second,
		MirrorInterval:  200 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Service: service.Options{
			SessionLifetime: lifetime,
			PasswordCost:    cost,
			Version:         "v0.0.0-test",
		},
		API: s.opts.API,
	}
}

func (s *Server) start() {
	s.t.Helper()
	address := "127.0.0.1:0"
	if s.URL != "" {
		// Come back on the same port, so clients keep working.
		address = strings.TrimPrefix(s.URL, "http://")
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, s.config(address))
	if err != nil {
		cancel()
		require.NoError(s.t, err, "start authgate")
	}
	s.URL = "http://" + srv.Addr()
	s.cancel = cancel
	s.done = make(chan error, 1)
	go func() { s.done <- srv.Run(ctx) }()
}

// Stop shuts the server down and waits for it. Stopping twice is fine.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	require.NoError(s.t, <-s.done, "authgate did not stop cleanly")
}

// Restart stops the server and starts it again on the same data.
func (s *Server) Restart() {
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start()
}

// Client returns a client without a session.
func (s *Server) Client() *Client { return NewClient(s.t, s.URL) }

// NewClient returns a client without a session for the authgate at base
// (http://host:port), such as one running in another process.
func NewClient(t testing.TB, base string) *Client {
	return &Client{t: t, base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// Client calls the API. Its token, when set, goes in the
// Coder-Session-Token header.
type Client struct {
	t     testing.TB
	base  string
	http  *http.Client
	Token string
}

// WithToken returns a client that sends token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "decode %s", r.Body)
}

// Error decodes Coder's error body.
func (r *Response) Error(t testing.TB) sdk.Response {
	t.Helper()
	var e sdk.Response
	r.JSON(t, &e)
	return e
}

// Do sends a request. body may be nil, a []byte or string sent as is, or
// a value sent as JSON.
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	return c.DoRequest(c.NewRequest(method, path, body))
}

// NewRequest builds a request with the client's token.
func (c *Client) NewRequest(method, path string, body any) *http.Request {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set(sdk.SessionTokenHeader, c.Token)
	}
	return req
}

// DoRequest sends a prepared request.
func (c *Client) DoRequest(req *http.Request) *Response {
	c.t.Helper()
	resp, err := c.http.Do(req)
	require.NoError(c.t, err, "%s %s", req.Method, req.URL.Path)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// must sends a request, requires the status, and decodes the body into
// out when out is not nil.
func (c *Client) must(status int, method, path string, body, out any) {
	c.t.Helper()
	resp := c.Do(method, path, body)
	require.Equal(c.t, status, resp.Status, "%s %s: %s", method, path, resp.Body)
	if out != nil {
		resp.JSON(c.t, out)
	}
}

// CreateFirstUser creates the first user.
func (c *Client) CreateFirstUser(req sdk.CreateFirstUserRequest) sdk.CreateFirstUserResponse {
	c.t.Helper()
	var out sdk.CreateFirstUserResponse
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/users/first", req, &out)
	return out
}

// Login signs in and returns a client holding the session.
func (c *Client) Login(email, password string) *Client {
	c.t.Helper()
	var out sdk.LoginWithPasswordResponse
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/users/login",
		sdk.LoginWithPasswordRequest{Email: email, Password: password}, &out)
	return c.WithToken(out.SessionToken)
}

// Me returns the signed-in user.
func (c *Client) Me() sdk.User {
	c.t.Helper()
	var u sdk.User
	c.must(http.StatusOK, http.MethodGet, "/api/v2/users/me", nil, &u)
	return u
}

// CreateUser creates a user.
func (c *Client) CreateUser(req sdk.CreateUserRequest) sdk.User {
	c.t.Helper()
	var u sdk.User
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/users", req, &u)
	return u
}

// SetSiteRoles replaces a user's site roles.
func (c *Client) SetSiteRoles(user string, roles ...string) sdk.User {
	c.t.Helper()
	var u sdk.User
	c.must(http.StatusOK, http.MethodPut, "/api/v2/users/"+user+"/roles",
		sdk.UpdateRoles{Roles: append([]string{}, roles...)}, &u)
	return u
}

// CreateOrganization creates an organization.
func (c *Client) CreateOrganization(name string) sdk.Organization {
	c.t.Helper()
	var o sdk.Organization
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/organizations",
		sdk.CreateOrganizationRequest{Name: name}, &o)
	return o
}

// AddMember adds a user to an organization.
func (c *Client) AddMember(org, user string) sdk.OrganizationMember {
	c.t.Helper()
	var m sdk.OrganizationMember
	c.must(http.StatusOK, http.MethodPost, "/api/v2/organizations/"+org+"/members/"+user, nil, &m)
	return m
}

// RemoveMember removes a user from an organization.
func (c *Client) RemoveMember(org, user string) {
	c.t.Helper()
	c.must(http.StatusNoContent, http.MethodDelete, "/api/v2/organizations/"+org+"/members/"+user, nil, nil)
}

// SetMemberRoles replaces a member's organization roles.
func (c *Client) SetMemberRoles(org, user string, roles ...string) sdk.OrganizationMember {
	c.t.Helper()
	var m sdk.OrganizationMember
	c.must(http.StatusOK, http.MethodPut, "/api/v2/organizations/"+org+"/members/"+user+"/roles",
		sdk.UpdateRoles{Roles: append([]string{}, roles...)}, &m)
	return m
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(org, name string) sdk.Group {
	c.t.Helper()
	var g sdk.Group
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/organizations/"+org+"/groups",
		sdk.CreateGroupRequest{Name: name}, &g)
	return g
}

// PatchGroup changes a group's members.
func (c *Client) PatchGroup(group string, req sdk.PatchGroupRequest) sdk.Group {
	c.t.Helper()
	var g sdk.Group
	c.must(http.StatusOK, http.MethodPatch, "/api/v2/groups/"+group, req, &g)
	return g
}

// CreateResource records a workspace or template.
func (c *Client) CreateResource(org string, req sdk.CreateResourceRequest) sdk.Resource {
	c.t.Helper()
	var r sdk.Resource
	c.must(http.StatusCreated, http.MethodPost, "/api/v2/organizations/"+org+"/resources", req, &r)
	return r
}

// UpdateACL changes a resource's shares.
func (c *Client) UpdateACL(typ, id string, req sdk.UpdateACL) sdk.ACL {
	c.t.Helper()
	var acl sdk.ACL
	c.must(http.StatusOK, http.MethodPatch, "/api/v2/resources/"+typ+"/"+id+"/acl", req, &acl)
	return acl
}

// SetDormant marks a workspace dormant or active.
func (c *Client) SetDormant(id string, dormant bool) sdk.Resource {
	c.t.Helper()
	var r sdk.Resource
	c.must(http.StatusOK, http.MethodPut, "/api/v2/resources/workspace/"+id+"/dormant",
		sdk.UpdateDormancy{Dormant: &dormant}, &r)
	return r
}

// Authcheck asks the checks and returns the answers, requiring 200.
func (c *Client) Authcheck(checks map[string]sdk.AuthorizationCheck) map[string]bool {
	c.t.Helper()
	var out map[string]bool
	c.must(http.StatusOK, http.MethodPost, "/api/v2/authcheck",
		sdk.AuthorizationRequest{Checks: checks}, &out)
	return out
}

// Check asks one check and returns its answer.
func (c *Client) Check(check sdk.AuthorizationCheck) bool {
	c.t.Helper()
	answers := c.Authcheck(map[string]sdk.AuthorizationCheck{"check": check})
	require.Len(c.t, answers, 1)
	return answers["check"]
}

// Query appends query parameters to a path.
func Query(path string, params map[string]string) string {
	v := url.Values{}
	for k, p := range params {
		v.Set(k, p)
	}
	return path + "?" + v.Encode()
}

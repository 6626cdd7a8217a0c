package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/service"
)

// Context keys.
const (
	keyRequestID   = "authgate.request_id"
	keyActor       = "authgate.actor"
	keyTokenSource = "authgate.token_source"
)

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

func actorOf(c *gin.Context) service.Actor {
	actor, _ := c.Get(keyActor)
	a, _ := actor.(service.Actor)
	return a
}

// observe gives each request an id, and after it ends writes one access
// log line and the request metrics. The line has the path without its
// query string, which may hold a session token.
func (a *API) observe(c *gin.Context) {
	start := time.Now()
	id := uuid.NewString()
	c.Set(keyRequestID, id)
	c.Header("X-Request-Id", id)

	c.Next()

	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	a.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	a.metrics.duration.WithLabelValues(c.Request.Method, route).Observe(elapsed.Seconds())

	attrs := []any{
		"request_id", id,
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"status", status,
		"duration_ms", float64(elapsed.Microseconds()) / 1000,
		"client", c.ClientIP(),
	}
	if actor := actorOf(c); actor.User.ID != "" {
		attrs = append(attrs, "user_id", actor.User.ID)
	}
	a.log.InfoContext(c.Request.Context(), "request", attrs...)
}

// recoverPanic turns a panic into a 500 with the request id, logging the
// panic value (never the request).
func (a *API) recoverPanic(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			a.fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// limitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, which decode answers with 413. A declared length
// over the cap is refused before reading anything.
func (a *API) limitBody(c *gin.Context) {
	if c.Request.ContentLength > a.opts.MaxBodyBytes {
		writeMessage(c, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body must be at most %d bytes.", a.opts.MaxBodyBytes), "")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, a.opts.MaxBodyBytes)
	c.Next()
}

// deadline bounds how long a request may take; past it, the service's
// calls fail and the client gets a 503 rather than a partial answer.
func (a *API) deadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), a.opts.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// rateLimited answers 429 in Coder's words.
func rateLimited(c *gin.Context, n int, window time.Duration) {
	// A window under a second would otherwise say "Retry-After: 0".
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(window.Seconds())))))
	writeMessage(c, http.StatusTooManyRequests,
		fmt.Sprintf("You've been rate limited for sending more than %d requests in %s.", n, window), "")
}

// limitLogins applies the per-client-address limit on sign-in attempts.
// TODO: as in Coder, nothing limits attempts per account, so guesses at
// one password spread over many addresses are slowed only by bcrypt.
func (a *API) limitLogins(c *gin.Context) {
	if a.loginLimiter != nil && !a.loginLimiter.allow(c.ClientIP()) {
		rateLimited(c, a.loginLimiter.n, a.loginLimiter.window)
		return
	}
	c.Next()
}

// limitAPI applies the API-wide limit, per signed-in user, or per client
// address before sign-in, as Coder does.
func (a *API) limitAPI(c *gin.Context) {
	if !a.allowAPI(c) {
		rateLimited(c, a.apiLimiter.n, a.apiLimiter.window)
		return
	}
	c.Next()
}

// allowAPI takes one request from the caller's API allowance.
func (a *API) allowAPI(c *gin.Context) bool {
	if a.apiLimiter == nil {
		return true
	}
	key := "ip:" + c.ClientIP()
	if actor := actorOf(c); actor.User.ID != "" {
		key = "user:" + actor.User.ID
	}
	return a.apiLimiter.allow(key)
}

// Token sources, in the order they are read: cookie, query, header, Bearer.
const (
	sourceCookie = "cookie"
	sourceQuery  = "query"
	sourceHeader = "header"
	sourceBearer = "bearer"
)

// sessionToken finds the request's session token and where it came from.
// An empty value counts as absent.
func sessionToken(r *http.Request) (token, source string) {
	for _, ck := range r.CookiesNamed(sdk.SessionTokenCookie) {
		if ck.Value != "" {
			return ck.Value, sourceCookie
		}
	}
	for _, v := range r.URL.Query()[sdk.SessionTokenQuery] {
		if v != "" {
			return v, sourceQuery
		}
	}
	if v := r.Header.Get(sdk.SessionTokenHeader); v != "" {
		return v, sourceHeader
	}
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, rest, ok := strings.Cut(v, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(rest), sourceBearer
		}
	}
	return "", ""
}

// maxTokenLength bounds what is even looked at; a real token is 33
// characters, so anything much longer is refused without work.
const maxTokenLength = 256

// authenticate requires a valid session and puts its actor in the
// context. A failed attempt counts against the client address's API
// allowance, so that guessing tokens is as limited as any other request
// made before sign-in.
func (a *API) authenticate(c *gin.Context) {
	token, source := sessionToken(c.Request)
	var err error
	switch {
	case token == "":
		err = signedOut(fmt.Sprintf(
			"Cookie %q, query parameter %q, header %q or an \"Authorization: Bearer\" header must be provided.",
			sdk.SessionTokenCookie, sdk.SessionTokenQuery, sdk.SessionTokenHeader))
	case len(token) > maxTokenLength:
		err = signedOut(fmt.Sprintf("The session token is too long: a token is %d characters.", service.TokenLength))
	default:
		var actor service.Actor
		actor, err = a.svc.Authenticate(c.Request.Context(), token)
		if err == nil {
			c.Set(keyActor, actor)
			c.Set(keyTokenSource, source)
			c.Next()
			return
		}
	}
	if !a.allowAPI(c) {
		rateLimited(c, a.apiLimiter.n, a.apiLimiter.window)
		return
	}
	a.fail(c, err)
}

// signedOut is the API's 401, the same for every bad session; detail says
// what was wrong with the token.
func signedOut(detail string) error {
	return &service.Error{
		Kind:    service.KindUnauthenticated,
		Message: "You are signed out or your session has expired. Please sign in again to continue.",
		Detail:  detail,
	}
}

// safeMethod reports whether a method changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrf refuses a state-changing request whose only credential is the
// session cookie, which a browser attaches to requests any site makes.
// As in Coder, such a request must also carry the token in the
// Coder-Session-Token header, which another site cannot read or set.
// Clients that send the token in a header or query are unaffected.
func (a *API) csrf(c *gin.Context) {
	if safeMethod(c.Request.Method) || c.GetString(keyTokenSource) != sourceCookie {
		c.Next()
		return
	}
	// The token the request was authenticated with is the cookie's.
	token, _ := sessionToken(c.Request)
	if header := c.GetHeader(sdk.SessionTokenHeader); header != "" && header == token {
		c.Next()
		return
	}
	writeMessage(c, http.StatusForbidden,
		"Something is wrong with your CSRF token. Send the session token in the Coder-Session-Token header as well as the cookie.",
		"A state-changing request authenticated by the session cookie alone is refused.")
}

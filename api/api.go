package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/api/service"
)

func init() {
	// Gin's debug mode prints every route at start and warns on stdout.
	gin.SetMode(gin.ReleaseMode)
}

// Options tune the HTTP layer. Zero values take the defaults below.
type Options struct {
	// MaxBodyBytes caps request bodies. Default 1 MiB: a thousand-check
	// authcheck is about 200 KiB.
	MaxBodyBytes int64
	// MaxChecks caps the checks in one authcheck. Default 1000.
	MaxChecks int
	// RequestTimeout bounds each API request. Default 10 s.
	RequestTimeout time.Duration
	// LoginRateLimit is the sign-in attempts allowed per client address
	// per LoginRateWindow; 0 turns the limit off. Coder's default is 60 a
	// minute.
	LoginRateLimit  int
	LoginRateWindow time.Duration
	// APIRateLimit is the API requests allowed per user (or per client
	// address before sign-in) per APIRateWindow; 0 turns it off.
	APIRateLimit  int
	APIRateWindow time.Duration
	// SecureCookies marks the session cookie Secure, for HTTPS.
	SecureCookies bool
	// TrustedProxies are the addresses whose X-Forwarded-For is believed
	// when finding a client's address. None by default: behind no proxy,
	// a client could otherwise claim any address and dodge rate limits.
	TrustedProxies []string
	// Registry receives authgate's metrics; Gatherer is what /metrics
	// serves (the registry plus, say, SpiceDB's default one).
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
}

func (o *Options) defaults() {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxChecks == 0 {
		o.MaxChecks = 1000
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.LoginRateWindow == 0 {
		o.LoginRateWindow = time.Minute
	}
	if o.APIRateWindow == 0 {
		o.APIRateWindow = time.Minute
	}
	if o.Registry == nil {
		reg := prometheus.NewRegistry()
		o.Registry, o.Gatherer = reg, reg
	}
}

// API is the HTTP handler.
type API struct {
	svc          *service.Service
	log          *slog.Logger
	opts         Options
	metrics      *metrics
	loginLimiter *keyedLimiter
	apiLimiter   *keyedLimiter
	engine       *gin.Engine
}

// New builds the handler for svc.
func New(svc *service.Service, log *slog.Logger, opts Options) (*API, error) {
	opts.defaults()
	a := &API{svc: svc, log: log, opts: opts, metrics: newMetrics(opts.Registry)}
	if opts.LoginRateLimit > 0 {
		a.loginLimiter = newKeyedLimiter(opts.LoginRateLimit, opts.LoginRateWindow)
	}
	if opts.APIRateLimit > 0 {
		a.apiLimiter = newKeyedLimiter(opts.APIRateLimit, opts.APIRateWindow)
	}

	e := gin.New()
	if err := e.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, err
	}
	e.HandleMethodNotAllowed = true
	e.Use(a.observe, a.recoverPanic)
	e.NoRoute(func(c *gin.Context) {
		writeMessage(c, http.StatusNotFound, "Route not found.", "")
	})
	e.NoMethod(func(c *gin.Context) {
		writeMessage(c, http.StatusMethodNotAllowed, "Method not allowed.", "")
	})
	a.routes(e)
	a.engine = e
	return a, nil
}

// ServeHTTP serves a request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.engine.ServeHTTP(w, r) }

// routes registers every endpoint.
func (a *API) routes(e *gin.Engine) {
	e.GET("/healthz", a.getHealthz)
	e.GET("/readyz", a.getReadyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(a.opts.Gatherer, promhttp.HandlerOpts{})))

	v2 := e.Group("/api/v2", a.limitBody, a.deadline)
	v2.GET("", a.getRoot)
	v2.GET("/buildinfo", a.getBuildInfo)
	v2.GET("/openapi.json", a.getOpenAPI)

	public := v2.Group("", a.limitAPI)
	public.GET("/users/first", a.getFirstUser)
	public.POST("/users/first", a.postFirstUser)
	public.POST("/users/login", a.limitLogins, a.postLogin)

	authed := v2.Group("", a.authenticate, a.limitAPI)
	// authcheck changes nothing, so a cookie alone may ask it.
	authed.POST("/authcheck", a.postAuthcheck)

	w := authed.Group("", a.csrf)
	w.POST("/users/logout", a.postLogout)
	w.GET("/users/:user", a.getUser)
	w.POST("/users", a.postUser)
	w.DELETE("/users/:user", a.deleteUser)
	w.PUT("/users/:user/roles", a.putUserRoles)
	w.PUT("/users/:user/status/suspend", a.putUserStatus(userSuspended))
	w.PUT("/users/:user/status/activate", a.putUserStatus(userActive))

	w.POST("/organizations", a.postOrganization)
	w.GET("/organizations/:org", a.getOrganization)
	w.POST("/organizations/:org/members/:user", a.postMember)
	w.DELETE("/organizations/:org/members/:user", a.deleteMember)
	w.PUT("/organizations/:org/members/:user/roles", a.putMemberRoles)
	w.POST("/organizations/:org/groups", a.postGroup)
	w.POST("/organizations/:org/resources", a.postResource)

	w.GET("/groups/:group", a.getGroup)
	w.PATCH("/groups/:group", a.patchGroup)
	w.DELETE("/groups/:group", a.deleteGroup)

	w.GET("/resources/:type/:id", a.getResource)
	w.DELETE("/resources/:type/:id", a.deleteResource)
	w.GET("/resources/:type/:id/acl", a.getACL)
	w.PATCH("/resources/:type/:id/acl", a.patchACL)
	w.PUT("/resources/:type/:id/dormant", a.putDormant)
}

func (a *API) getRoot(c *gin.Context) {
	c.JSON(http.StatusOK, sdk.Response{Message: "👋"})
}

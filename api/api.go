package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	if svc != nil {
		if err := opts.Registry.Register(newOutboxCollector(svc.Outbox)); err != nil {
			return nil, fmt.Errorf("register outbox metrics: %w", err)
		}
	}
	if opts.LoginRateLimit > 0 {
		a.loginLimiter = newKeyedLimiter(opts.LoginRateLimit, opts.LoginRateWindow)
	}
	if opts.APIRateLimit > 0 {
		a.apiLimiter = newKeyedLimiter(opts.APIRateLimit, opts.APIRateWindow)
	}

	e := gin.New()
	if err := e.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	e.HandleMethodNotAllowed = true
	// Gin answers "/users/me/" with a redirect to "/users/me", an HTML
	// body; every answer of this API is JSON, so such paths are not found.
	e.RedirectTrailingSlash = false
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

// metricsHandler serves the Prometheus metrics.
func (a *API) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.opts.Gatherer, promhttp.HandlerOpts{})
}

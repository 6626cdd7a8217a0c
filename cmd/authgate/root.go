package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/server"
	"github.com/authgate/authgate/api/service"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/spicedb"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.0.0-devel"

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "authgate", version)
		},
	}
}

// exitCode is an error that only sets the process's exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func asExitCode(err error, target *exitCode) bool { return errors.As(err, target) }

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "authgate",
		Short: "Relationship-based authorization with Coder's API, answered by SpiceDB",
		Long: `authgate signs users in and answers Coder's POST /api/v2/authcheck from
SpiceDB, keeping users, organizations, roles, groups and resources in SQL.

Every flag can also be set with an environment variable: AUTHGATE_ and the
flag's name in capitals with underscores (--http-address is
AUTHGATE_HTTP_ADDRESS). A flag given on the command line wins.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(newServeCommand(), newMigrateCommand(), newReconcileCommand(), newVersionCommand())
	return root
}

// settings are the flags shared by the commands that touch the database
// and SpiceDB.
type settings struct {
	dataDir         string
	postgresURL     string
	postgresConns   int
	spicedbEndpoint string
	spicedbKey      string
	spicedbInsecure bool
	spicedbCAPath   string
	logLevel        string
	logFormat       string
}

func (s *settings) register(fs *pflag.FlagSet) {
	s.registerDatabase(fs)
	s.registerSpiceDB(fs)
}

// registerDatabase adds the flags that choose the database, and logging.
func (s *settings) registerDatabase(fs *pflag.FlagSet) {
	fs.StringVar(&s.dataDir, "data-dir", "./data",
		"directory of the SQLite database, used when --postgres-url is empty")
	fs.StringVar(&s.postgresURL, "postgres-url", "",
		"Postgres connection URL (postgres://user:pass@host:5432/db?sslmode=disable); empty uses SQLite")
	fs.IntVar(&s.postgresConns, "postgres-max-conns", models.DefaultMaxConns,
		"most Postgres connections this process opens; replicas times this must fit Postgres's max_connections")
	fs.StringVar(&s.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&s.logFormat, "log-format", "text", "log format: text or json")
}

// registerSpiceDB adds the flags that choose SpiceDB.
func (s *settings) registerSpiceDB(fs *pflag.FlagSet) {
	fs.StringVar(&s.spicedbEndpoint, "spicedb-endpoint", "",
		"host:port of an external SpiceDB's gRPC API; empty runs SpiceDB in-process on its in-memory datastore")
	fs.StringVar(&s.spicedbKey, "spicedb-preshared-key", "",
		"preshared key of the external SpiceDB (required with --spicedb-endpoint)")
	fs.BoolVar(&s.spicedbInsecure, "spicedb-insecure", false,
		"talk to the external SpiceDB in plaintext, for local stacks")
	fs.StringVar(&s.spicedbCAPath, "spicedb-ca-path", "",
		"PEM file of CA certificates for the external SpiceDB's TLS; empty uses the system's")
}

// validate checks the settings, naming the one at fault.
func (s *settings) validate() error {
	if s.postgresURL == "" && s.dataDir == "" {
		return errors.New("--data-dir must not be empty when --postgres-url is not set")
	}
	if s.postgresURL != "" {
		if err := checkPostgresURL(s.postgresURL); err != nil {
			return fmt.Errorf("--postgres-url: %w", err)
		}
	}
	if s.postgresConns < 2 {
		// One connection holds the relationship sync's lock while the
		// sync itself queries on another.
		return errors.New("--postgres-max-conns must be at least 2")
	}
	if s.spicedbEndpoint == "" {
		if s.spicedbKey != "" || s.spicedbInsecure || s.spicedbCAPath != "" {
			return errors.New("--spicedb-preshared-key, --spicedb-insecure and --spicedb-ca-path need --spicedb-endpoint")
		}
		return nil
	}
	if s.spicedbKey == "" {
		return errors.New("--spicedb-preshared-key is required with --spicedb-endpoint")
	}
	if s.spicedbInsecure && s.spicedbCAPath != "" {
		return errors.New("--spicedb-insecure and --spicedb-ca-path exclude each other")
	}
	if s.spicedbCAPath != "" {
		pem, err := os.ReadFile(s.spicedbCAPath)
		if err != nil {
			return fmt.Errorf("--spicedb-ca-path: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return fmt.Errorf("--spicedb-ca-path: %s holds no PEM certificate", s.spicedbCAPath)
		}
	}
	return nil
}

// checkPostgresURL rejects what is not a postgres:// URL. Its errors never
// repeat the URL, which may hold a password.
func checkPostgresURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the part they stumbled on, which may be a
		// piece of the password.
		return errors.New("not a valid URL; characters such as @, : or % in the user name or password must be percent-encoded")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return errors.New("must be a URL starting with postgres:// or postgresql://")
	}
	return nil
}

func (s *settings) database() models.Config {
	return models.Config{PostgresURL: s.postgresURL, DataDir: s.dataDir, MaxConns: s.postgresConns}
}

func (s *settings) spicedb() spicedb.Config {
	return spicedb.Config{
		Endpoint:     s.spicedbEndpoint,
		PresharedKey: s.spicedbKey,
		Insecure:     s.spicedbInsecure,
		CAPath:       s.spicedbCAPath,
	}
}

func (s *settings) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch s.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", s.logFormat)
}

// bindEnvironment sets every flag not given on the command line from its
// AUTHGATE_* variable, and adds the variable's name to the flag's help.
func bindEnvironment(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		env := envName(f.Name)
		if f.Changed || noEnvironment(f) {
			return
		}
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
			f.Changed = true
		}
	})
	return errors.Join(errs...)
}

func envName(flag string) string {
	return "AUTHGATE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// annotateEnvironment appends each flag's variable to its help text.
func annotateEnvironment(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if !noEnvironment(f) {
			f.Usage += " [" + envName(f.Name) + "]"
		}
	})
}

// noEnvAnnotation marks a flag that is an action of one run, not a
// setting, so that a variable left in the environment cannot trigger it.
const noEnvAnnotation = "authgate-no-env"

func noEnvironment(f *pflag.Flag) bool {
	_, ok := f.Annotations[noEnvAnnotation]
	return ok
}

// serveConfig is the part of serve's flags beyond the shared settings.
type serveConfig struct {
	httpAddress     string
	sessionDuration time.Duration
	passwordCost    int
	loginRateLimit  int
	apiRateLimit    int
	maxChecks       int
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	startupTimeout  time.Duration
	secureCookies   bool
	trustedProxies  []string
	externalURL     string
	embeddedSpiceDB string
	maxBodyBytes    int64
	mirrorInterval  time.Duration
}

func (c *serveConfig) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.httpAddress, "http-address", "127.0.0.1:8080", "address the HTTP API listens on")
	fs.DurationVar(&c.sessionDuration, "session-duration", 24*time.Hour,
		"how long a session lasts; use pushes the end forward (at most hourly)")
	fs.IntVar(&c.passwordCost, "password-hash-cost", 10,
		"bcrypt cost for new password hashes (4-31); each step doubles the time a login takes")
	fs.IntVar(&c.loginRateLimit, "login-rate-limit", 60,
		"sign-in attempts allowed per client address per minute; 0 disables")
	fs.IntVar(&c.apiRateLimit, "api-rate-limit", 512,
		"API requests allowed per user (per client address before sign-in) per minute; 0 disables")
	fs.IntVar(&c.maxChecks, "max-authcheck-checks", 1000, "most checks one authcheck request may have")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted, in bytes")
	fs.DurationVar(&c.requestTimeout, "request-timeout", 10*time.Second,
		"longest an API request may take; past it the request fails with 503")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 15*time.Second,
		"how long requests in flight get to finish on SIGTERM")
	fs.DurationVar(&c.startupTimeout, "startup-timeout", time.Minute,
		"how long to wait at start for an external SpiceDB to answer")
	fs.BoolVar(&c.secureCookies, "secure-cookies", false, "mark the session cookie Secure (serve over HTTPS)")
	fs.StringSliceVar(&c.trustedProxies, "trusted-proxies", nil,
		"addresses or CIDRs of reverse proxies whose X-Forwarded-For is trusted")
	fs.StringVar(&c.externalURL, "external-url", "", "URL clients reach authgate at, reported by buildinfo")
	fs.DurationVar(&c.mirrorInterval, "relationship-retry-interval", 2*time.Second,
		"how often relationship changes SpiceDB has not taken yet are retried")
	fs.StringVar(&c.embeddedSpiceDB, "embedded-spicedb-address", "",
		"with the in-process SpiceDB, also serve its gRPC API on this address (plaintext; for debugging)")
}

func (c *serveConfig) validate() error {
	switch {
	case c.httpAddress == "":
		return errors.New("--http-address must not be empty")
	case c.sessionDuration < time.Minute:
		return errors.New("--session-duration must be at least 1m")
	case c.passwordCost < 4 || c.passwordCost > 31:
		return errors.New("--password-hash-cost must be between 4 and 31")
	case c.loginRateLimit < 0 || c.apiRateLimit < 0:
		return errors.New("--login-rate-limit and --api-rate-limit must not be negative")
	case c.maxChecks < 1:
		return errors.New("--max-authcheck-checks must be at least 1")
	case c.maxBodyBytes < 1024:
		return errors.New("--max-body-bytes must be at least 1024")
	case c.requestTimeout <= 0:
		return errors.New("--request-timeout must be positive")
	case c.mirrorInterval <= 0:
		return errors.New("--relationship-retry-interval must be positive")
	}
	return nil
}

func (c *serveConfig) server(s *settings, log *slog.Logger) server.Config {
	return server.Config{
		HTTPAddress:            c.httpAddress,
		Database:               s.database(),
		SpiceDB:                s.spicedb(),
		EmbeddedSpiceDBAddress: c.embeddedSpiceDB,
		StartupTimeout:         c.startupTimeout,
		ShutdownTimeout:        c.shutdownTimeout,
		MirrorInterval:         c.mirrorInterval,
		Logger:                 log,
		Service: service.Options{
			SessionLifetime: c.sessionDuration,
			PasswordCost:    c.passwordCost,
			Version:         version,
			ExternalURL:     c.externalURL,
		},
		API: api.Options{
			MaxBodyBytes:   c.maxBodyBytes,
			MaxChecks:      c.maxChecks,
			RequestTimeout: c.requestTimeout,
			LoginRateLimit: c.loginRateLimit,
			APIRateLimit:   c.apiRateLimit,
			SecureCookies:  c.secureCookies,
			TrustedProxies: c.trustedProxies,
		},
	}
}

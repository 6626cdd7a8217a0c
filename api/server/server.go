// Package server assembles authgate from its configuration: the database,
// SpiceDB (in-process or external), the relationship mirror, the service
// and the HTTP API, and runs them until told to stop.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/service"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema"
	"github.com/authgate/authgate/schema/mirror"
	"github.com/authgate/authgate/schema/spicedb"
	"github.com/authgate/authgate/schema/spicedb/embedded"
)

// Config is everything authgate serve needs.
type Config struct {
	// HTTPAddress is where the API listens.
	HTTPAddress string
	// Database selects SQLite under a data directory or Postgres.
	Database models.Config
	// SpiceDB selects an external SpiceDB; an empty Endpoint runs one
	// in-process on the in-memory datastore.
	SpiceDB spicedb.Config
	// EmbeddedSpiceDBAddress, with the in-process SpiceDB, also serves its
	// gRPC API on this TCP address.
	EmbeddedSpiceDBAddress string
	// StartupTimeout is how long to wait for an external SpiceDB to answer
	// at start.
	StartupTimeout time.Duration
	// ShutdownTimeout is how long requests in flight get to finish.
	ShutdownTimeout time.Duration
	// MirrorInterval is how often pending relationship changes are
	// retried in the background.
	MirrorInterval time.Duration
	Service        service.Options
	API            api.Options
	Logger         *slog.Logger
}

// Server is a running authgate.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *models.Store
	spice    *spicedb.Client
	embedded *embedded.Server
	mirror   *mirror.Mirror
	handler  http.Handler
	listener net.Listener
	// releases undo the claims this process holds on its database.
	releases []func()
}

// New opens every dependency and prepares SpiceDB: writes the schema if
// it differs, then rebuilds the in-process SpiceDB from the database, or
// applies the changes an external one is missing. It listens first, so a
// bad or busy address fails before anything else starts, but serves
// nothing until Run.
func New(ctx context.Context, cfg Config) (_ *Server, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	if s.listener, err = net.Listen("tcp", cfg.HTTPAddress); err != nil {
		return nil, fmt.Errorf("listen on http address %q: %w", cfg.HTTPAddress, err)
	}
	if s.store, err = models.Open(ctx, cfg.Database); err != nil {
		return nil, err
	}
	if err = s.claim(ctx); err != nil {
		return nil, err
	}
	if cfg.Database.PostgresURL == "" {
		log.InfoContext(ctx, "database: sqlite", "path", filepath.Join(cfg.Database.DataDir, "authgate.db"))
	} else {
		log.InfoContext(ctx, "database: postgres")
	}
	if err = s.store.Migrate(ctx); err != nil {
		return nil, err
	}

	if err = s.connectSpiceDB(ctx); err != nil {
		return nil, err
	}
	s.mirror = mirror.New(s.store, s.spice, log)
	if err = s.prepareSpiceDB(ctx); err != nil {
		return nil, err
	}

	svc, err := service.New(s.store, s.spice, s.mirror, log, cfg.Service)
	if err != nil {
		return nil, err
	}
	apiOpts := cfg.API
	if apiOpts.Registry == nil {
		// authgate's metrics in a registry of this server's own, served
		// together with the default one, where SpiceDB's and the Go
		// runtime's are.
		reg := prometheus.NewRegistry()
		apiOpts.Registry = reg
		apiOpts.Gatherer = prometheus.Gatherers{reg, prometheus.DefaultGatherer}
	}
	if s.handler, err = api.New(svc, log, apiOpts); err != nil {
		return nil, err
	}
	return s, nil
}

// claim makes sure this process is the only one using what serves one
// process only: a SQLite database, or a Postgres database with an
// in-process SpiceDB.
func (s *Server) claim(ctx context.Context) error {
	release, err := s.store.ClaimSQLite(s.cfg.Database.DataDir)
	if err != nil {
		return err
	}
	s.releases = append(s.releases, release)
	if s.cfg.SpiceDB.Endpoint != "" {
		return nil
	}
	release, err = s.store.ClaimEmbedded(ctx)
	if err != nil {
		return err
	}
	s.releases = append(s.releases, release)
	return nil
}

func (s *Server) connectSpiceDB(ctx context.Context) error {
	if s.cfg.SpiceDB.Endpoint == "" {
		emb, err := embedded.Start(ctx, embedded.Options{Address: s.cfg.EmbeddedSpiceDBAddress})
		if err != nil {
			return err
		}
		s.embedded, s.spice = emb, emb.Client()
		return nil
	}
	spice, err := spicedb.Dial(s.cfg.SpiceDB)
	if err != nil {
		return fmt.Errorf("spicedb settings: %w", err)
	}
	s.spice = spice
	return nil
}

// prepareSpiceDB writes the schema and brings relationships in line.
func (s *Server) prepareSpiceDB(ctx context.Context) error {
	changed, err := s.ensureSchema(ctx)
	if err != nil {
		return err
	}
	if changed {
		s.log.InfoContext(ctx, "spicedb schema written")
	} else {
		s.log.InfoContext(ctx, "spicedb schema unchanged")
	}
	// The in-memory datastore starts empty. An external SpiceDB that lacks
	// even the site's relationship is new, or was wiped or restored from
	// nothing: serving from it would deny everything, so it is rebuilt too.
	rebuild := s.embedded != nil
	if !rebuild {
		populated, err := s.mirror.Populated(ctx)
		if err != nil {
			return fmt.Errorf("read site relationships: %w", err)
		}
		rebuild = !populated
	}
	if rebuild {
		start := time.Now()
		diff, err := s.mirror.Reconcile(ctx, true)
		if err != nil {
			return fmt.Errorf("rebuild spicedb from the database: %w", err)
		}
		s.log.InfoContext(ctx, "spicedb rebuilt from the database",
			"relationships", len(diff.Missing), "duration", time.Since(start).String())
		return nil
	}
	// An external SpiceDB keeps its relationships; apply only what a
	// previous run committed but did not get to apply.
	if err := s.mirror.Flush(ctx); err != nil {
		return fmt.Errorf("apply pending relationship changes: %w", err)
	}
	return nil
}

// schemaAttemptTimeout bounds one attempt to write the schema, so that a
// SpiceDB that accepts connections but never answers is retried, and
// given up on at StartupTimeout, instead of stalling the start for good.
const schemaAttemptTimeout = 10 * time.Second

// ensureSchema writes the schema, waiting for an external SpiceDB that is
// still starting.
//
// TODO: a replica of an older version that restarts during a rolling
// upgrade writes its older schema back; permissions the new version added
// then answer false until a new replica starts again. A schema version
// kept in SpiceDB, which an older binary refuses to overwrite, would stop
// that; until then operators must not restart old replicas mid-rollout
// (docs/operations.md).
func (s *Server) ensureSchema(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(s.cfg.StartupTimeout)
	wait := 250 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, schemaAttemptTimeout)
		changed, err := s.spice.EnsureSchema(actx, schema.Text)
		cancel()
		if err == nil {
			return changed, nil
		}
		if !errors.Is(err, spicedb.ErrUnavailable) || errors.Is(err, spicedb.ErrKeyRefused) ||
			time.Now().After(deadline) {
			return false, fmt.Errorf("spicedb at %q: %w", s.cfg.SpiceDB.Endpoint, err)
		}
		s.log.WarnContext(ctx, "waiting for spicedb", "endpoint", s.cfg.SpiceDB.Endpoint, "error", err)
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Run serves until ctx ends, then lets requests in flight finish (up to
// ShutdownTimeout) and closes everything.
func (s *Server) Run(ctx context.Context) error {
	defer s.close()
	bg, cancel := context.WithCancel(context.Background())
	defer cancel()
	// An external SpiceDB can lose its data while authgate runs (restarted
	// on its in-memory datastore, restored from nothing); the in-process
	// one cannot.
	go s.mirror.Run(bg, s.cfg.MirrorInterval, s.embedded == nil)
	go s.sweepSessions(bg)

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Bodies are at most a megabyte; a client slower than this is
		// holding a connection open, not sending.
		ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.listener) }()
	s.log.InfoContext(ctx, "authgate listening", "address", s.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.cfg.ShutdownTimeout.String())
	sctx, scancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// sweepSessions deletes expired sessions hourly; they are refused anyway,
// this only keeps the table small.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.store.DeleteExpiredSessions(ctx, time.Now().UTC()); err != nil {
				s.log.WarnContext(ctx, "delete expired sessions", "error", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "expired sessions deleted", "count", n)
			}
		}
	}
}

// Close releases everything without serving; for a Server that is never
// Run.
func (s *Server) Close() { s.close() }

func (s *Server) close() {
	if s.listener != nil {
		_ = s.listener.Close()
	}
	if s.embedded != nil {
		if err := s.embedded.Stop(); err != nil {
			s.log.Warn("stop embedded spicedb", "error", err)
		}
		s.embedded = nil
	} else if s.spice != nil {
		_ = s.spice.Close()
	}
	s.spice = nil
	for _, release := range s.releases {
		release()
	}
	s.releases = nil
	if s.store != nil {
		_ = s.store.Close()
		s.store = nil
	}
}

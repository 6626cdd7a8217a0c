// Package embedded runs SpiceDB inside the authgate process, on its
// in-memory datastore. It is the only package that links SpiceDB's server,
// so the binaries that do not need it stay small.
package embedded

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/authzed/grpcutil"
	dscfg "github.com/authzed/spicedb/pkg/cmd/datastore"
	"github.com/authzed/spicedb/pkg/cmd/server"
	"github.com/authzed/spicedb/pkg/cmd/util"
	"github.com/rs/zerolog"

	"github.com/authgate/authgate/schema/spicedb"
)

// Options configure the in-process SpiceDB.
type Options struct {
	// Address, when set, also serves SpiceDB's gRPC API on that TCP
	// address (plaintext, with PresharedKey), for tools and tests that
	// reach it from outside. Empty serves it in-process only.
	Address string
	// PresharedKey protects the API; a random one is made when empty.
	PresharedKey string
}

// Server is a running in-process SpiceDB.
type Server struct {
	client *spicedb.Client
	cancel context.CancelFunc
	done   chan error
}

// Start starts SpiceDB on a fresh in-memory datastore. Its relationships
// live only as long as the process; authgate rebuilds them from the
// database at start.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.PresharedKey == "" {
		opts.PresharedKey = rand.Text()
	}
	// SpiceDB logs through zerolog's global logger at info level; in
	// process its start-up chatter would drown authgate's own log.
	zerolog.SetGlobalLevel(zerolog.WarnLevel)

	grpcCfg := util.GRPCServerConfig{Network: util.BufferedNetwork, Enabled: true}
	if opts.Address != "" {
		grpcCfg = util.GRPCServerConfig{Network: "tcp", Address: opts.Address, Enabled: true}
	}

	ds := dscfg.DefaultDatastoreConfig()
	runCtx, cancel := context.WithCancel(context.Background())
	srv, err := server.NewConfigWithOptionsAndDefaults(
		server.WithPresharedSecureKey(opts.PresharedKey),
		server.WithDatastoreConfig(*ds),
		server.WithGRPCServer(grpcCfg),
		server.WithHTTPGateway(util.HTTPServerConfig{HTTPEnabled: false}),
		// SpiceDB's own metrics go to the default Prometheus registry,
		// which authgate serves on /metrics; no second port.
		server.WithMetricsAPI(util.HTTPServerConfig{HTTPEnabled: false}),
		server.WithDispatchServer(util.GRPCServerConfig{Enabled: false}),
		server.WithTelemetryEndpoint(""),
		server.WithSilentlyDisableTelemetry(true),
		server.WithShutdownGracePeriod(time.Second),
	).Complete(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("configure embedded spicedb: %w", err)
	}

	s := &Server{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Run(runCtx) }()

	if opts.Address != "" {
		s.client, err = spicedb.Dial(spicedb.Config{
			Endpoint:     opts.Address,
			PresharedKey: opts.PresharedKey,
			Insecure:     true,
		})
	} else {
		conn, cerr := srv.NewClient(grpcutil.WithInsecureBearerToken(opts.PresharedKey))
		err = cerr
		if conn != nil {
			s.client = spicedb.New(conn, conn.Close)
		}
	}
	if err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("connect to embedded spicedb: %w", err)
	}
	return s, nil
}

// Client returns a client of this SpiceDB.
func (s *Server) Client() *spicedb.Client { return s.client }

// Stop shuts SpiceDB down and waits for it.
func (s *Server) Stop() error {
	var errs []error
	if s.client != nil {
		errs = append(errs, s.client.Close())
	}
	s.cancel()
	if err := <-s.done; err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

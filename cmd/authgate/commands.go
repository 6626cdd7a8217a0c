package main

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/authgate/authgate/api/server"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/mirror"
	"github.com/authgate/authgate/schema/spicedb"
)

func newServeCommand() *cobra.Command {
	var (
		s settings
		c serveConfig
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API",
		Long: `Run the HTTP API.

With no flags, authgate keeps its data in SQLite under ./data and runs
SpiceDB in-process on its in-memory datastore, rebuilt from the database
at every start. For production, point it at Postgres (--postgres-url) and
an external SpiceDB (--spicedb-endpoint).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnvironment(cmd); err != nil {
				return err
			}
			if err := errors.Join(s.validate(), c.validate()); err != nil {
				return err
			}
			log, err := s.logger()
			if err != nil {
				return err
			}
			srv, err := server.New(cmd.Context(), c.server(&s, log))
			if err != nil {
				return err
			}
			return srv.Run(cmd.Context())
		},
	}
	s.register(cmd.Flags())
	c.register(cmd.Flags())
	annotateEnvironment(cmd.Flags())
	return cmd
}

func newMigrateCommand() *cobra.Command {
	var s settings
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database tables, then exit",
		Long: `Create or update the database tables, then exit. serve does the same at
start; run this first when several replicas start together, or to see a
migration fail on its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnvironment(cmd); err != nil {
				return err
			}
			if err := s.validate(); err != nil {
				return err
			}
			store, err := models.Open(cmd.Context(), s.database())
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.Migrate(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "The database is up to date.")
			return nil
		},
	}
	s.registerDatabase(cmd.Flags())
	annotateEnvironment(cmd.Flags())
	return cmd
}

// exitDifferences is reconcile's status when it found differences and did
// not repair them, so scripts can tell.
const exitDifferences = 3

func newReconcileCommand() *cobra.Command {
	var (
		s     settings
		apply bool
	)
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare SpiceDB's relationships with the database, and optionally repair them",
		Long: `Compare every relationship the database stands for with the relationships
an external SpiceDB has, and print the difference: "missing" lines are in
the database but not in SpiceDB, "extra" lines are in SpiceDB only. With
--apply, write the difference so SpiceDB matches the database.

Exits 0 when they match (or after --apply), 3 when they differ.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnvironment(cmd); err != nil {
				return err
			}
			if err := s.validate(); err != nil {
				return err
			}
			if s.spicedbEndpoint == "" {
				return errors.New("reconcile needs --spicedb-endpoint: the in-process SpiceDB lives inside serve, which rebuilds it at every start")
			}
			return runReconcile(cmd, &s, apply)
		},
	}
	s.register(cmd.Flags())
	cmd.Flags().BoolVar(&apply, "apply", false, "write the difference to SpiceDB")
	_ = cmd.Flags().SetAnnotation("apply", noEnvAnnotation, []string{"true"})
	annotateEnvironment(cmd.Flags())
	return cmd
}

func runReconcile(cmd *cobra.Command, s *settings, apply bool) error {
	ctx := cmd.Context()
	log, err := s.logger()
	if err != nil {
		return err
	}
	store, err := models.Open(ctx, s.database())
	if err != nil {
		return err
	}
	defer store.Close()
	// On SQLite, a running serve owns the database and its sync; a
	// reconcile beside it could write from a stale read.
	release, err := store.ClaimSQLite(s.dataDir)
	if err != nil {
		return err
	}
	defer release()
	spice, err := spicedb.Dial(s.spicedb())
	if err != nil {
		return fmt.Errorf("spicedb settings: %w", err)
	}
	defer spice.Close()

	diff, err := mirror.New(store, spice, log).Reconcile(ctx, apply)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, r := range diff.Missing {
		fmt.Fprintln(out, "missing", r)
	}
	for _, r := range diff.Extra {
		fmt.Fprintln(out, "extra  ", r)
	}
	switch {
	case diff.Empty():
		fmt.Fprintln(out, "SpiceDB matches the database.")
	case apply:
		fmt.Fprintf(out, "Repaired: %d relationships written, %d deleted.\n", len(diff.Missing), len(diff.Extra))
	default:
		fmt.Fprintf(out, "%d missing, %d extra. Run again with --apply to repair.\n", len(diff.Missing), len(diff.Extra))
		return exitCode(exitDifferences)
	}
	return nil
}

// explain adds to a failure the settings to look at. The underlying error
// names a host or a gRPC status, not the flag that leads there.
func explain(err error) error {
	var connect *pgconn.ConnectError
	switch {
	case errors.Is(err, models.ErrUnavailable), errors.As(err, &connect):
		return fmt.Errorf("%w\n(check --postgres-url [AUTHGATE_POSTGRES_URL] and that Postgres answers)", err)
	case errors.Is(err, spicedb.ErrKeyRefused):
		return fmt.Errorf("%w\n(check --spicedb-preshared-key [AUTHGATE_SPICEDB_PRESHARED_KEY])", err)
	case errors.Is(err, spicedb.ErrSchemaRefused):
		return fmt.Errorf("%w\n(SpiceDB keeps relationships that the new schema has no place for: "+
			"delete them, or run the authgate version that wrote SpiceDB's current schema)", err)
	case errors.Is(err, spicedb.ErrUnavailable):
		return fmt.Errorf("%w\n(check --spicedb-endpoint [AUTHGATE_SPICEDB_ENDPOINT], "+
			"--spicedb-insecure or --spicedb-ca-path, and that SpiceDB answers)", err)
	}
	return err
}

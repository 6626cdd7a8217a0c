package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/internal/testenv"
)

// Docker cannot run here, so docker-compose.yml is checked by reading it:
// it must run SpiceDB with the flags the integration suite runs it with,
// configure authgate only through variables that are its flags, and wire
// the services to each other consistently.
func TestComposeFileMatchesTheSuite(t *testing.T) {
	t.Parallel()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"}, cli.WithWorkingDirectory("../.."))
	require.NoError(t, err)
	project, err := opts.LoadProject(context.Background())
	require.NoError(t, err)

	service := func(name string) types.ServiceConfig {
		t.Helper()
		s, err := project.GetService(name)
		require.NoError(t, err, "docker-compose.yml has no %s service", name)
		return s
	}
	postgres, migrate := service("postgres"), service("spicedb-migrate")
	spice, authgate := service("spicedb"), service("authgate")

	t.Run("images", func(t *testing.T) {
		image := "authzed/spicedb:" + linkedVersion(t, "github.com/authzed/spicedb")
		assert.Equal(t, image, migrate.Image, "the SpiceDB authgate is built and tested with")
		assert.Equal(t, image, spice.Image)
		assert.Regexp(t, `^postgres:15\.\d+`, postgres.Image, "a pinned Postgres 15, as tested")
		require.NotNil(t, authgate.Build)
		assert.Equal(t, "Dockerfile", authgate.Build.Dockerfile)
	})

	t.Run("spicedb flags", func(t *testing.T) {
		assert.ElementsMatch(t,
			append([]string{"datastore", "migrate", "head"}, testenv.MigrateFlags()...),
			[]string(migrate.Command))
		// --grpc-addr is per instance; everything else as in the suite.
		serve, addr := withoutFlag(spice.Command, "--grpc-addr")
		assert.ElementsMatch(t, append([]string{"serve"}, testenv.ServeFlags()...), serve)
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err, "--grpc-addr=%s", addr)
		assert.Contains(t, publishedTargets(spice), port, "the gRPC port is published")
		for _, s := range []types.ServiceConfig{migrate, spice} {
			assert.NotEmpty(t, env(s, "SPICEDB_DATASTORE_CONN_URI"), s.Name)
		}
		assert.NotEmpty(t, env(spice, "SPICEDB_GRPC_PRESHARED_KEY"))
	})

	t.Run("order of start", func(t *testing.T) {
		assert.Equal(t, types.ServiceConditionHealthy, migrate.DependsOn["postgres"].Condition)
		assert.Equal(t, types.ServiceConditionCompletedSuccessfully, spice.DependsOn["spicedb-migrate"].Condition)
		assert.Equal(t, types.ServiceConditionHealthy, authgate.DependsOn["postgres"].Condition)
		assert.Equal(t, types.ServiceConditionHealthy, authgate.DependsOn["spicedb"].Condition)
		for _, s := range []types.ServiceConfig{postgres, spice, authgate} {
			require.NotNil(t, s.HealthCheck, "%s has a health check", s.Name)
			assert.NotEmpty(t, s.HealthCheck.Test, s.Name)
		}
	})

	t.Run("authgate variables are its flags", func(t *testing.T) {
		var s settings
		var c serveConfig
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		s.register(fs)
		c.register(fs)
		for name, value := range authgate.Environment {
			require.True(t, strings.HasPrefix(name, "AUTHGATE_"), name)
			flag := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "AUTHGATE_"), "_", "-"))
			f := fs.Lookup(flag)
			require.NotNil(t, f, "%s names no flag of serve", name)
			require.NotNil(t, value, name)
			require.NoError(t, f.Value.Set(*value), name)
		}
		require.NoError(t, s.validate())
		require.NoError(t, c.validate())
		// How the process tests connect authgate, less their tuning.
		suite := map[string]bool{}
		for _, kv := range (&deployment{spice: &testenv.SpiceDB{}}).env() {
			name, _, _ := strings.Cut(kv, "=")
			suite[name] = true
		}
		for _, name := range []string{
			"AUTHGATE_POSTGRES_URL", "AUTHGATE_SPICEDB_ENDPOINT",
			"AUTHGATE_SPICEDB_PRESHARED_KEY", "AUTHGATE_SPICEDB_INSECURE",
		} {
			assert.True(t, suite[name], "the suite sets %s", name)
			assert.NotEmpty(t, env(authgate, name), name)
		}
	})

	t.Run("wiring", func(t *testing.T) {
		// authgate reaches SpiceDB at its service name and gRPC port, with
		// its key.
		_, addr := withoutFlag(spice.Command, "--grpc-addr")
		_, port, _ := net.SplitHostPort(addr)
		assert.Equal(t, "spicedb:"+port, env(authgate, "AUTHGATE_SPICEDB_ENDPOINT"))
		assert.Equal(t, env(spice, "SPICEDB_GRPC_PRESHARED_KEY"), env(authgate, "AUTHGATE_SPICEDB_PRESHARED_KEY"))
		assert.Equal(t, env(spice, "SPICEDB_DATASTORE_CONN_URI"), env(migrate, "SPICEDB_DATASTORE_CONN_URI"))

		// Both databases are on the postgres service, as its user.
		for _, raw := range []string{env(authgate, "AUTHGATE_POSTGRES_URL"), env(spice, "SPICEDB_DATASTORE_CONN_URI")} {
			u, err := url.Parse(raw)
			require.NoError(t, err)
			assert.Equal(t, "postgres:5432", u.Host)
			assert.Equal(t, env(postgres, "POSTGRES_USER"), u.User.Username())
			pw, _ := u.User.Password()
			assert.Equal(t, env(postgres, "POSTGRES_PASSWORD"), pw)
		}
		u, _ := url.Parse(env(authgate, "AUTHGATE_POSTGRES_URL"))
		assert.Equal(t, "/"+env(postgres, "POSTGRES_DB"), u.Path)
		// SpiceDB's database is created when Postgres starts.
		u, _ = url.Parse(env(spice, "SPICEDB_DATASTORE_CONN_URI"))
		init, ok := project.Configs["create-spicedb-database"]
		require.True(t, ok)
		assert.Contains(t, init.Content, "CREATE DATABASE "+strings.TrimPrefix(u.Path, "/"))

		// authgate listens where its port is published and probed.
		_, port, err := net.SplitHostPort(env(authgate, "AUTHGATE_HTTP_ADDRESS"))
		require.NoError(t, err)
		assert.Contains(t, publishedTargets(authgate), port)
		assert.Contains(t, authgate.HealthCheck.Test, "http://127.0.0.1:"+port+"/readyz")
	})

	t.Run("only example secrets", func(t *testing.T) {
		for _, value := range []string{
			env(postgres, "POSTGRES_PASSWORD"),
			env(spice, "SPICEDB_GRPC_PRESHARED_KEY"),
			env(authgate, "AUTHGATE_SPICEDB_PRESHARED_KEY"),
		} {
			assert.True(t, strings.HasPrefix(value, "example-only-"), "%q is named as an example", value)
		}
	})
}

// The Dockerfile builds without cgo, on pinned images, and runs as a user
// without privileges.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	text := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	require.Len(t, froms, 2, "a build stage and a runtime stage")
	for _, from := range froms {
		assert.Regexp(t, `:\d+\.\d+\.\d+`, from[1], "pinned to a full version")
	}
	assert.Contains(t, text, "CGO_ENABLED=0 go build")
	assert.Regexp(t, `(?m)^USER [1-9]\d*:[1-9]\d*$`, text)
	assert.Contains(t, text, `CMD ["serve"]`)
}

// linkedVersion is the version of a module this test binary links.
func linkedVersion(t *testing.T, module string) string {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	for _, dep := range info.Deps {
		if dep.Path == module {
			return dep.Version
		}
	}
	t.Fatalf("%s is not linked", module)
	return ""
}

// withoutFlag returns the command without --name=value, and the value.
func withoutFlag(command types.ShellCommand, name string) ([]string, string) {
	var rest []string
	var value string
	for _, arg := range command {
		if v, ok := strings.CutPrefix(arg, name+"="); ok {
			value = v
			continue
		}
		rest = append(rest, arg)
	}
	return rest, value
}

// publishedTargets lists the container ports a service publishes.
func publishedTargets(s types.ServiceConfig) []string {
	var ports []string
	for _, p := range s.Ports {
		ports = append(ports, strconv.FormatUint(uint64(p.Target), 10))
	}
	return ports
}

// env is a service's environment variable, empty when unset.
func env(s types.ServiceConfig, name string) string {
	if v, ok := s.Environment[name]; ok && v != nil {
		return *v
	}
	return ""
}

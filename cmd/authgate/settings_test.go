package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/internal/testenv"
)

// secret stands for a password or key in the settings below; it must
// never be printed back.
const secret = "hunter2-not-for-print"

// A wrong setting stops serve before it does anything, with a message
// that names the setting, and without repeating a secret.
func TestWrongSettingsNameTheSetting(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	closed := testenv.FreeAddr(t)

	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"endpoint without key", []string{"--spicedb-endpoint=127.0.0.1:50051"}, nil,
			"--spicedb-preshared-key is required with --spicedb-endpoint"},
		{"key without endpoint", nil, []string{"AUTHGATE_SPICEDB_PRESHARED_KEY=" + secret},
			"need --spicedb-endpoint"},
		{"postgres url of another scheme", []string{"--postgres-url=mysql://root:" + secret + "@db/authgate"}, nil,
			"--postgres-url: must be a URL starting with postgres://"},
		{"postgres url that does not parse", []string{"--postgres-url=postgres://root:" + secret + "%zz@db/authgate"}, nil,
			"--postgres-url: not a valid URL"},
		{"postgres that does not answer", []string{"--postgres-url=postgres://root:" + secret + "@" + closed + "/authgate"}, nil,
			"check --postgres-url"},
		{"ca path that does not exist", []string{
			"--spicedb-endpoint=127.0.0.1:50051", "--spicedb-preshared-key=" + secret,
			"--spicedb-ca-path=" + filepath.Join(t.TempDir(), "missing.pem"),
		}, nil, "--spicedb-ca-path: open "},
		{"ca path without a certificate", []string{
			"--spicedb-endpoint=127.0.0.1:50051", "--spicedb-preshared-key=" + secret, "--spicedb-ca-path=" + notPEM,
		}, nil, "--spicedb-ca-path: " + notPEM + " holds no PEM certificate"},
		{"insecure and a ca", []string{
			"--spicedb-endpoint=127.0.0.1:50051", "--spicedb-preshared-key=" + secret,
			"--spicedb-insecure", "--spicedb-ca-path=" + notPEM,
		}, nil, "--spicedb-insecure and --spicedb-ca-path exclude each other"},
		{"unparsable variable", nil, []string{"AUTHGATE_REQUEST_TIMEOUT=soon"}, "AUTHGATE_REQUEST_TIMEOUT: "},
		{"pool too small", []string{"--postgres-max-conns=1"}, nil, "--postgres-max-conns must be at least 2"},
		{"unknown log format", []string{"--log-format=xml"}, nil, "--log-format must be text or json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"AUTHGATE_DATA_DIR=" + t.TempDir(), "AUTHGATE_HTTP_ADDRESS=127.0.0.1:0"}, tc.env...)
			r := runCLI(t, env, append([]string{"serve"}, tc.args...)...)
			assert.Equal(t, 1, r.code, "serve must fail:\n%s", r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, secret)
			assert.NotContains(t, r.stderr, "authgate listening")
		})
	}
}

// Help lists every flag with its variable and shows no secret, even
// when the environment holds them.
func TestHelpShowsNoSecrets(t *testing.T) {
	t.Parallel()
	env := []string{
		"AUTHGATE_SPICEDB_PRESHARED_KEY=" + secret,
		"AUTHGATE_POSTGRES_URL=postgres://authgate:" + secret + "@db:5432/authgate",
	}
	for _, command := range []string{"serve", "migrate", "reconcile"} {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, env, command, "--help")
			require.Equal(t, 0, r.code, r.stderr)
			assert.NotContains(t, r.stdout, secret)
			assert.Contains(t, r.stdout, "[AUTHGATE_POSTGRES_URL]")
			if command == "migrate" {
				assert.NotContains(t, r.stdout, "--spicedb", "migrate never talks to SpiceDB")
				return
			}
			assert.Contains(t, r.stdout, "--spicedb-preshared-key string")
			assert.Contains(t, r.stdout, "[AUTHGATE_SPICEDB_PRESHARED_KEY]")
		})
	}
}

// No flag that carries a secret has a default that help would print.
func TestSecretFlagsHaveNoDefault(t *testing.T) {
	t.Parallel()
	secretFlags := map[string]bool{"spicedb-preshared-key": true, "postgres-url": true}
	for _, cmd := range newRootCommand().Commands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if secretFlags[f.Name] {
				assert.Empty(t, f.DefValue, "%s --%s", cmd.Name(), f.Name)
			}
		})
	}
}

// A key SpiceDB refuses fails the start at once (waiting would not help),
// naming the setting.
func TestRefusedSpiceDBKeyNamesTheSetting(t *testing.T) {
	t.Parallel()
	endpoint, _ := testenv.SharedSpiceDB(t)
	r := runCLI(t, []string{
		"AUTHGATE_POSTGRES_URL=" + testenv.NewDatabase(t),
		"AUTHGATE_SPICEDB_ENDPOINT=" + endpoint,
		"AUTHGATE_SPICEDB_PRESHARED_KEY=" + secret,
		"AUTHGATE_SPICEDB_INSECURE=true",
		"AUTHGATE_HTTP_ADDRESS=127.0.0.1:0",
	}, "serve")
	assert.Equal(t, 1, r.code, "serve must fail:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "spicedb refused the preshared key")
	assert.Contains(t, r.stderr, "check --spicedb-preshared-key")
	assert.NotContains(t, r.stderr, secret)
}

// docs/operations.md lists every flag of every command, with its
// variable.
func TestOperationsGuideListsEverySetting(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../../docs/operations.md")
	require.NoError(t, err)
	for _, cmd := range newRootCommand().Commands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			row := "| `--" + f.Name + "` | `" + envName(f.Name) + "` |"
			if noEnvironment(f) {
				row = "| `--" + f.Name + "` | none"
			}
			assert.Contains(t, string(guide), row, "docs/operations.md documents %s --%s", cmd.Name(), f.Name)
		})
	}
}

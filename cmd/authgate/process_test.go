package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/models"
	"github.com/authgate/authgate/schema/spicedb"
)

// envRunAsCLI makes the test binary run as the authgate command instead
// of running tests, so that the process tests start real authgate
// processes without a second build of a binary this size.
const envRunAsCLI = "AUTHGATE_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsCLI) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// processTimeout bounds every wait on a child process: a start, a
// command, a stop. Each takes a few seconds at most; the bound only
// keeps a broken test from hanging the run.
const processTimeout = 2 * time.Minute

const password = "correct-horse-battery"

// cliEnv is the environment of a child authgate: this process's, without
// any AUTHGATE_* setting a developer may have exported, plus env.
func cliEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AUTHGATE_") && !strings.HasPrefix(kv, "AUTHGATE_TEST_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, envRunAsCLI+"=1")
	return append(out, env...)
}

// result is how an authgate command ended.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs an authgate command to its end.
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = cliEnv(env)
	cmd.SysProcAttr = testenv.DieWithParent()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
	case err != nil:
		t.Fatalf("authgate %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// process is a running `authgate serve`.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	URL    string
	logs   *testenv.LogBuffer
	exited chan struct{}
}

// startServe starts `authgate serve` on a free port, configured by env,
// and waits until it listens. The process is killed when the test ends.
func startServe(t *testing.T, env []string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = cliEnv(append([]string{
		"AUTHGATE_HTTP_ADDRESS=127.0.0.1:0",
		"AUTHGATE_LOG_FORMAT=json",
		"AUTHGATE_LOG_LEVEL=debug",
	}, env...))
	cmd.SysProcAttr = testenv.DieWithParent()
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	p := &process{t: t, cmd: cmd, logs: &testenv.LogBuffer{}, exited: make(chan struct{})}
	listening := make(chan string, 1)
	go p.readLog(stderr, listening)
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("authgate's log:\n%s", p.logs.String())
		}
	})

	select {
	case addr := <-listening:
		p.URL = "http://" + addr
	case <-p.exited:
		t.Fatalf("authgate exited before it listened:\n%s", p.logs.String())
	case <-time.After(processTimeout):
		t.Fatalf("authgate did not listen within %s:\n%s", processTimeout, p.logs.String())
	}
	return p
}

// readLog copies the JSON log and reports the address from the line
// that says authgate listens.
func (p *process) readLog(r io.Reader, listening chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = p.logs.Write(append(line, '\n'))
		var rec struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "authgate listening" {
			select {
			case listening <- rec.Address:
			default:
			}
		}
	}
}

// Logs is everything the process logged so far.
func (p *process) Logs() string { return p.logs.String() }

// Kill ends the process at once, as a crash would.
func (p *process) Kill() { p.signal(syscall.SIGKILL) }

// Stop ends the process as an orchestrator would, and requires a clean
// exit.
func (p *process) Stop() {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	require.Equal(p.t, 0, p.cmd.ProcessState.ExitCode(), "authgate's exit status after SIGTERM")
}

func (p *process) signal(sig syscall.Signal) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(processTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Client returns a client of this process without a session.
func (p *process) Client(t *testing.T) *apitest.Client { return apitest.NewClient(t, p.URL) }

// deployment is authgate's production setup: a Postgres database and a
// SpiceDB on Postgres, each the test's own. Processes reach them at
// dbURL and spiceAddr, which a test may point through a proxy
// (proxyDatabase, proxySpiceDB).
type deployment struct {
	t         *testing.T
	spice     *testenv.SpiceDB
	dbURL     string
	spiceAddr string
}

// newDeployment creates the database and starts SpiceDB, or skips the
// test when the environment has no Postgres or spicedb binary.
func newDeployment(t *testing.T) *deployment {
	t.Helper()
	spice := testenv.StartSpiceDB(t)
	return &deployment{t: t, spice: spice, dbURL: testenv.NewDatabase(t), spiceAddr: spice.Endpoint}
}

// env configures an authgate process for the deployment, through the
// environment as a container would, so the variables' mapping to flags
// is exercised too.
func (d *deployment) env() []string {
	return []string{
		"AUTHGATE_POSTGRES_URL=" + d.dbURL,
		"AUTHGATE_SPICEDB_ENDPOINT=" + d.spiceAddr,
		"AUTHGATE_SPICEDB_PRESHARED_KEY=" + d.spice.Key,
		"AUTHGATE_SPICEDB_INSECURE=true",
		// The cheapest bcrypt: the tests sign in often.
		"AUTHGATE_PASSWORD_HASH_COST=4",
		// Short, so that a request that cannot reach SpiceDB gives up
		// quickly; and frequent retries, so that recovery shows soon.
		"AUTHGATE_REQUEST_TIMEOUT=3s",
		"AUTHGATE_RELATIONSHIP_RETRY_INTERVAL=250ms",
		"AUTHGATE_STARTUP_TIMEOUT=30s",
		"AUTHGATE_API_RATE_LIMIT=0",
		"AUTHGATE_LOGIN_RATE_LIMIT=0",
	}
}

// serve starts an authgate process on the deployment.
func (d *deployment) serve() *process {
	d.t.Helper()
	return startServe(d.t, d.env())
}

// reconcile runs `authgate reconcile` against the deployment.
func (d *deployment) reconcile(args ...string) result {
	d.t.Helper()
	return runCLI(d.t, d.env(), append([]string{"reconcile"}, args...)...)
}

// requireMatches requires reconcile to find SpiceDB equal to the database.
func (d *deployment) requireMatches() {
	d.t.Helper()
	r := d.reconcile()
	require.Equal(d.t, 0, r.code, "reconcile: %s%s", r.stdout, r.stderr)
	require.Equal(d.t, "SpiceDB matches the database.\n", r.stdout)
}

// store opens the deployment's database directly, to look behind the API.
func (d *deployment) store() *models.Store {
	d.t.Helper()
	s, err := models.Open(context.Background(), models.Config{PostgresURL: d.dbURL})
	require.NoError(d.t, err)
	d.t.Cleanup(func() { _ = s.Close() })
	return s
}

// spiceClient talks to the deployment's SpiceDB directly, bypassing
// authgate, to change it behind authgate's back.
func (d *deployment) spiceClient() *spicedb.Client {
	d.t.Helper()
	c, err := spicedb.Dial(spicedb.Config{Endpoint: d.spice.Endpoint, PresharedKey: d.spice.Key, Insecure: true})
	require.NoError(d.t, err)
	d.t.Cleanup(func() { _ = c.Close() })
	return c
}

// proxySpiceDB puts a proxy between the deployment's SpiceDB and the
// processes started after it, for the test to play SpiceDB's failures.
func (d *deployment) proxySpiceDB() *testenv.Proxy {
	d.t.Helper()
	proxy := testenv.NewProxy(d.t, d.spice.Endpoint)
	d.spiceAddr = proxy.Addr()
	return proxy
}

// proxyDatabase puts a proxy between the deployment's database and
// whatever connects to it afterwards, for the test to play the
// database's failures.
func (d *deployment) proxyDatabase() *testenv.Proxy {
	d.t.Helper()
	u, err := url.Parse(d.dbURL)
	require.NoError(d.t, err)
	proxy := testenv.NewProxy(d.t, u.Host)
	u.Host = proxy.Addr()
	d.dbURL = u.String()
	return proxy
}

// people are the users a process test works with.
type people struct {
	owner, alice     *apitest.Client
	ownerID, aliceID string
	orgID            string
}

// seed creates the first user (site owner, with the default
// organization) and alice, a plain member.
func seed(t *testing.T, p *process) people {
	t.Helper()
	anon := p.Client(t)
	first := anon.CreateFirstUser(sdk.CreateFirstUserRequest{
		Email: "owner@example.com", Username: "owner", Password: password,
	})
	owner := anon.Login("owner@example.com", password)
	alice := owner.CreateUser(sdk.CreateUserRequest{
		Email: "alice@example.com", Username: "alice", Password: password,
	})
	return people{
		owner:   owner,
		alice:   anon.Login("alice@example.com", password),
		ownerID: first.UserID,
		aliceID: alice.ID,
		orgID:   first.OrganizationID,
	}
}

// readAllUsers asks whether the caller may read every user: a site
// owner or auditor may, a plain member may not.
var readAllUsers = sdk.AuthorizationCheck{Action: "read", Object: sdk.AuthorizationObject{ResourceType: "user"}}

// requireStatus sends a request and requires the status, returning the
// error body's message.
func requireStatus(t *testing.T, c *apitest.Client, status int, method, path string, body any) string {
	t.Helper()
	resp := c.Do(method, path, body)
	require.Equal(t, status, resp.Status, "%s %s: %s", method, path, resp.Body)
	if status >= http.StatusBadRequest {
		return resp.Error(t).Message
	}
	return ""
}

// eventually polls cond until it holds or the bound passes. The bound
// only stops a broken test; nothing here asserts how long it took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(processTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after %s", what, processTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

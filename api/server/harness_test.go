package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/internal/testenv"
	"github.com/authgate/authgate/schema/spicedb"
	"github.com/authgate/authgate/schema/spicedb/embedded"
)

// proxiedSpiceDB starts SpiceDB in-process on a loopback TCP port, with a
// proxy in front of it that plays its failures, and returns the settings
// that point authgate at the proxy.
func proxiedSpiceDB(t testing.TB) (spicedb.Config, *testenv.Proxy) {
	t.Helper()
	addr := testenv.FreeAddr(t)
	key := rand.Text()
	emb, err := embedded.Start(context.Background(), embedded.Options{Address: addr, PresharedKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { _ = emb.Stop() })

	proxy := testenv.NewProxy(t, addr)
	return spicedb.Config{Endpoint: proxy.Addr(), PresharedKey: key, Insecure: true}, proxy
}

// postgresAdminURL is the local Postgres every machine of this project
// runs (trust authentication).
const postgresAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// postgresAdmin connects to the local Postgres as its superuser, or skips
// the test when there is none.
func postgresAdmin(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, postgresAdminURL)
	if err != nil {
		t.Skipf("no Postgres at %s: %v", postgresAdminURL, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// postgresDatabase creates a database of the test's own, dropped when the
// test ends, and returns its name and URL.
func postgresDatabase(t testing.TB) (name, url string) {
	t.Helper()
	admin := postgresAdmin(t)
	name = "authgate_test_" + strings.ToLower(rand.Text()[:12])
	ctx := context.Background()
	_, err := admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil && !errors.Is(err, io.EOF) {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name, fmt.Sprintf("postgres://postgres@127.0.0.1:5432/%s?sslmode=disable", name)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

// send makes one request with only net/http, so that goroutines other
// than the test's may call it (apitest's client calls require).
func send(client *http.Client, method, url, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set(sdk.SessionTokenHeader, token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// post sends a JSON body with a session token from any goroutine; it
// returns nil when the request fails.
func post(url, token, body string) *apitest.Response {
	status, data, err := send(http.DefaultClient, http.MethodPost, url, token, body)
	if err != nil {
		return nil
	}
	return &apitest.Response{Status: status, Body: data}
}

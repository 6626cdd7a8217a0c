package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
	"github.com/authgate/authgate/schema/spicedb"
	"github.com/authgate/authgate/schema/spicedb/embedded"
)

// faultProxy forwards TCP connections to a backend and can cut them or
// slow them down, to play a dependency that goes away or answers late.
type faultProxy struct {
	t       testing.TB
	ln      net.Listener
	backend string
	// toBackend counts bytes sent towards the backend, so a test can see
	// that a request has reached the dependency.
	toBackend atomic.Int64

	mu      sync.Mutex
	down    bool
	stalled bool
	delay   time.Duration
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

func startProxy(t testing.TB, backend string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &faultProxy{t: t, ln: ln, backend: backend, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.SetStalled(false)
		p.SetDown(true)
		p.wg.Wait()
	})
	return p
}

// Addr is where clients connect.
func (p *faultProxy) Addr() string { return p.ln.Addr().String() }

// SetDown cuts every connection and refuses new ones while down is true.
func (p *faultProxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			_ = c.Close()
		}
		clear(p.conns)
	}
}

// SetStalled holds, while stalled is true, every byte in both directions
// on every connection, open or new: a dependency that hangs without
// closing anything.
func (p *faultProxy) SetStalled(stalled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = stalled
}

func (p *faultProxy) isStalled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stalled
}

// SetDelay holds every chunk the backend sends for d before passing it on.
func (p *faultProxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

func (p *faultProxy) currentDelay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delay
}

// track registers conns, or closes them when the proxy is down.
func (p *faultProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			continue
		}
		backend, err := net.DialTimeout("tcp", p.backend, 5*time.Second)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !p.track(backend) {
			_ = client.Close()
			continue
		}
		p.wg.Add(2)
		go p.pipe(backend, client, &p.toBackend, false)
		go p.pipe(client, backend, nil, true)
	}
}

// pipe copies src to dst until either ends; slow applies the delay.
func (p *faultProxy) pipe(dst, src net.Conn, count *atomic.Int64, slow bool) {
	defer p.wg.Done()
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if count != nil {
				count.Add(int64(n))
			}
			if d := p.currentDelay(); slow && d > 0 {
				time.Sleep(d)
			}
			for p.isStalled() {
				time.Sleep(10 * time.Millisecond)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// proxiedSpiceDB starts SpiceDB in-process on a loopback TCP port, with a
// fault proxy in front of it, and returns the settings that point authgate
// at the proxy.
func proxiedSpiceDB(t testing.TB) (spicedb.Config, *faultProxy) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	key := rand.Text()
	emb, err := embedded.Start(context.Background(), embedded.Options{Address: addr, PresharedKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { _ = emb.Stop() })

	proxy := startProxy(t, addr)
	return spicedb.Config{Endpoint: proxy.Addr(), PresharedKey: key, Insecure: true}, proxy
}

// syncBuffer is a log destination that many goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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

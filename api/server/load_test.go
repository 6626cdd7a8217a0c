package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authgate/authgate/api"
	"github.com/authgate/authgate/api/apitest"
	"github.com/authgate/authgate/api/sdk"
)

// Load test bounds: it stops after loadDuration or loadRequests,
// whichever comes first, and at the first wrong answer.
const (
	loadDuration = 10 * time.Second
	loadRequests = 200_000
	loadWorkers  = 32
	// loginEvery makes one request in this many a sign-in.
	loginEvery = 10
)

// TestLoad sends sign-ins and authchecks from many goroutines at once on
// loopback. Every authcheck must answer what the same request answered
// when sent alone, and nothing but a sign-in's 429 may fail. It does not
// run in parallel with other tests, so that they do not share its
// machine, and is skipped by -short.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	built := time.Now()
	w := newWorld(t, apitest.Options{API: api.Options{LoginRateLimit: 60}})
	checks := mustJSON(t, sdk.AuthorizationRequest{Checks: w.acceptanceChecks()})
	type user struct {
		email string
		token string
		want  map[string]bool
	}
	users := []user{
		{"owner@example.com", w.owner.Token, nil},
		{"admin@example.com", w.admin.Token, nil},
		{"alice@example.com", w.alice.Token, nil},
	}
	for i := range users {
		users[i].want = w.srv.Client().WithToken(users[i].token).Authcheck(w.acceptanceChecks())
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers}, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), loadDuration)
	defer cancel()
	var (
		sent, authchecks, logins, limited atomic.Int64
		mu                                sync.Mutex
		failures                          []string
		latencies                         []time.Duration
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		cancel()
	}

	start := time.Now()
	var wg sync.WaitGroup
	for worker := range loadWorkers {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}()
			for i := 0; ctx.Err() == nil && sent.Add(1) <= loadRequests; i++ {
				u := users[(worker+i)%len(users)]
				t0 := time.Now()
				if i%loginEvery == loginEvery-1 {
					status, body, err := send(client, http.MethodPost, w.srv.URL+"/api/v2/users/login", "",
						mustJSONString(sdk.LoginWithPasswordRequest{Email: u.email, Password: password}))
					switch {
					case err != nil:
						fail("login: %v", err)
					case status == http.StatusCreated:
						logins.Add(1)
					case status == http.StatusTooManyRequests:
						limited.Add(1)
					default:
						fail("login: %d %s", status, body)
					}
				} else {
					status, body, err := send(client, http.MethodPost, w.srv.URL+"/api/v2/authcheck", u.token, checks)
					var got map[string]bool
					switch {
					case err != nil:
						fail("authcheck: %v", err)
					case status != http.StatusOK:
						fail("authcheck: %d %s", status, body)
					case json.Unmarshal(body, &got) != nil || !mapsEqual(got, u.want):
						fail("authcheck of %s: %s, alone it was %v", u.email, body, u.want)
					default:
						authchecks.Add(1)
					}
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	require.Empty(t, failures)

	slices.Sort(latencies)
	n := len(latencies)
	require.NotZero(t, n)
	t.Logf("%d workers, %s: %d authchecks, %d sign-ins, %d sign-ins limited; %.0f requests/s; latency p50 %s p99 %s max %s",
		loadWorkers, elapsed.Round(time.Millisecond), authchecks.Load(), logins.Load(), limited.Load(),
		float64(n)/elapsed.Seconds(), latencies[n/2], latencies[n*99/100], latencies[n-1])

	// The sign-in limit held: at most its burst of 60, less the three
	// spent building the world, and one more per second since then.
	assert.LessOrEqual(t, logins.Load(), int64(60-3+int(time.Since(built).Seconds())+1))
	if logins.Load()+limited.Load() > 60 {
		assert.NotZero(t, limited.Load(), "more sign-ins than the limit, none refused")
	}
	// And the answers are still the same when asked alone.
	for _, u := range users {
		assert.Equal(t, u.want, w.srv.Client().WithToken(u.token).Authcheck(w.acceptanceChecks()), u.email)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func mustJSONString(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (a client address or a user),
// each allowing n requests per window with bursts of up to n.
type keyedLimiter struct {
	n      int
	window time.Duration
	limit  rate.Limit

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newKeyedLimiter(n int, window time.Duration) *keyedLimiter {
	return &keyedLimiter{
		n:       n,
		window:  window,
		limit:   rate.Limit(float64(n) / window.Seconds()),
		buckets: make(map[string]*bucket),
		swept:   time.Now(),
	}
}

// allow takes one token from key's bucket.
func (l *keyedLimiter) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// A bucket idle for a whole window is full again, the same as a new
	// one, so dropping it changes nothing and bounds memory.
	if now.Sub(l.swept) > l.window {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.window {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(l.limit, l.n)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.limiter.AllowN(now, 1)
}

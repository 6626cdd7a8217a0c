package testenv

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards TCP connections to a target (SpiceDB, Postgres) and
// plays the ways that target can fail, so that a test can see what
// authgate does about each:
//
//   - Down/Up: the target is gone. Open connections are cut, and new ones
//     are closed as soon as they are accepted, so the client learns at
//     once that nothing is there.
//   - Block/Unblock: a network partition, or a target that hangs. Every
//     connection stays open, new ones included, but no byte moves in
//     either direction; the client learns nothing until its own deadline
//     passes. Unblocked, the bytes held move on, as TCP would deliver
//     them once a partition heals.
//   - SetDelay: a target that answers, but late.
//
// The modes are independent of each other; a new proxy forwards
// everything at once.
type Proxy struct {
	target string
	ln     net.Listener
	// ctx ends when the test does, releasing every goroutine the proxy
	// runs, including those held by Block or SetDelay.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// sent counts the bytes written to the target.
	sent atomic.Int64

	mu      sync.Mutex
	down    bool
	flowing chan struct{} // closed while unblocked
	delay   time.Duration
	conns   map[net.Conn]struct{}
}

// NewProxy listens on a loopback port and forwards to target until the
// test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		target:  target,
		ln:      ln,
		ctx:     ctx,
		cancel:  cancel,
		flowing: make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
	}
	close(p.flowing)
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// Addr is the address to connect to instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SentToTarget is how many bytes the proxy has written to the target so
// far. A test reads it before a request and waits for it to grow, to know
// that the request has reached the target.
func (p *Proxy) SentToTarget() int64 { return p.sent.Load() }

// Down plays a target that has gone away: it closes every connection,
// and closes each new one as soon as it is accepted, until Up.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// Up ends Down: new connections are forwarded again. The connections
// Down cut stay cut; clients must reconnect, as they would to a
// restarted target.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// Block plays a network partition, or a target that hangs: connections
// stay open and new ones are accepted, but every byte, in either
// direction, is held until Unblock. Nothing is closed, so the client
// notices only through its own timeouts.
func (p *Proxy) Block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default: // already blocked
	}
}

// Unblock ends Block: the bytes held are passed on, and new connections
// reach the target again.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}

// SetDelay plays a target that answers late: every chunk the target
// sends is held for d before it is passed on. What the client sends is
// not delayed, so a request reaches the target at once (SentToTarget
// shows it) and only the answer is late. Zero ends the delay.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

func (p *Proxy) currentDelay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delay
}

// waitUnblocked returns true once traffic may flow, or false when the
// test has ended.
func (p *Proxy) waitUnblocked() bool {
	for {
		p.mu.Lock()
		flowing := p.flowing
		p.mu.Unlock()
		select {
		case <-flowing:
			// Block may have been called since; look again.
			p.mu.Lock()
			still := flowing == p.flowing
			p.mu.Unlock()
			if still {
				return true
			}
		case <-p.ctx.Done():
			return false
		}
	}
}

// sleep waits for d, or returns false when the test ends first.
func (p *Proxy) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(client) })
	}
}

// dialTimeout bounds reaching the target, which is on this machine: a
// dial that takes longer is a test that has gone wrong.
const dialTimeout = 5 * time.Second

func (p *Proxy) serve(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	// Blocked, a new connection is left unanswered, not forwarded: its
	// first bytes wait in the socket until Unblock.
	if !p.waitUnblocked() {
		return
	}
	dialer := net.Dialer{Timeout: dialTimeout}
	target, err := dialer.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(target) {
		return
	}
	defer p.untrack(target)

	// When either direction ends, closing both connections ends the
	// other one too; the deferred untracks serve the returns above.
	done := make(chan struct{}, 2)
	var pipes sync.WaitGroup
	pipes.Go(func() { p.pipe(target, client, true); done <- struct{}{} })
	pipes.Go(func() { p.pipe(client, target, false); done <- struct{}{} })
	<-done
	p.untrack(client)
	p.untrack(target)
	pipes.Wait()
}

// pipe copies src to dst until either fails, holding each chunk while
// the proxy is blocked and, on the way back from the target, for the
// delay.
func (p *Proxy) pipe(dst, src net.Conn, toTarget bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !toTarget && !p.sleep(p.currentDelay()) {
				return
			}
			if !p.waitUnblocked() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if toTarget {
				p.sent.Add(int64(n))
			}
		}
		if err != nil {
			return
		}
	}
}

// track records a connection so that Down and the test's end can close
// it; while the proxy is down or after the test, it closes the
// connection instead and returns false.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down || p.ctx.Err() != nil {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

// close stops the proxy when the test ends and waits for every goroutine
// it started, so none outlives the test.
func (p *Proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.cancel()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
	p.mu.Unlock()
	p.wg.Wait()
}

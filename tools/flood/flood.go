// Package flood is the hostile load of the overload and soak tests: first
// REGISTERs that never complete, sent from many loopback source addresses at
// a paced rate, and random mutations of real messages. It counts what comes
// back so a test can check how the proxy answered.
//
// It is a test role: it allocates per message and favours clarity over speed.
package flood

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// maxSources bounds Config.Sources: 127.1.0.1 to 127.1.255.250.
const maxSources = 256 * 250

// Registers configures a flood of first REGISTERs.
type Registers struct {
	// Target is the proxy.
	Target *net.UDPAddr
	// Sources is how many loopback addresses (127.1.x.y) send, one socket
	// each; the REGISTERs are spread evenly over them.
	Sources int
	// Count is how many REGISTERs to send in all.
	Count int
	// Rate paces the sending in datagrams per second (0: unpaced).
	Rate int
	// CallIDPrefix starts every Call-ID, so a relay can tell flood from
	// real traffic.
	CallIDPrefix string
}

// Result counts what a flood sent and received.
type Result struct {
	Sent int
	// ByStatus counts responses by status code.
	ByStatus map[int]int
	// RetryAfter counts 503 responses that carried Retry-After.
	RetryAfter int
}

// Run sends the REGISTERs, then reads answers until linger has passed with
// none arriving (or ctx ends), and returns the counts.
func (r Registers) Run(ctx context.Context, linger time.Duration) (Result, error) {
	if r.Target == nil || r.Sources < 1 || r.Sources > maxSources || r.Count < 0 {
		return Result{}, errors.New("flood: need a target and 1..64000 sources")
	}
	return runSources(ctx, r.Sources, linger, r.send)
}

// runSources binds n sources, reads their answers while send runs, then
// waits until nothing has arrived for linger and returns the counts.
func runSources(ctx context.Context, n int, linger time.Duration,
	send func(context.Context, []*net.UDPConn) (int, error)) (Result, error) {
	socks, err := bindSources(n)
	if err != nil {
		return Result{}, err
	}
	c := newCounter()
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.read(s)
		}()
	}
	sent, err := send(ctx, socks)
	c.waitQuiet(ctx, linger)
	for _, s := range socks {
		s.Close()
	}
	wg.Wait()
	res := c.result()
	res.Sent = sent
	return res, err
}

// send writes Count REGISTERs round-robin over the sockets at the rate.
func (r Registers) send(ctx context.Context, socks []*net.UDPConn) (int, error) {
	p := newPacer(r.Rate)
	for i := range r.Count {
		if ctx.Err() != nil {
			return i, ctx.Err()
		}
		s := socks[i%len(socks)]
		msg := firstRegister(s.LocalAddr().(*net.UDPAddr), r.CallIDPrefix, i)
		if _, err := s.WriteToUDP(msg, r.Target); err != nil {
			return i, fmt.Errorf("flood: send: %w", err)
		}
		p.wait()
	}
	return r.Count, nil
}

// firstRegister builds registration i's first REGISTER with a mechanism offer.
func firstRegister(local *net.UDPAddr, prefix string, i int) []byte {
	user := fmt.Sprintf("flood%d", i)
	return fmt.Appendf(nil, "REGISTER sip:sigproxy.test SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s%d;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:%s@sigproxy.test>;tag=f%d\r\n"+
		"To: <sip:%s@sigproxy.test>\r\n"+
		"Call-ID: %s%d@flood\r\n"+
		"CSeq: 1 REGISTER\r\n"+
		"Contact: <sip:%s@%s>\r\n"+
		"Require: sec-agree\r\nProxy-Require: sec-agree\r\n"+
		"Security-Client: hmac-sha256;q=0.5\r\n"+
		"Content-Length: 0\r\n\r\n",
		local, prefix, i, user, i, user, prefix, i, user, local)
}

// bindSources opens one UDP socket on each of n loopback addresses.
func bindSources(n int) ([]*net.UDPConn, error) {
	socks := make([]*net.UDPConn, 0, n)
	for i := range n {
		ip := net.IPv4(127, 1, byte(i/250), byte(i%250+1))
		s, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
		if err != nil {
			for _, s := range socks {
				s.Close()
			}
			return nil, fmt.Errorf("flood: bind %s: %w", ip, err)
		}
		_ = s.SetReadBuffer(1 << 20)
		socks = append(socks, s)
	}
	return socks, nil
}

// counter tallies answers from every socket.
type counter struct {
	mu         sync.Mutex
	byStatus   map[int]int
	retryAfter int
	last       atomic.Int64 // unix nanoseconds of the last datagram read
}

func newCounter() *counter {
	c := &counter{byStatus: make(map[int]int)}
	c.last.Store(time.Now().UnixNano())
	return c
}

// read counts datagrams from s until it is closed.
func (c *counter) read(s *net.UDPConn) {
	buf := make([]byte, 65535)
	for {
		n, err := s.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		c.last.Store(time.Now().UnixNano())
		code, retry := statusOf(buf[:n])
		c.mu.Lock()
		c.byStatus[code]++
		if retry {
			c.retryAfter++
		}
		c.mu.Unlock()
	}
}

// waitQuiet returns once nothing has arrived for linger.
func (c *counter) waitQuiet(ctx context.Context, linger time.Duration) {
	for ctx.Err() == nil {
		idle := time.Since(time.Unix(0, c.last.Load()))
		if idle >= linger {
			return
		}
		time.Sleep(linger - idle)
	}
}

func (c *counter) result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[int]int, len(c.byStatus))
	for k, v := range c.byStatus {
		m[k] = v
	}
	return Result{ByStatus: m, RetryAfter: c.retryAfter}
}

// pacer spaces sends to a rate, sleeping in batches: a sleep per datagram
// would cost more than the datagram.
type pacer struct {
	every time.Duration
	start time.Time
	n     int
}

func newPacer(rate int) *pacer {
	p := &pacer{start: time.Now()}
	if rate > 0 {
		p.every = time.Second / time.Duration(rate)
	}
	return p
}

func (p *pacer) wait() {
	p.n++
	if p.every == 0 || p.n%64 != 0 {
		return
	}
	if ahead := time.Until(p.start.Add(time.Duration(p.n) * p.every)); ahead > 0 {
		time.Sleep(ahead)
	}
}

// Package mitm is a man in the middle for attack tests: a UDP relay that
// stands between one client and one server on loopback and hands every
// datagram to a Tamper function, which may pass it, change it, drop it,
// duplicate it or add others. The attack tests put it between a terminal and
// sigproxy, or between sigproxy and the softswitch, and check that each
// attack is detected where docs/PROTOCOL.md says.
//
// It is a test role, like the terminal and the softswitch: it allocates per
// datagram and is not built for speed.
package mitm

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Direction says which way a datagram travels through the relay.
type Direction uint8

// The two directions.
const (
	// ToServer is a datagram from the client on its way to the server.
	ToServer Direction = iota + 1
	// ToClient is a datagram from the server on its way to the client.
	ToClient
)

// String names the direction for test messages.
func (d Direction) String() string {
	if d == ToServer {
		return "to-server"
	}
	return "to-client"
}

// Tamper decides what the relay sends for one datagram: the returned
// datagrams go on in the same direction, in order. Returning nil drops it;
// returning pkt unchanged passes it. pkt belongs to the relay until Tamper
// returns: keep a copy to replay it later.
type Tamper func(dir Direction, pkt []byte) [][]byte

// Pass is the Tamper that changes nothing.
func Pass(_ Direction, pkt []byte) [][]byte { return [][]byte{pkt} }

// maxDatagram is the largest UDP payload the relay reads.
const maxDatagram = 65535

// Relay is a running man in the middle. The client sends to Addr; the server
// sees every datagram come from one upstream socket of the relay, and its
// answers go back to the last client address heard from.
type Relay struct {
	down   *net.UDPConn // faces the client
	up     *net.UDPConn // faces the server
	server *net.UDPAddr
	tamper Tamper

	mu     sync.Mutex
	client *net.UDPAddr

	wg sync.WaitGroup
}

// New starts a relay on 127.0.0.1 towards server.
func New(server *net.UDPAddr, tamper Tamper) (*Relay, error) {
	if server == nil || tamper == nil {
		return nil, errors.New("mitm: server and tamper are required")
	}
	loop := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	down, err := net.ListenUDP("udp", loop)
	if err != nil {
		return nil, err
	}
	up, err := net.ListenUDP("udp", loop)
	if err != nil {
		down.Close()
		return nil, err
	}
	r := &Relay{down: down, up: up, server: server, tamper: tamper}
	r.wg.Add(2)
	go r.pump(down, ToServer)
	go r.pump(up, ToClient)
	return r, nil
}

// Addr is where the client sends.
func (r *Relay) Addr() *net.UDPAddr { return r.down.LocalAddr().(*net.UDPAddr) }

// UpstreamAddr is the address the server sees the client's datagrams come from.
func (r *Relay) UpstreamAddr() *net.UDPAddr { return r.up.LocalAddr().(*net.UDPAddr) }

// Inject sends pkt in dir as if it had passed the relay, without Tamper.
func (r *Relay) Inject(dir Direction, pkt []byte) error {
	if dir == ToServer {
		_, err := r.up.WriteToUDP(pkt, r.server)
		return err
	}
	r.mu.Lock()
	client := r.client
	r.mu.Unlock()
	if client == nil {
		return errors.New("mitm: no client heard from yet")
	}
	_, err := r.down.WriteToUDP(pkt, client)
	return err
}

// Close stops the relay and waits for its goroutines.
func (r *Relay) Close() error {
	err := errors.Join(r.down.Close(), r.up.Close())
	r.wg.Wait()
	return err
}

// pump reads one socket until it is closed and forwards what Tamper returns.
func (r *Relay) pump(c *net.UDPConn, dir Direction) {
	defer r.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(time.Millisecond) // transient (ICMP refusal); keep serving
			continue
		}
		if dir == ToServer {
			r.mu.Lock()
			r.client = from
			r.mu.Unlock()
		}
		for _, out := range r.tamper(dir, buf[:n]) {
			_ = r.Inject(dir, out) // a lost datagram is what UDP allows
		}
	}
}

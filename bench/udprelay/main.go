// Command udprelay is the physical floor of the system benchmark: a UDP relay that
// parses nothing. Datagrams from a client go to the backend through an upstream
// socket of that client's own; whatever the backend sends to that socket goes back
// to the client. Each datagram costs one receive and one send, the least any proxy
// can do, so its CPU time per transaction is what bench/run divides the others by.
//
//	udprelay -listen 127.0.0.1:15060 -backend 127.0.0.1:15070
//
// It stops on SIGINT or SIGTERM and prints what it relayed.
//
// Limitation: clients are never forgotten (up to -max-clients); a benchmark has few.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// Limits and buffers.
const (
	// maxDatagram is the largest UDP payload; a relay must carry anything.
	maxDatagram = 65535
	// defaultMaxClients bounds the upstream sockets (one per client address).
	defaultMaxClients = 1024
	// socketBuffer is the kernel buffer asked for each socket, as sigproxy asks.
	socketBuffer = 4 << 20
)

// ErrNotLoopback reports a backend outside loopback: the relay is a benchmark tool.
var ErrNotLoopback = errors.New("udprelay: backend must be a loopback address")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "udprelay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("udprelay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:15060", "address clients send to")
	backend := fs.String("backend", "127.0.0.1:15070", "where client datagrams go")
	maxClients := fs.Int("max-clients", defaultMaxClients, "client addresses served at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := newRelay(*listen, *backend, *maxClients)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		r.close()
	}()
	r.serve()
	fmt.Fprintf(stderr, "udprelay: %d datagrams to the backend, %d back, %d dropped\n",
		r.up.Load(), r.down.Load(), r.dropped.Load())
	return nil
}

// relay forwards between clients and one backend.
type relay struct {
	conn       *net.UDPConn
	backend    netip.AddrPort
	maxClients int

	mu      sync.Mutex
	clients map[netip.AddrPort]*net.UDPConn
	wg      sync.WaitGroup

	up, down, dropped atomic.Uint64
}

func newRelay(listen, backend string, maxClients int) (*relay, error) {
	b, err := netip.ParseAddrPort(backend)
	if err != nil {
		return nil, err
	}
	if !b.Addr().IsLoopback() {
		return nil, ErrNotLoopback
	}
	la, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp", la)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
	return &relay{conn: c, backend: b, maxClients: maxClients,
		clients: make(map[netip.AddrPort]*net.UDPConn)}, nil
}

// serve reads client datagrams until the listening socket closes.
func (r *relay) serve() {
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				break
			}
			continue
		}
		up := r.upstream(src)
		if up == nil {
			r.dropped.Add(1)
			continue
		}
		if _, err := up.Write(buf[:n]); err != nil {
			r.dropped.Add(1)
			continue
		}
		r.up.Add(1)
	}
	r.wg.Wait()
}

// upstream returns the client's own socket towards the backend, opening it (and
// its reader) on the client's first datagram; nil past maxClients.
func (r *relay) upstream(src netip.AddrPort) *net.UDPConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[src]; ok {
		return c
	}
	if len(r.clients) >= r.maxClients {
		return nil
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(r.backend))
	if err != nil {
		return nil
	}
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
	r.clients[src] = c
	r.wg.Go(func() { r.back(c, src) })
	return c
}

// back carries the backend's datagrams on one upstream socket to its client.
func (r *relay) back(c *net.UDPConn, client netip.AddrPort) {
	buf := make([]byte, maxDatagram)
	for {
		n, err := c.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if _, err := r.conn.WriteToUDPAddrPort(buf[:n], client); err != nil {
			r.dropped.Add(1)
			continue
		}
		r.down.Add(1)
	}
}

// close stops serving: the listening socket and every upstream socket.
func (r *relay) close() {
	_ = r.conn.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.clients {
		_ = c.Close()
	}
}

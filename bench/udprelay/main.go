// Command udprelay is the physical floor of the system benchmark: a UDP relay that
// parses nothing. Datagrams from a client go to the backend through an upstream
// socket of that client's own; whatever the backend sends to that socket goes back
// to the client. One thread waits in epoll and drains every ready socket, so each
// datagram costs one receive and one send and a batch of them one wake-up: the
// least any proxy can do, and what bench/run divides the others' CPU time by.
//
// The wait is a raw system call on a locked thread. Through the runtime's usual
// path, a goroutine blocked in epoll_wait gives up its processor, and every
// wake-up then costs thread hand-offs and monitor wake-ups: at 1 000 transactions
// a second that tripled this relay's CPU time, which a floor must not carry.
//
//	udprelay -listen 127.0.0.1:15060 -backend 127.0.0.1:15070
//
// It stops on SIGINT or SIGTERM and prints what it relayed.
//
// Limitation: IPv4 only, and clients are never forgotten (up to -max-clients): a
// loopback benchmark has a few clients on 127.0.0.1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Limits and buffers.
const (
	// maxDatagram is the largest UDP payload; a relay must carry anything.
	maxDatagram = 65535
	// defaultMaxClients bounds the upstream sockets (one per client address).
	defaultMaxClients = 1024
	// socketBuffer is the kernel buffer asked for each socket, as sigproxy asks.
	socketBuffer = 4 << 20
	// maxEvents is how many ready sockets one epoll_wait returns.
	maxEvents = 64
	// waitMillis bounds one epoll_wait, so the loop yields to the signal handler
	// now and then while it holds its processor.
	waitMillis = 100
)

// Errors of the command line.
var (
	ErrNotLoopback = errors.New("udprelay: addresses must be IPv4 loopback")
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "udprelay:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("udprelay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:15060", "address clients send to")
	backend := fs.String("backend", "127.0.0.1:15070", "where client datagrams go")
	maxClients := fs.Int("max-clients", defaultMaxClients, "client addresses served at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	la, err := loopback4(*listen)
	if err != nil {
		return err
	}
	ba, err := loopback4(*backend)
	if err != nil {
		return err
	}
	r, err := newRelay(la, ba, *maxClients)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		r.stop()
	}()
	err = r.serve()
	fmt.Fprintf(stderr, "udprelay: %d datagrams to the backend, %d back, %d dropped\n",
		r.up, r.down, r.dropped)
	return err
}

// loopback4 parses an IPv4 loopback address and port.
func loopback4(s string) (*unix.SockaddrInet4, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	if !ap.Addr().Is4() || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("%w: %s", ErrNotLoopback, s)
	}
	return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}, nil
}

// client is one client address and its upstream socket.
type client struct {
	addr *unix.SockaddrInet4
	fd   int
}

// relay is the epoll loop's state; only the serving goroutine touches it, except
// stop, which writes the wake-up pipe.
type relay struct {
	ep, listen int
	wake       [2]int // a pipe: a byte on it ends serve
	backend    *unix.SockaddrInet4
	maxClients int
	byAddr     map[[6]byte]*client
	byFD       map[int]*client

	up, down, dropped uint64
}

func newRelay(listen, backend *unix.SockaddrInet4, maxClients int) (*relay, error) {
	r := &relay{backend: backend, maxClients: maxClients,
		byAddr: make(map[[6]byte]*client), byFD: make(map[int]*client)}
	var err error
	if r.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if r.listen, err = udpSocket(); err != nil {
		return nil, err
	}
	if err := unix.Bind(r.listen, listen); err != nil {
		return nil, fmt.Errorf("bind %d: %w", listen.Port, err)
	}
	if err := unix.Pipe2(r.wake[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	for _, fd := range []int{r.listen, r.wake[0]} {
		if err := r.watch(fd); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// udpSocket opens a non-blocking IPv4 UDP socket with large buffers.
func udpSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, socketBuffer)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, socketBuffer)
	return fd, nil
}

func (r *relay) watch(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(r.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// stop wakes serve, which then returns.
func (r *relay) stop() { _, _ = unix.Write(r.wake[1], []byte{1}) }

// serve waits for ready sockets and drains each until it would block.
func (r *relay) serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, maxDatagram)
	events := make([]unix.EpollEvent, maxEvents)
	defer r.close()
	for {
		n, err := epollWait(r.ep, events, waitMillis)
		if n == 0 || errors.Is(err, unix.EINTR) {
			runtime.Gosched() // let the signal handler run
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll wait: %w", err)
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); fd {
			case r.wake[0]:
				return nil
			case r.listen:
				r.fromClients(buf)
			default:
				if c := r.byFD[fd]; c != nil {
					r.fromBackend(c, buf)
				}
			}
		}
	}
}

// epollWait is epoll_pwait without a signal mask, as a raw system call: the thread
// keeps its processor while it waits (see the package comment).
func epollWait(ep int, events []unix.EpollEvent, msec int) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(ep),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// fromClients relays every datagram waiting on the listening socket upstream.
func (r *relay) fromClients(buf []byte) {
	for {
		n, from, err := unix.Recvfrom(r.listen, buf, 0)
		if err != nil {
			return // EAGAIN: drained
		}
		src, ok := from.(*unix.SockaddrInet4)
		if !ok {
			r.dropped++
			continue
		}
		c := r.upstream(src)
		if c == nil {
			r.dropped++
			continue
		}
		if _, err := unix.Write(c.fd, buf[:n]); err != nil {
			r.dropped++
			continue
		}
		r.up++
	}
}

// fromBackend relays every datagram waiting on one upstream socket to its client.
func (r *relay) fromBackend(c *client, buf []byte) {
	for {
		n, err := unix.Read(c.fd, buf)
		if err != nil {
			return
		}
		if err := unix.Sendto(r.listen, buf[:n], 0, c.addr); err != nil {
			r.dropped++
			continue
		}
		r.down++
	}
}

// upstream returns the client's socket towards the backend, opening it on the
// client's first datagram; nil past maxClients or when it cannot be opened.
func (r *relay) upstream(src *unix.SockaddrInet4) *client {
	var key [6]byte
	copy(key[:4], src.Addr[:])
	key[4], key[5] = byte(src.Port>>8), byte(src.Port)
	if c := r.byAddr[key]; c != nil {
		return c
	}
	if len(r.byAddr) >= r.maxClients {
		return nil
	}
	fd, err := udpSocket()
	if err != nil {
		return nil
	}
	if unix.Connect(fd, r.backend) != nil || r.watch(fd) != nil {
		_ = unix.Close(fd)
		return nil
	}
	c := &client{addr: &unix.SockaddrInet4{Port: src.Port, Addr: src.Addr}, fd: fd}
	r.byAddr[key], r.byFD[fd] = c, c
	return c
}

func (r *relay) close() {
	for fd := range r.byFD {
		_ = unix.Close(fd)
	}
	for _, fd := range []int{r.listen, r.wake[0], r.wake[1], r.ep} {
		_ = unix.Close(fd)
	}
}

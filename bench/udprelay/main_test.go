package main

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRelayRoundTrip sends datagrams from two clients through the relay to an echo
// backend and checks each client gets its own bytes back, from the relay's address.
func TestRelayRoundTrip(t *testing.T) {
	backend, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := backend.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = backend.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	ba := backend.LocalAddr().(*net.UDPAddr)
	r, err := newRelay(&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}},
		&unix.SockaddrInet4{Port: ba.Port, Addr: [4]byte{127, 0, 0, 1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(r.listen)
	if err != nil {
		t.Fatal(err)
	}
	relayAddr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*unix.SockaddrInet4).Port}
	done := make(chan error, 1)
	go func() { done <- r.serve() }()

	first := dial(t, relayAddr)
	for _, msg := range []string{"REGISTER one", "REGISTER two"} {
		if got := roundTrip(t, first, msg); got != msg {
			t.Fatalf("got %q, want %q", got, msg)
		}
	}
	// A second client exceeds -max-clients 1: dropped, never answered.
	second := dial(t, relayAddr)
	_, _ = second.Write([]byte("x"))
	_ = second.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := second.Read(make([]byte, 16)); err == nil {
		t.Error("a client past -max-clients was served")
	}
	r.stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r.up != 2 || r.down != 2 || r.dropped != 1 {
		t.Errorf("up %d down %d dropped %d", r.up, r.down, r.dropped)
	}
}

func dial(t *testing.T, to *net.UDPAddr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, to)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func roundTrip(t *testing.T, c *net.UDPConn, msg string) string {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := c.Read(buf) // a connected socket only accepts the relay's address
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(buf[:n]))
}

func TestOnlyLoopback(t *testing.T) {
	for _, bad := range []string{"192.0.2.1:5060", "[::1]:5060", "10.0.0.1:1", "nonsense"} {
		if _, err := loopback4(bad); err == nil {
			t.Errorf("%s accepted", bad)
		} else if bad != "nonsense" && !errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s: err %v", bad, err)
		}
	}
	if a, err := loopback4("127.0.0.2:15060"); err != nil || a.Port != 15060 {
		t.Errorf("127.0.0.2:15060: %v %v", a, err)
	}
}

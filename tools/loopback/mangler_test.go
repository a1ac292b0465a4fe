package loopback

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// mangler is a UDP hop between one terminal and the proxy, on real loopback
// sockets: it forwards both ways, keeps every datagram the terminal sent, and
// lets a test rewrite or hold datagrams and inject old ones.
type mangler struct {
	conn     *net.UDPConn
	proxy    *net.UDPAddr
	mu       sync.Mutex
	terminal *net.UDPAddr
	sent     [][]byte                            // datagrams from the terminal, in order
	edit     func(toProxy bool, b []byte) []byte // nil result: hold back
	held     [][]byte
}

func startMangler(t *testing.T, proxy *net.UDPAddr) *mangler {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	m := &mangler{conn: c, proxy: proxy}
	t.Cleanup(func() { c.Close() })
	go m.loop()
	return m
}

func (m *mangler) addr() *net.UDPAddr { return m.conn.LocalAddr().(*net.UDPAddr) }

func (m *mangler) loop() {
	buf := make([]byte, 65535)
	for {
		n, src, err := m.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		b := bytes.Clone(buf[:n])
		toProxy := !src.IP.Equal(m.proxy.IP) || src.Port != m.proxy.Port
		m.mu.Lock()
		dst := m.proxy
		if toProxy {
			m.terminal = src
			m.sent = append(m.sent, b)
		} else {
			dst = m.terminal
		}
		if m.edit != nil {
			if b = m.edit(toProxy, b); b == nil {
				m.held = append(m.held, bytes.Clone(buf[:n]))
			}
		}
		m.mu.Unlock()
		if b != nil && dst != nil {
			_, _ = m.conn.WriteToUDP(b, dst)
		}
	}
}

// setEdit installs f (nil: forward unchanged).
func (m *mangler) setEdit(f func(toProxy bool, b []byte) []byte) {
	m.mu.Lock()
	m.edit = f
	m.mu.Unlock()
}

// inject sends b to the proxy as if from the terminal.
func (m *mangler) inject(t *testing.T, b []byte) {
	t.Helper()
	if _, err := m.conn.WriteToUDP(b, m.proxy); err != nil {
		t.Fatal(err)
	}
}

// lastSent returns the last datagram from the terminal that starts with prefix.
func (m *mangler) lastSent(prefix string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sent) - 1; i >= 0; i-- {
		if bytes.HasPrefix(m.sent[i], []byte(prefix)) {
			return m.sent[i]
		}
	}
	return nil
}

// replace returns an edit that rewrites old to new in one direction.
func replace(toProxy bool, old, new string) func(bool, []byte) []byte {
	return func(dir bool, b []byte) []byte {
		if dir == toProxy {
			return bytes.Replace(b, []byte(old), []byte(new), 1)
		}
		return b
	}
}

// wordWorld is a running system with one registered hmac-sha256 terminal
// behind a mangler.
type wordWorld struct {
	sys  *System
	m    *mangler
	term *terminal.Terminal
}

func startWordWorld(t *testing.T) *wordWorld {
	t.Helper()
	sys := startSystem(t, Options{Subscribers: []string{"alice"}})
	m := startMangler(t, sys.ProxyAddr())
	term, err := terminal.New(terminal.Config{Identity: "alice", Kc: sys.Kc("alice"),
		Proxy: m.addr(), Offer: []string{"hmac-sha256"}, T1: 50 * time.Millisecond,
		Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	w := &wordWorld{sys: sys, m: m, term: term}
	w.register(t)
	return w
}

func (w *wordWorld) register(t *testing.T) {
	t.Helper()
	if rep, err := w.term.Register(context.Background()); err != nil || !rep.Secured() {
		t.Fatalf("register: %v %v", err, rep.Steps)
	}
}

func (w *wordWorld) call(t *testing.T) (terminal.Report, error) {
	t.Helper()
	return w.term.Call(context.Background())
}

// counted waits for the proxy to count reason want times.
func (w *wordWorld) counted(t *testing.T, reason string, want int) {
	t.Helper()
	got := waitFor(func() int { return int(w.sys.Proxy.Handler().Stats().Reasons[reason]) }, want)
	if got != want {
		t.Fatalf("proxy counted %d %s, want %d (%v)", got, reason, want,
			w.sys.Proxy.Handler().Stats().Reasons)
	}
}

func TestWordTamperingOnTheWire(t *testing.T) {
	// Covered fields of a request changed between terminal and proxy: the
	// proxy refuses with 403, the terminal reports the refusal.
	for name, e := range map[string][2]string{
		"body":        {"m=audio 9", "m=audio 7"},
		"contact":     {"Contact: <sip:alice@", "Contact: <sip:eve@"},
		"request-uri": {"INVITE sip:softswitch@", "INVITE sip:eve@"},
	} {
		t.Run(name, func(t *testing.T) {
			w := startWordWorld(t)
			w.m.setEdit(replace(true, e[0], e[1]))
			_, err := w.call(t)
			if !errors.Is(err, terminal.ErrForbidden) || !strings.Contains(err.Error(), "mismatch") {
				t.Fatalf("tampered INVITE: %v", err)
			}
			w.counted(t, "word_mismatch", 1)
		})
	}
	// A 2xx changed between proxy and terminal: the terminal's check fails.
	t.Run("response", func(t *testing.T) {
		w := startWordWorld(t)
		w.m.setEdit(replace(false, "Contact: <sip:softswitch@", "Contact: <sip:eve@"))
		if _, err := w.call(t); !errors.Is(err, terminal.ErrWordMismatch) {
			t.Fatalf("tampered 200: %v", err)
		}
	})
	// A word under another mechanism's tag size is refused.
	t.Run("mechanism", func(t *testing.T) {
		w := startWordWorld(t)
		w.m.setEdit(func(toProxy bool, b []byte) []byte {
			if !toProxy {
				return b
			}
			i := bytes.Index(b, []byte(`mac="`))
			if i < 0 {
				return b
			}
			j := bytes.IndexByte(b[i+5:], '"') + i + 5
			return append(append(append([]byte{}, b[:i+5]...), "AAAAAAAAAAAAAAAAAAAAAA=="...), b[j:]...)
		})
		if _, err := w.call(t); !errors.Is(err, terminal.ErrForbidden) {
			t.Fatalf("16-byte word on an hmac-sha256 session: %v", err)
		}
		w.counted(t, "word_malformed", 1)
	})
}

func TestWordReplayAndReorderOnTheWire(t *testing.T) {
	w := startWordWorld(t)
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	first := w.m.lastSent("INVITE ")
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	w.m.inject(t, first) // seen, and not the last request
	w.counted(t, "word_replayed", 1)

	// Reordered within the window: the ACK held back until after the BYE.
	var ack []byte
	w.m.setEdit(func(toProxy bool, b []byte) []byte {
		if toProxy && bytes.HasPrefix(b, []byte("ACK ")) && ack == nil {
			ack = bytes.Clone(b)
			return nil
		}
		return b
	})
	acks := int(w.sys.Softswitch.Stats().Acks)
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	w.m.setEdit(nil)
	w.m.inject(t, ack)
	if got := waitFor(func() int { return int(w.sys.Softswitch.Stats().Acks) }, acks+1); got != acks+1 {
		t.Fatalf("the late ACK did not reach the softswitch (%d ACKs)", got)
	}
	w.counted(t, "word_replayed", 1)

	// Far below the window: 22 more calls send 66 more numbers.
	for i := 0; i < 22; i++ {
		if _, err := w.call(t); err != nil {
			t.Fatal(err)
		}
	}
	w.m.inject(t, ack)
	w.counted(t, "word_replayed", 2)
}

func TestOldKeyOnTheWire(t *testing.T) {
	w := startWordWorld(t)
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	old := w.m.lastSent("INVITE ")
	w.register(t) // a new key; the numbers start again
	if rep, err := w.call(t); err != nil || rep.WordsVerified != 2 {
		t.Fatalf("call under the new key: %v", err)
	}
	w.m.inject(t, old)
	w.counted(t, "word_mismatch", 1)
}

// TestKeyAfterDeregistrationOnTheWire: once the terminal de-registered, a
// word under its old key is refused by the proxy, and the terminal has no
// key left to make a call with.
func TestKeyAfterDeregistrationOnTheWire(t *testing.T) {
	w := startWordWorld(t)
	if _, err := w.call(t); err != nil {
		t.Fatal(err)
	}
	old := w.m.lastSent("INVITE ")
	if rep, err := w.term.Deregister(context.Background()); err != nil {
		t.Fatalf("deregister: %v %v", err, rep.Steps)
	}
	if n := w.sys.Proxy.Handler().Stats().Sessions; n != 0 {
		t.Fatalf("%d sessions after de-registration", n)
	}
	w.m.inject(t, old)
	w.counted(t, "word_mismatch", 1)
	if _, err := w.call(t); !errors.Is(err, terminal.ErrNotRegistered) {
		t.Fatalf("call after de-registration: %v", err)
	}
}

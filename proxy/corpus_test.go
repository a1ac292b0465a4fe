package proxy

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
)

// corpusDir is the shared message corpus beside the repository.
const corpusDir = "../../shared/corpus"

// readExpected reads a corpus folder's EXPECTED.tsv: file stem -> class.
func readExpected(t *testing.T, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatalf("corpus not found (the shared folder must sit beside the repository): %v", err)
	}
	defer f.Close()
	classes := make(map[string]string)
	sc := bufio.NewScanner(f)
	sc.Scan() // header line
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) >= 2 {
			classes[cols[0]] = cols[1]
		}
	}
	return classes
}

// loopbackProxy is a running proxy on 127.0.0.1 with a terminal socket and a
// socket standing in for the softswitch.
type loopbackProxy struct {
	srv        *Server
	terminal   *net.UDPConn
	softswitch *net.UDPConn
	proxyAddr  *net.UDPAddr
}

func startLoopbackProxy(t *testing.T) *loopbackProxy {
	t.Helper()
	lp := &loopbackProxy{terminal: listenUDP(t), softswitch: listenUDP(t)}
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: "1", Key: randBytes(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{
		ProxyID:    "sp1",
		Listen:     netip.MustParseAddrPort("127.0.0.1:0"),
		Softswitch: lp.softswitch.LocalAddr().(*net.UDPAddr).AddrPort(),
		Keyring:    ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	lp.srv = NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lp.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lp.srv.Stop(ctx)
	})
	lp.proxyAddr = net.UDPAddrFromAddrPort(h.Addr())
	return lp
}

func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends pkt to the proxy from the terminal socket and waits until the
// proxy has handled it. It returns what the proxy sent, on which socket.
func (lp *loopbackProxy) exchange(t *testing.T, pkt []byte) (out []byte, toSoftswitch bool) {
	t.Helper()
	h := lp.srv.Handler()
	before := h.Stats()
	if _, err := lp.terminal.WriteToUDP(pkt, lp.proxyAddr); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Stats().Handled == before.Handled {
		if time.Now().After(deadline) {
			t.Fatal("the proxy did not take the datagram")
		}
		time.Sleep(time.Millisecond)
	}
	if h.Stats().MessagesOut == before.MessagesOut {
		return nil, false
	}
	buf := make([]byte, 70000)
	for _, c := range []*net.UDPConn{lp.softswitch, lp.terminal} {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if n, _, err := c.ReadFromUDP(buf); err == nil {
			return buf[:n], c == lp.softswitch
		}
	}
	t.Fatal("the proxy counted a datagram out but none arrived")
	return nil, false
}

// TestRFC4475OverUDP sends every RFC 4475 torture message to a running proxy.
// Requests that parse are relayed to the softswitch (or answered with a
// proxy-level response such as 483 or 420, never 400); invalid requests get
// 400; responses are dropped (none carries the proxy's Via), counted as
// malformed when invalid. The proxy must still work afterwards.
func TestRFC4475OverUDP(t *testing.T) {
	dir := filepath.Join(corpusDir, "sip", "rfc4475")
	classes := readExpected(t, dir)
	lp := startLoopbackProxy(t)
	var msg sip.Message
	for name, class := range classes {
		pkt, err := os.ReadFile(filepath.Join(dir, name+".dat"))
		if err != nil {
			t.Fatal(err)
		}
		isResponse := bytes.HasPrefix(pkt, []byte("SIP/"))
		out, toSoftswitch := lp.exchange(t, pkt)
		switch {
		case isResponse:
			if out != nil {
				t.Errorf("%s (%s response): relayed, want dropped", name, class)
			}
		case class == "invalid":
			// The 400 copies the request's own broken headers, so it is only
			// checked by its status line.
			if out == nil || toSoftswitch || !bytes.HasPrefix(out, []byte("SIP/2.0 400 ")) {
				t.Errorf("%s (invalid request): got %.40q, want 400 to the sender", name, out)
			}
		case toSoftswitch:
			if err := msg.Parse(out); err != nil {
				t.Errorf("%s (%s): relayed message does not parse: %v", name, class, err)
			}
		case out == nil:
			t.Errorf("%s (%s request): dropped, want relayed or answered", name, class)
		case class == "valid":
			if err := msg.Parse(out); err != nil || msg.StatusCode() == 400 {
				t.Errorf("%s (valid request): answered %.40q", name, out)
			}
		}
	}
	st := lp.srv.Handler().Stats()
	if st.Reasons[ReasonMalformed.String()] == 0 {
		t.Error("no malformed message was counted")
	}
	options := "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKok\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, toSoftswitch := lp.exchange(t, []byte(options)); !toSoftswitch {
		t.Error("the proxy stopped relaying after the corpus")
	}
}

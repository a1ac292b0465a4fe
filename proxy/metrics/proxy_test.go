package metrics

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/proxy"
)

var _ Source = (*proxy.Handler)(nil)

// TestRealProxyCounters runs a real proxy on loopback UDP, sends it a
// datagram that is not SIP, and watches the scrape count it.
func TestRealProxyCounters(t *testing.T) {
	kr, err := keystore.NewKeyring([]keystore.ProxyKey{
		{KID: "1", Key: make([]byte, skd.KspSize)}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := proxy.NewHandler(proxy.Config{
		ProxyID: "sp1", Keyring: kr, Listen: loopback,
		Softswitch: netip.MustParseAddrPort("127.0.0.1:9"), // discard: nothing is forwarded
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := proxy.NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ps.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ps.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	srv := startServer(t, h, Options{})
	if v, ok := value(scrape(t, srv), "sigproxy_events_total", "reason", "malformed"); v != 0 {
		t.Fatalf("malformed before sending: %v %v", v, ok)
	}
	conn, err := net.Dial("udp", h.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("not sip at all\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		fams := scrape(t, srv)
		in, _ := value(fams, "sigproxy_messages_received_total")
		bad, _ := value(fams, "sigproxy_events_total", "reason", "malformed")
		if in == 1 && bad == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape after a bad datagram: received %v, malformed %v", in, bad)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

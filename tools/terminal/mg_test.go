package terminal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// newTestMG returns an H.248 terminal that is never started on the network.
func newTestMG(t *testing.T, offer ...string) *Terminal {
	t.Helper()
	term, err := New(Config{Protocol: ProtocolH248, Identity: "mg1", Kc: kcFor("mg1"),
		Proxy: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2944}, Offer: offer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = term.Close() })
	return term
}

// TestMGMessagesFollowProfile parses what the gateway writes and checks the places
// of docs/PROTOCOL.md §11.2 and §11.4.
func TestMGMessagesFollowProfile(t *testing.T) {
	term := newTestMG(t, "ascon128a-v12;q=0.9", "hmac-sha256;q=0.5")
	var m h248.Message
	if err := m.Parse(term.buildServiceChange(10)); err != nil {
		t.Fatal(err)
	}
	svc := m.Root().Find(h248.TokServices)
	got := map[string]string{}
	for p := svc.FirstChild(); p.Valid(); p = p.Next() {
		got[string(p.Name())] = string(p.Value())
	}
	if got["Method"] != "Restart" || got["X-SKDID"] != "mg1" ||
		got["X-SKDOF"] != "ascon128a-v12;q=0.9, hmac-sha256;q=0.5" ||
		string(m.Header().MID) != term.mg.mid {
		t.Errorf("ServiceChange parameters %v, mid %s", got, m.Header().MID)
	}
	ch := &challenge{nonce: "n1", chosen: "ascon128a-v12;q=0.9", requestID: 7}
	if err := m.Parse(term.buildNotify(11, ch, "abcd")); err != nil {
		t.Fatal(err)
	}
	ev := m.Root().Find(h248.TokObservedEvents)
	auth := ev.FindParam("skd", "auth")
	want := map[string]string{"id": "mg1", "nonce": "n1", "resp": "abcd",
		"verify": "ascon128a-v12;q=0.9", "offer": "ascon128a-v12;q=0.9, hmac-sha256;q=0.5"}
	for name, v := range want {
		if p := auth.FindParam("", name); string(p.Value()) != v {
			t.Errorf("skd/auth %s = %q, want %q", name, p.Value(), v)
		}
	}
	if ev.ID() != 7 {
		t.Errorf("ObservedEvents request id %d, want 7", ev.ID())
	}
	for _, code := range []int{0, 402} {
		if err := m.Parse(term.buildReply(90001, code, "why")); err != nil {
			t.Fatal(err)
		}
		w := m.Walker()
		tx, _ := w.Transaction()
		if tx.Token() != h248.TokReply || tx.ID() != 90001 ||
			tx.Find(h248.TokError).Valid() != (code != 0) {
			t.Errorf("reply with code %d:\n%s", code, m.Bytes())
		}
	}
}

// TestParseMGC reads an MGC message with an authentication header, a Reply, a
// Pending and a Modify.
func TestParseMGC(t *testing.T) {
	msg := "AU = 0x1F2E3D4C:0x00000001:0x00112233445566778899AABBCCDDEEFF\n" +
		"MEGACO/1 [127.0.0.1]:2945\n" +
		"Reply = 11 { Error = 402 { \"no\" } }\nPending = 12 { }\n" +
		"Transaction = 90002 { Context = - { Modify = ROOT { Media { TerminationState {" +
		" skd/term = \"dGVybQ==\", skd/wrap = \"aes128gcm\", tdmc/ec = on } }," +
		" Events = 3 { skd/auth } } } }"
	in, err := parseMGC(new(h248.Message), []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	r := in.reply(11)
	mod := in.modifyWith("term")
	switch {
	case !in.auth || in.spi != 0x1F2E3D4C || in.seq != 1 ||
		in.seqText != "0x1F2E3D4C:0x00000001" || len(in.authData) != 16:
		t.Errorf("header: %+v", in)
	case in.mid != "[127.0.0.1]:2945" || r == nil || !r.hasErr || r.errCode != 402 ||
		r.errText != "no" || !in.pending(12) || in.pending(11):
		t.Errorf("replies: %+v", in)
	case mod == nil || mod.id != 90002 || len(mod.props) != 2 || mod.props["wrap"] != "aes128gcm" ||
		!mod.askAuth || mod.rid != 3:
		t.Errorf("modify: %+v", mod)
	}
	dup := strings.Replace(msg, "tdmc/ec = on", `skd/wrap = "x"`, 1)
	if _, err := parseMGC(new(h248.Message), []byte(dup)); !errors.Is(err, errMGCDuplicate) {
		t.Errorf("repeated property: %v", err)
	}
	var many strings.Builder
	many.WriteString("MEGACO/1 [127.0.0.1]:2945\n")
	for i := range maxMGCItems + 1 {
		fmt.Fprintf(&many, "Reply = %d { Context = - { Modify = ROOT } }\n", i+1)
	}
	if _, err := parseMGC(new(h248.Message), []byte(many.String())); !errors.Is(err, errMGCTooMany) {
		t.Errorf("%d replies: %v", maxMGCItems+1, err)
	}
}

// TestMGConfig refuses an unknown protocol and an offer the ServiceChange could not
// quote.
func TestMGConfig(t *testing.T) {
	base := Config{Identity: "mg1", Kc: kcFor("mg1"),
		Proxy: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2944}}
	for _, c := range []Config{
		func() Config { c := base; c.Protocol = "mgcp2"; return c }(),
		func() Config { c := base; c.Protocol = ProtocolH248; c.Offer = []string{`a"b`}; return c }(),
	} {
		if _, err := New(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v, want ErrBadConfig", c.Offer, err)
		}
	}
}

// FuzzParseMGC feeds arbitrary messages to the gateway's reader (seeds: the MGC's
// messages of each kind, in testdata/fuzz/FuzzParseMGC). Property: no panic; what it
// returns respects the limits, and the header's SPI:SeqNum text reads back as the
// parsed numbers.
func FuzzParseMGC(f *testing.F) {
	var m h248.Message
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseMGC(&m, b)
		if err != nil {
			return
		}
		if len(in.replies) > maxMGCItems || len(in.modifies) > maxMGCItems ||
			len(in.pendings) > maxMGCItems {
			t.Fatalf("limits exceeded: %+v", in)
		}
		for _, mod := range in.modifies {
			if len(mod.props) > maxSKDProps {
				t.Fatalf("%d properties", len(mod.props))
			}
		}
		if in.auth {
			var spi, seq uint32
			n, err := fmt.Sscanf(strings.ToLower(in.seqText), "0x%x:0x%x", &spi, &seq)
			if n != 2 || err != nil || spi != in.spi || seq != in.seq {
				t.Fatalf("seq text %q does not give %08x:%08x", in.seqText, in.spi, in.seq)
			}
		}
	})
}

// mgcStep is one step of a scripted MGC: wait for a message from the gateway that
// contains want, then send the replies, in which "%d" stands for the TransactionID
// of the message that matched.
type mgcStep struct {
	want    string
	replies []string
}

// runFakeMGC answers one gateway by script over loopback UDP and delivers every
// message the gateway sent, until the script ends and the gateway falls silent.
func runFakeMGC(t *testing.T, conn *net.UDPConn, steps []mgcStep) <-chan []string {
	seen := make(chan []string, 1)
	go func() {
		var got []string
		defer func() { seen <- got }()
		buf := make([]byte, h248.MaxMessageSize)
		for _, st := range steps {
			for {
				_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
				n, src, err := conn.ReadFromUDP(buf)
				if err != nil {
					return
				}
				msg := string(buf[:n])
				got = append(got, msg)
				if !strings.Contains(msg, st.want) {
					continue
				}
				var id uint32
				if _, after, ok := strings.Cut(msg, "Transaction = "); ok {
					_, _ = fmt.Sscanf(after, "%d", &id)
				}
				for _, r := range st.replies {
					_, _ = conn.WriteToUDP([]byte(fmt.Sprintf(r, id)), src)
				}
				break
			}
		}
		for { // what the gateway still sends after the script
			_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			got = append(got, string(buf[:n]))
		}
	}()
	return seen
}

// TestMGPendingRepeatAndError: a Pending slows the gateway down without failing it, a
// challenge that comes twice gets the gateway's Reply twice, and an Error 500 to the
// Notify fails the registration naming code and text.
func TestMGPendingRepeatAndError(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const hdr = "MEGACO/1 [127.0.0.1]:2945\n"
	challenge := hdr + "Reply = %d { Context = - { ServiceChange = ROOT } }\n" +
		"Transaction = 77 { Context = - { Modify = ROOT { Media { TerminationState {" +
		` skd/realm = "sigproxy.test", skd/nonce = "abc", skd/alg = "MD5",` +
		` skd/server = "hmac-sha256" } }, Events = 2 { skd/auth } } } }`
	seen := runFakeMGC(t, conn, []mgcStep{
		{"ServiceChange", []string{hdr + "Pending = %d { }", challenge, challenge}},
		{"Notify", []string{hdr + `Reply = %d { Error = 500 { "no key today" } }`}},
	})
	rep := Run(context.Background(), Config{Protocol: ProtocolH248, Identity: "mg1",
		Kc: kcFor("mg1"), Proxy: conn.LocalAddr().(*net.UDPAddr),
		Offer: []string{"hmac-sha256"}, T1: 50 * time.Millisecond})
	got := <-seen
	steps := strings.Join(rep.Steps, "\n")
	if rep.Outcome != "failed: error 500 no key today" || rep.Status != 500 ||
		!strings.Contains(steps, "received Pending") || !strings.Contains(steps, "repeated Reply 77") {
		t.Fatalf("outcome %q status %d\n%s", rep.Outcome, rep.Status, steps)
	}
	replies := 0
	for _, m := range got {
		if strings.Contains(m, "Reply = 77 { Context = - { Modify = ROOT } }") {
			replies++
		}
	}
	if replies < 2 || !strings.Contains(strings.Join(got, ""), "ObservedEvents = 2 {") {
		t.Errorf("%d Replies to the challenge, want 2; gateway sent:\n%s", replies,
			strings.Join(got, "\n"))
	}
}

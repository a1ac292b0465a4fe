package terminal

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

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
		func() Config { c := base; c.Protocol = "mgcp"; return c }(),
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

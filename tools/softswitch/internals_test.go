package softswitch

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFIFOMapEvictsOldestAndExpires(t *testing.T) {
	m := newFIFOMap[int](2, time.Minute)
	if m.put("a", 1, t0) || m.put("b", 2, t0.Add(time.Second)) {
		t.Fatal("eviction below the cap")
	}
	if !m.put("c", 3, t0.Add(2*time.Second)) {
		t.Fatal("no eviction at the cap")
	}
	if _, ok := m.get("a", t0); ok {
		t.Fatal("oldest entry survived eviction")
	}
	if v, ok := m.take("b", t0.Add(3*time.Second)); !ok || v != 2 {
		t.Fatalf("take b = %d, %v", v, ok)
	}
	if _, ok := m.get("b", t0); ok {
		t.Fatal("taken entry still there")
	}
	if _, ok := m.get("c", t0.Add(2*time.Second+time.Minute)); ok {
		t.Fatal("expired entry returned")
	}
	m.put("d", 4, t0)
	m.put("e", 5, t0.Add(30*time.Second))
	if n := m.sweep(t0.Add(time.Minute)); n != 1 || m.len() != 1 {
		t.Fatalf("sweep removed %d, left %d", n, m.len())
	}
}

func TestBindingTable(t *testing.T) {
	tb := newBindingTable(3)
	r := &registration{aor: "sip:a@x", callID: "c1", cseq: 1,
		contacts: []contactUpdate{{uri: "sip:a@1", expires: 60}, {uri: "sip:a@2", expires: 120}}}
	bs, err := tb.apply(r, t0)
	if err != nil || len(bs) != 2 || tb.len() != 2 {
		t.Fatalf("apply = %d bindings, %v", len(bs), err)
	}
	if _, err := tb.apply(r, t0); !errors.Is(err, errOutOfOrder) {
		t.Fatalf("same CSeq again: %v, want errOutOfOrder", err)
	}
	full := &registration{aor: "sip:b@x", callID: "c2", cseq: 1,
		contacts: []contactUpdate{{uri: "sip:b@1", expires: 60}, {uri: "sip:b@2", expires: 60}}}
	if _, err := tb.apply(full, t0); !errors.Is(err, errTableFull) || tb.len() != 2 {
		t.Fatalf("over the cap: %v, len %d", err, tb.len())
	}
	// After the first binding expires a sweep makes room.
	if _, err := tb.apply(full, t0.Add(61*time.Second)); err != nil || tb.len() != 3 {
		t.Fatalf("after expiry: %v, len %d", err, tb.len())
	}
	del := &registration{aor: "sip:b@x", callID: "c2", cseq: 2, wildcard: true}
	if bs, err := tb.apply(del, t0.Add(62*time.Second)); err != nil || len(bs) != 0 ||
		tb.len() != 1 {
		t.Fatalf("wildcard removal: %v, %d left, len %d", err, len(bs), tb.len())
	}
	rm := &registration{aor: "sip:a@x", callID: "c9", cseq: 1,
		contacts: []contactUpdate{{uri: "sip:a@2", expires: 0}}}
	if bs, err := tb.apply(rm, t0.Add(62*time.Second)); err != nil || len(bs) != 0 ||
		tb.len() != 0 {
		t.Fatalf("expires=0 removal: %v, %d left, len %d", err, len(bs), tb.len())
	}
}

func TestBindingTablePerAORCap(t *testing.T) {
	tb := newBindingTable(1000)
	r := &registration{aor: "sip:a@x", callID: "c", cseq: 1}
	for i := 0; i <= MaxContactsPerAOR; i++ {
		r.contacts = append(r.contacts, contactUpdate{uri: fmt.Sprint("sip:a@", i), expires: 60})
	}
	if _, err := tb.apply(r, t0); !errors.Is(err, errTableFull) || tb.len() != 0 {
		t.Fatalf("per-AOR cap: %v, len %d", err, tb.len())
	}
}

func TestDeltaSeconds(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"3600", 3600, true}, {"86401", MaxExpires, true},
		{"99999999999999999999999", MaxExpires, true}, {"", 0, false}, {"-1", 0, false},
		{"1.5", 0, false}, {" 60", 0, false},
	}
	for _, c := range cases {
		got, err := deltaSeconds([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("deltaSeconds(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestCheckQop(t *testing.T) {
	cases := []struct {
		c  credentials
		ok bool
	}{
		{credentials{}, true},
		{credentials{qop: "auth", nc: "00000001", cnonce: "x"}, true},
		{credentials{qop: "AUTH", nc: "0000000a", cnonce: "x"}, true},
		{credentials{qop: "auth-int", nc: "00000001", cnonce: "x"}, false},
		{credentials{qop: "auth", nc: "1", cnonce: "x"}, false},
		{credentials{qop: "auth", nc: "0000000g", cnonce: "x"}, false},
		{credentials{qop: "auth", nc: "00000001"}, false},
		{credentials{nc: "00000001"}, false},
	}
	for _, c := range cases {
		if err := checkQop(&c.c); (err == nil) != c.ok {
			t.Errorf("checkQop(%+v) = %v", c.c, err)
		}
	}
}

func TestOfferOf(t *testing.T) {
	cases := []struct {
		elem string
		want skd.Offer
	}{
		{"hmac-sha256;q=0.5", skd.Offer{Mech: skd.MechHMACSHA256, Q: 500}},
		{"ASCON128A-V12", skd.Offer{Mech: skd.MechAscon128aV12, Q: skd.QAbsent}},
		{"hmac-sha256;q=1.5", skd.Offer{Mech: skd.MechHMACSHA256, Q: skd.QMalformed}},
		{"hmac-sha256;q=0.1;q=0.2", skd.Offer{Mech: skd.MechHMACSHA256, Q: skd.QMalformed}},
		{"digest;q=0.1", skd.Offer{Mech: skd.MechNone, Q: 100}},
		{";q=0.1", skd.Offer{Mech: skd.MechNone, Q: skd.QMalformed}},
	}
	for _, c := range cases {
		if got := offerOf([]byte(c.elem)); got != c.want {
			t.Errorf("offerOf(%q) = %+v, want %+v", c.elem, got, c.want)
		}
	}
}

func TestDetectMode(t *testing.T) {
	cases := []struct {
		extra string
		want  mode
		ok    bool
	}{
		{"", mode{kind: modePlain}, true},
		{"Path: <sip:edge@10.0.0.1;lr>\r\n", mode{kind: modePlain}, true},
		{"Security-Client: hmac-sha256\r\n", mode{kind: modeDirect}, true},
		{"Require: sec-agree\r\n", mode{kind: modeDirect}, true},
		{"Path: <sip:sp1@127.0.0.1:5060;lr;wrap=ascon128a-v12>\r\nPath: <sip:x@y;wrap=aes128gcm>\r\n",
			mode{kind: modeProxy, proxyID: "sp1", wrap: skd.WrapAscon128aV12}, true},
		{"Path: <sip:sp1@127.0.0.1;WRAP=aes128gcm;lr>\r\nSecurity-Client: hmac-sha256\r\n",
			mode{kind: modeProxy, proxyID: "sp1", wrap: skd.WrapAES128GCM}, true},
		{"Path: <sip:sp1@127.0.0.1;wrap=>\r\n", mode{}, false},
		{"Path: <sip:127.0.0.1;wrap=aes128gcm>\r\n", mode{}, false},
	}
	for _, c := range cases {
		var m sip.Message
		raw := "REGISTER sip:a SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n" +
			"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n" +
			c.extra + "Content-Length: 0\r\n\r\n"
		if err := m.Parse([]byte(raw)); err != nil {
			t.Fatalf("parse: %v", err)
		}
		got, err := detectMode(&m)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("detectMode(%q) = %+v, %v; want %+v", c.extra, got, err, c.want)
		}
	}
}

func TestStampVia(t *testing.T) {
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}
	cases := []struct{ elem, want string }{
		{"SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1",
			"SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1"},
		{"SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bK1",
			"SIP/2.0/UDP 127.0.0.1:5060;rport=4242;branch=z9hG4bK1;received=127.0.0.1"},
		{"SIP/2.0/UDP host.test;branch=z9hG4bK1;received=10.0.0.9",
			"SIP/2.0/UDP host.test;branch=z9hG4bK1;received=127.0.0.1"},
		{`SIP/2.0/UDP 127.0.0.2;x="a;b"`, `SIP/2.0/UDP 127.0.0.2;x="a;b";received=127.0.0.1`},
	}
	for _, c := range cases {
		via, err := sip.ParseVia([]byte(c.elem))
		if err != nil {
			t.Fatalf("ParseVia(%q): %v", c.elem, err)
		}
		req := &request{via: via, src: src}
		if got := string(stampVia(nil, []byte(c.elem), req)); got != c.want {
			t.Errorf("stampVia(%q) = %q, want %q", c.elem, got, c.want)
		}
		dest := destination(req)
		wantPort := via.Port
		if via.HasRPort {
			wantPort = 4242
		} else if wantPort == 0 {
			wantPort = 5060
		}
		if !dest.IP.Equal(src.IP) || dest.Port != wantPort {
			t.Errorf("destination(%q) = %v, want port %d", c.elem, dest, wantPort)
		}
	}
}

func TestVectorRedacted(t *testing.T) {
	v := &vector{nonce: "n1", ha1: map[string]string{"MD5": "secretha1"},
		sk: []byte("SECRETSESSIONKEY")}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(f, v)
		if strings.Contains(out, "secretha1") || strings.Contains(out, "SECRET") ||
			strings.Contains(out, fmt.Sprintf("%x", v.sk)) {
			t.Errorf("%s leaks: %s", f, out)
		}
	}
}

func TestConfigDefaultsAndErrors(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrNoAC) {
		t.Errorf("no AC: %v", err)
	}
	url := "http://127.0.0.1:1"
	if _, err := New(Config{ACURL: url, DigestAlgorithms: []string{"SHA-512"}}); !errors.Is(err,
		ErrBadDigestAlg) {
		t.Errorf("bad digest alg: %v", err)
	}
	if _, err := New(Config{ACURL: url, Realm: `a"b`}); !errors.Is(err, ErrBadRealm) {
		t.Errorf("bad realm: %v", err)
	}
	if _, err := New(Config{ACURL: url, Mechanisms: []skd.Mechanism{skd.MechNone}}); !errors.Is(
		err, ErrBadMechanism) {
		t.Errorf("bad mechanism: %v", err)
	}
	s, err := New(Config{ACURL: url, DigestAlgorithms: []string{"md5", " sha-256", "MD5"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.cfg.algs, ","); got != "MD5,SHA-256" {
		t.Errorf("algs %q", got)
	}
	if err := s.Close(); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Close before Start: %v", err)
	}
	if _, err := ParseMechanisms("hmac-sha256, ascon128a-v12"); err != nil {
		t.Errorf("ParseMechanisms: %v", err)
	}
	if _, err := ParseMechanisms("hmac-sha256,"); !errors.Is(err, ErrBadMechanism) {
		t.Errorf("ParseMechanisms trailing comma: %v", err)
	}
}

func TestServeOnGivenConn(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Conn: conn, AC: &memAC{kc: make([]byte, skd.KcSize)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if s.Addr().String() != conn.LocalAddr().String() {
		t.Fatalf("Addr %v, want %v", s.Addr(), conn.LocalAddr())
	}
	if err := s.Start(); !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("second Start: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteToUDP([]byte("x"), s.Addr()); err == nil {
		t.Fatal("conn still open after Close")
	}
}

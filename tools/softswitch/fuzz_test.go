package softswitch

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// memAC is an in-process AC without HTTP: every identity is a subscriber with one
// fixed Kc, and proxy "sp1" has one fixed Ksp.
type memAC struct{ kc, ksp []byte }

func (a *memAC) Auth(_ context.Context, req authcenter.AuthRequest) (*authcenter.AuthVector,
	error) {
	if req.Proxy != "" && req.Proxy != "sp1" {
		return nil, authcenter.ErrUnknownProxy
	}
	if req.Wrap == "" {
		req.Wrap = "aes128gcm"
	}
	alg, _ := skd.ParseWrapAlg([]byte(req.Wrap))
	nonce := "00112233445566778899aabbccddeeff"
	pw := skd.DigestPassword(a.kc)
	md5, _ := skd.HA1(AlgMD5, req.Identity, req.Realm, pw)
	sha, _ := skd.HA1(AlgSHA256, req.Identity, req.Realm, pw)
	sk := make([]byte, skd.SessionKeySize)
	tk, pk := skd.TerminalKEK(a.kc), skd.ProxyKEK(a.ksp)
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientTerminal),
		Identity: []byte(req.Identity), Realm: []byte(req.Realm), Nonce: []byte(nonce)}
	tb, err := skd.WrapKey(alg, &tk, ad, sk, rand.Reader)
	if err != nil {
		return nil, err
	}
	ad.Recipient, ad.KID = []byte(skd.RecipientProxy), []byte("1")
	pb, err := skd.WrapKey(alg, &pk, ad, sk, rand.Reader)
	if err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString
	v := &authcenter.AuthVector{Nonce: nonce, Realm: req.Realm, Wrap: req.Wrap,
		HA1: map[string]string{AlgMD5: md5, AlgSHA256: sha}, Terminal: enc(tb)}
	if req.Proxy == "" {
		v.SK = enc(sk)
	} else {
		v.Proxy, v.KID = enc(pb), "1"
	}
	return v, nil
}

func (a *memAC) Success(context.Context, string, string) error { return nil }

// FuzzRegister feeds datagrams through the request handler. Property: nothing panics,
// and every answer is a SIP response that parses and keeps the request's Call-ID.
func FuzzRegister(f *testing.F) {
	s, err := New(Config{AC: &memAC{kc: make([]byte, skd.KcSize),
		ksp: make([]byte, skd.KspSize)}, MaxPending: 64, MaxBindings: 64,
		MaxTransactions: 64})
	if err != nil {
		f.Fatal(err)
	}
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40001}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var msg sip.Message
		if msg.Parse(pkt) != nil || !msg.IsRequest() {
			return
		}
		req, err := s.newRequest(&msg, src)
		if err != nil {
			return
		}
		resp, _ := s.dispatch(req)
		var out sip.Message
		if err := out.Parse(resp); err != nil {
			t.Fatalf("response does not parse: %v\n%q", err, resp)
		}
		callID, _ := out.Get(sip.HdrCallID)
		if out.IsRequest() || !bytes.Equal(callID, req.callID) {
			t.Fatalf("bad response to %q:\n%q", pkt, resp)
		}
	})
}

// FuzzMGC feeds H.248 messages through the MGC's transaction handler (seeds in
// testdata/fuzz/FuzzMGC: a ServiceChange of each mode and a Notify). Property:
// nothing panics, and every answer parses and replies to the transaction it answers.
func FuzzMGC(f *testing.F) {
	s, err := New(Config{AC: &memAC{kc: make([]byte, skd.KcSize),
		ksp: make([]byte, skd.KspSize)}, MaxPending: 64, MaxBindings: 64,
		MaxTransactions: 64})
	if err != nil {
		f.Fatal(err)
	}
	s.mid = "[127.0.0.1]:2945"
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40010}
	var in, out h248.Message
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if in.Parse(pkt) != nil {
			return
		}
		w := in.Walker()
		for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
			if tx.Token() != h248.TokTransaction {
				continue
			}
			resp, _ := s.mgcDispatch(&mgcRequest{msg: &in, tx: tx, id: tx.ID(), src: src,
				now: time.Now()})
			if err := out.Parse(resp); err != nil {
				t.Fatalf("answer does not parse: %v\n%s", err, resp)
			}
			ow := out.Walker()
			if r, err := ow.Transaction(); err != nil || r.Token() != h248.TokReply ||
				r.ID() != tx.ID() {
				t.Fatalf("answer to %d is no reply to it:\n%s", tx.ID(), resp)
			}
		}
	})
}

// FuzzCA feeds MGCP datagrams through the CA's command handler (seeds in
// testdata/fuzz/FuzzCA: an RSIP of each mode, a NTFY with X-SKDAU, a response).
// Property: nothing panics, and every answer parses, its first message being a
// response to the command it answers.
func FuzzCA(f *testing.F) {
	s, err := New(Config{AC: &memAC{kc: make([]byte, skd.KcSize),
		ksp: make([]byte, skd.KspSize)}, MaxPending: 64, MaxBindings: 64,
		MaxTransactions: 64})
	if err != nil {
		f.Fatal(err)
	}
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40010}
	var in, out mgcp.Message
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var d mgcp.Datagram
		for d.Reset(pkt); d.Next(&in); {
			if !in.IsCommand() {
				continue
			}
			resp, _, _ := s.caDispatch(&caRequest{msg: &in, src: src, now: time.Now()})
			var od mgcp.Datagram
			od.Reset(resp)
			if !od.Next(&out) || !out.IsResponse() ||
				out.TransactionID() != in.TransactionID() {
				t.Fatalf("answer to %d is no response to it:\n%q", in.TransactionID(), resp)
			}
			for od.Next(&out) {
			}
			if err := od.Err(); err != nil {
				t.Fatalf("answer does not parse: %v\n%q", err, resp)
			}
		}
	})
}

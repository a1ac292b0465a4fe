package skd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"regexp"
	"strconv"
	"testing"
)

// FuzzOpen feeds arbitrary blobs and AD fields to an Opener: it must never panic,
// never open (a forgery is out of a fuzzer's reach), and never append on failure.
func FuzzOpen(f *testing.F) {
	kek := ProxyKEK(seq(0x20, KspSize))
	o, err := NewOpener(&kek)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, alg byte, blob, identity, nonce, kid []byte) {
		ad := &WrapAD{Recipient: []byte(RecipientProxy), Identity: identity,
			Realm: []byte("sigproxy.test"), Nonce: nonce, KID: kid}
		got, err := o.Open([]byte("d"), WrapAlg(alg), ad, blob)
		if err == nil {
			t.Fatalf("random blob %x opened to %x", blob, got)
		}
		if string(got) != "d" {
			t.Fatalf("dst changed on error: %q", got)
		}
		if !errors.Is(err, ErrUnwrap) && !errors.Is(err, ErrBadBlob) &&
			!errors.Is(err, ErrUnknownWrap) && !errors.Is(err, ErrFieldTooLong) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzMACInput builds the MAC input from fuzzed fields (offered entries are the
// comma-separated pieces of one input). It must never panic, must refuse exactly
// the inputs over the limits, and what it accepts must decode back field by field.
func FuzzMACInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, protocol string, status, txn, cseq, tags, nonce,
		chosen, offered, terminal, wrap []byte) {
		fromTag, toTag, _ := bytes.Cut(tags, []byte(";"))
		fields := &RegFields{Protocol: protocol, Status: status, TxnID: txn, Seq: cseq,
			FromTag: fromTag, ToTag: toTag, Nonce: nonce, Chosen: chosen,
			Terminal: terminal, Wrap: wrap}
		if len(offered) > 0 {
			fields.Offered = bytes.Split(offered, []byte(","))
		}
		out, err := AppendMACInput(nil, fields)
		if wantErr := limitError(fields); !errors.Is(err, wantErr) {
			t.Fatalf("err = %v, want %v", err, wantErr)
		}
		if err != nil {
			if len(out) != 0 {
				t.Fatal("output on error")
			}
			return
		}
		checkDecodes(t, out, fields)
	})
}

// limitError is the reference for AppendMACInput's limits.
func limitError(f *RegFields) error {
	if f.Protocol == "" || len(f.Protocol) > maxProtocol {
		return ErrFieldTooLong
	}
	if len(f.Offered) > MaxOffered {
		return ErrTooManyOffered
	}
	all := append([][]byte{f.Status, f.TxnID, f.Seq, f.FromTag, f.ToTag, f.Nonce,
		f.Chosen, f.Terminal, f.Wrap}, f.Offered...)
	for _, b := range all {
		if len(b) > MaxField {
			return ErrFieldTooLong
		}
	}
	return nil
}

// checkDecodes parses out as LP fields and compares them with f.
func checkDecodes(t *testing.T, out []byte, f *RegFields) {
	t.Helper()
	next := func() []byte {
		if len(out) < 2 {
			t.Fatalf("truncated output")
		}
		n := int(binary.BigEndian.Uint16(out))
		if len(out) < 2+n {
			t.Fatalf("field length %d past end", n)
		}
		v := out[2 : 2+n]
		out = out[2+n:]
		return v
	}
	want := [][]byte{[]byte("sigproxy-v1 " + f.Protocol + "-reg-mac"), f.Status, f.TxnID,
		f.Seq, f.FromTag, f.ToTag, f.Nonce, trimSpace(f.Chosen)}
	for i, w := range want {
		if got := next(); !bytes.Equal(got, w) {
			t.Fatalf("field %d = %q, want %q", i, got, w)
		}
	}
	if len(out) < 2 || int(binary.BigEndian.Uint16(out)) != len(f.Offered) {
		t.Fatalf("offered count wrong")
	}
	out = out[2:]
	for i, e := range f.Offered {
		if got := next(); !bytes.Equal(got, trimSpace(e)) {
			t.Fatalf("offered %d = %q", i, got)
		}
	}
	if !bytes.Equal(next(), f.Terminal) || !bytes.Equal(next(), f.Wrap) || len(out) != 0 {
		t.Fatal("tail fields wrong")
	}
}

// FuzzAsconMAC checks the in-package Ascon-128a MAC against circl.
func FuzzAsconMAC(f *testing.F) {
	f.Fuzz(func(t *testing.T, key, ad []byte) {
		var k [asconKeySize]byte
		copy(k[:], key)
		checkAsconAgainstCircl(t, &k, ad)
	})
}

var qGrammar = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// FuzzParseQ checks ParseQ against the RFC 3261 qvalue grammar and a float parse.
func FuzzParseQ(f *testing.F) {
	f.Fuzz(func(t *testing.T, v []byte) {
		got := ParseQ(v)
		if !qGrammar.Match(v) {
			if got != QMalformed {
				t.Fatalf("ParseQ(%q) = %d, want QMalformed", v, got)
			}
			return
		}
		fl, err := strconv.ParseFloat(string(bytes.TrimSuffix(v, []byte("."))), 64)
		if err != nil || got != int(math.Round(fl*1000)) {
			t.Fatalf("ParseQ(%q) = %d, float %v (%v)", v, got, fl, err)
		}
	})
}

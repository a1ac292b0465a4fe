package main

import (
	"strconv"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// appendRegister writes the terminal's next REGISTER into t.req (PROTOCOL.md §5.1 for
// the first, §5.3 for the second): plain appends into a reused buffer, so building a
// request costs no allocation once the buffer has grown. auth is the Authorization
// value of the second REGISTER; nil writes the identity-only one of the first.
func (t *term) appendRegister(realm string, auth []byte) {
	b := t.appendRequestHead(t.req[:0], "REGISTER", realm, true)
	b = append(b, "Contact: <sip:"...)
	b = append(b, t.identity...)
	b = append(b, '@')
	b = append(b, t.sock.host...)
	b = append(b, ">\r\nExpires: 3600\r\n"...)
	if len(t.offer) > 0 {
		b = append(b, t.offerHdr...)
		if auth != nil && len(t.ch.chosen) > 0 {
			b = append(b, "Security-Verify: "...)
			b = append(b, t.ch.chosen...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "Authorization: "...)
	if auth == nil {
		b = appendEmptyAuth(b, t.identity, realm)
	} else {
		b = append(b, auth...)
	}
	b = append(b, "\r\nUser-Agent: sigbench\r\nContent-Length: 0\r\n\r\n"...)
	t.req = b
}

// appendRequestHead writes the request line for sip:realm and the header lines
// every request of the terminal starts with, up to CSeq. To is the terminal's
// own address of record when toSelf (REGISTER), sip:realm otherwise.
func (t *term) appendRequestHead(b []byte, method, realm string, toSelf bool) []byte {
	b = append(b, method...)
	b = append(b, " sip:"...)
	b = append(b, realm...)
	b = append(b, " SIP/2.0\r\nVia: SIP/2.0/UDP "...)
	b = append(b, t.sock.host...)
	b = append(b, ";branch="...)
	b = append(b, t.branch...)
	b = append(b, ";rport\r\nMax-Forwards: 70\r\nFrom: <"...)
	b = append(b, t.aor...)
	b = append(b, ">;tag="...)
	b = append(b, t.fromTag...)
	b = append(b, "\r\nTo: <"...)
	if toSelf {
		b = append(b, t.aor...)
	} else {
		b = append(b, "sip:"...)
		b = append(b, realm...)
	}
	b = append(b, ">\r\nCall-ID: "...)
	b = append(b, t.callID...)
	b = append(b, "\r\nCSeq: "...)
	b = strconv.AppendUint(b, uint64(t.cseq), 10)
	b = append(b, ' ')
	b = append(b, method...)
	return append(b, "\r\n"...)
}

// appendEmptyAuth writes the Authorization of a first REGISTER: the identity for the
// softswitch to ask the AC about, no credentials (PROTOCOL.md §5.1).
func appendEmptyAuth(b []byte, identity, realm string) []byte {
	b = append(b, `Digest username="`...)
	b = append(b, identity...)
	b = append(b, `", realm="`...)
	b = append(b, realm...)
	b = append(b, `", nonce="", uri="sip:`...)
	b = append(b, realm...)
	return append(b, `", response=""`...)
}

// appendDigest writes the second REGISTER's Authorization value (RFC 7616 §3.4) for
// the challenge t.ch, with H(A1) cached per algorithm and realm: a terminal that
// registers again pays only for the response hash.
func (t *term) appendDigest(b []byte, uriRealm string) ([]byte, error) {
	ch := &t.ch
	if err := t.cacheHA1(); err != nil {
		return b, err
	}
	uri := "sip:" + uriRealm
	var nc, cnonce, qop string
	if ch.qop {
		nc, cnonce, qop = "00000001", randomHex(8), "auth"
	}
	resp, err := skd.DigestResponse(ch.alg, t.ha1, string(ch.nonce), "REGISTER", uri, qop,
		nc, cnonce)
	if err != nil {
		return b, err
	}
	b = append(b, `Digest username="`...)
	b = append(b, t.identity...)
	b = append(b, `", realm="`...)
	b = append(b, ch.realm...)
	b = append(b, `", nonce="`...)
	b = append(b, ch.nonce...)
	b = append(b, `", uri="`...)
	b = append(b, uri...)
	b = append(b, `", response="`...)
	b = append(b, resp...)
	b = append(b, `", algorithm=`...)
	b = append(b, ch.alg...)
	if ch.qop {
		b = append(b, `, qop=auth, nc=`...)
		b = append(b, nc...)
		b = append(b, `, cnonce="`...)
		b = append(b, cnonce...)
		b = append(b, '"')
	}
	if len(ch.opaque) > 0 {
		b = append(b, `, opaque="`...)
		b = append(b, ch.opaque...)
		b = append(b, '"')
	}
	return b, nil
}

// cacheHA1 computes H(A1) for the challenge's algorithm and realm unless it is
// cached already.
func (t *term) cacheHA1() error {
	ch := &t.ch
	if isHA1Key(t.ha1Key, ch.alg, ch.realm) {
		return nil
	}
	ha1, err := skd.HA1(ch.alg, t.identity, string(ch.realm), t.password)
	if err != nil {
		return err
	}
	t.ha1, t.ha1Key = ha1, ch.alg+" "+string(ch.realm)
	if t.mg != nil {
		t.mg.ha1 = append(t.mg.ha1[:0], ha1...)
	}
	return nil
}

// isHA1Key reports whether key, the cached H(A1)'s "algorithm realm", is alg and
// realm, without building the key (a registration that hits the cache allocates
// nothing).
func isHA1Key(key, alg string, realm []byte) bool {
	return len(key) == len(alg)+1+len(realm) && key[:len(alg)] == alg &&
		key[len(alg)] == ' ' && key[len(alg)+1:] == string(realm)
}

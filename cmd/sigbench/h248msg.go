package main

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// The media gateway's messages (docs/PROTOCOL.md §11.2, §11.4), written with plain
// appends into reused buffers in the layout of the profile's examples.

// maxFirstTxnID bounds a gateway's random first TransactionID, leaving the rest of
// UINT32 for its later transactions.
const maxFirstTxnID = 1 << 24

// mgTerm is what an H.248 terminal (a media gateway) keeps beside the SIP fields of
// term. Each gateway owns its socket: the proxy keeps a gateway's registration by
// its address and port (§11.6), so two gateways cannot share one.
type mgTerm struct {
	mid       string // [address]:port of the gateway's socket
	endpoint  string // MGCP: aaln/1@[address]:port, its endpoint name
	xid       []byte // MGCP: the challenge's RequestIdentifier, echoed in the NTFY
	offerText string // X-SKDOF and offer=: the entries joined by ", "
	nextTxn   uint32
	txn       uint32 // the TransactionID in flight
	rid       uint32 // RequestID of the challenge's Events, echoed in ObservedEvents
	ha1       []byte // t.ha1 as bytes
	ha2       []byte // H(uri identity) in hex, for ha2Alg
	ha2Alg    string
}

// newMGTerm prepares the gateway part of t, which owns its socket t.sock.
func newMGTerm(t *term) *mgTerm {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return &mgTerm{
		mid:       mgMID(t.sock.host),
		endpoint:  "aaln/1@" + mgMID(t.sock.host),
		offerText: strings.Join(t.offer, ", "),
		// A random start keeps a restarted gateway clear of the transactions the
		// proxy and the MGC still remember for its predecessor on the same port.
		nextTxn: binary.BigEndian.Uint32(b[:])%maxFirstTxnID + 1,
	}
}

// mgMID writes host:port as an H.248 mId, [address]:port.
func mgMID(hostPort string) string {
	i := strings.LastIndexByte(hostPort, ':')
	return "[" + strings.Trim(hostPort[:i], "[]") + "]" + hostPort[i:]
}

// newTxn starts the gateway's next transaction.
func (g *mgTerm) newTxn() uint32 {
	g.txn = g.nextTxn
	g.nextTxn++
	return g.txn
}

// appendTxnHead writes the message header and the start of the gateway's
// transaction in flight, "MEGACO/1 <mid>\nTransaction = <id>".
func (g *mgTerm) appendTxnHead(b []byte) []byte {
	b = append(b, "MEGACO/1 "...)
	b = append(b, g.mid...)
	b = append(b, "\nTransaction = "...)
	return strconv.AppendUint(b, uint64(g.txn), 10)
}

// appendServiceChange writes the registration request (§11.2) into t.req: a
// ServiceChange Restart on ROOT with the identity and, for an offering gateway, the
// offer.
func (t *term) appendServiceChange() {
	g := t.mg
	b := g.appendTxnHead(t.req[:0])
	b = append(b, " {\n  Context = - {\n    ServiceChange = ROOT {\n      Services {\n"+
		"        Method = Restart, Reason = \"901 Cold Boot\",\n        X-SKDID = \""...)
	b = append(b, t.identity...)
	b = append(b, '"')
	if len(t.offer) > 0 {
		b = append(b, ",\n        X-SKDOF = \""...)
		b = append(b, g.offerText...)
		b = append(b, '"')
	}
	t.req = append(b, "\n      }\n    }\n  }\n}\n"...)
}

// appendNotify writes the registration again (§11.4) into t.req: the skd/auth
// event with the digest response resp and, for an offering gateway, the chosen
// entry echoed and the offer repeated.
func (t *term) appendNotify(resp []byte) {
	g := t.mg
	b := g.appendTxnHead(t.req[:0])
	b = append(b, " {\n  Context = - {\n    Notify = ROOT {\n      ObservedEvents = "...)
	b = strconv.AppendUint(b, uint64(g.rid), 10)
	b = append(b, " {\n        skd/auth { id = \""...)
	b = append(b, t.identity...)
	b = append(b, "\", nonce = \""...)
	b = append(b, t.ch.nonce...)
	b = append(b, "\", resp = \""...)
	b = append(b, resp...)
	b = append(b, '"')
	if len(t.offer) > 0 {
		b = append(b, ",\n          verify = \""...)
		b = append(b, t.ch.chosen...)
		b = append(b, "\",\n          offer = \""...)
		b = append(b, g.offerText...)
		b = append(b, '"')
	}
	t.req = append(b, " }\n      }\n    }\n  }\n}\n"...)
}

// appendModifyReply writes the gateway's Reply to the MGC's Modify id on ROOT:
// empty on success, Error 402 with reason otherwise. reason is one of sigbench's
// fixed failure texts, which hold no quote.
func appendModifyReply(b []byte, mid string, id uint32, reason string) []byte {
	b = append(b, "MEGACO/1 "...)
	b = append(b, mid...)
	b = append(b, "\nReply = "...)
	b = strconv.AppendUint(b, uint64(id), 10)
	if reason == "" {
		return append(b, " { Context = - { Modify = ROOT } }\n"...)
	}
	b = append(b, " { Error = 402 { \"sigbench: "...)
	b = append(b, reason...)
	return append(b, "\" } }\n"...)
}

// appendMGDigest appends a gateway's digest response (§11.1, §12.1) for the
// challenge t.ch: RFC 7616 without qop, H(H(A1) ":" nonce ":" H(uri identity)), uri
// being "Notify:megaco:" for H.248 and "NTFY:mgcp:" for MGCP. H(A1)
// (per algorithm and realm) and the second hash (per algorithm) are cached, so a
// gateway that registers again hashes once, in the receiver's reused hash state.
func (t *term) appendMGDigest(b []byte, d *digester, uri []byte) ([]byte, error) {
	ch := &t.ch
	if err := t.cacheHA1(); err != nil {
		return b, err
	}
	g := t.mg
	if g.ha2Alg != ch.alg {
		g.ha2 = d.appendHash(g.ha2[:0], ch.alg, uri, t.idBytes)
		g.ha2Alg = ch.alg
	}
	return d.appendHash(b, ch.alg, g.ha1, colon, ch.nonce, colon, g.ha2), nil
}

// Constant parts of the digest hashes.
var (
	colon     = []byte(":")
	notifyURI = []byte("Notify:megaco:") // method ":" and the uri up to the identity
)

// digester holds one hash state per digest algorithm, reused for every response a
// receiver computes.
type digester struct {
	md5, sha256 hash.Hash
	sum         []byte
}

func newDigester() *digester {
	return &digester{md5: md5.New(), sha256: sha256.New(), sum: make([]byte, 0, sha256.Size)}
}

// appendHash appends the lower-case hex hash of the parts, in order, under alg
// (SHA-256 unless alg is MD5; skd.HA1 has already refused any other name).
func (d *digester) appendHash(b []byte, alg string, parts ...[]byte) []byte {
	h := d.sha256
	if strings.EqualFold(alg, skd.DigestMD5) {
		h = d.md5
	}
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	d.sum = h.Sum(d.sum[:0])
	return hex.AppendEncode(b, d.sum)
}

package main

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// termState is where a terminal is in its registration.
type termState uint8

const (
	stateIdle     termState = iota
	stateWait401            // first REGISTER sent, waiting for the challenge
	stateWait200            // second REGISTER sent, waiting for the 200
	stateWordWait           // a worded request sent after the registration (-after)
)

// branchPrefix starts every branch sigbench makes: the RFC 3261 magic cookie and a
// tag. Then come the run's random tag (runTagLen hex digits and '-'), which keeps
// branches unique across runs as RFC 3261 §8.1.1.7 asks (a registrar remembers
// finished transactions by branch), and the terminal's index and the CSeq, so a
// response finds its terminal without a map lookup.
const branchPrefix = "z9hG4bKsb"

// runTagLen is the length of the run tag in a branch: 32 random bits.
const runTagLen = 8

// newRunTag returns a fresh run tag for the branches of one run.
func newRunTag() string { return randomHex(runTagLen / 2) }

// term is one simulated terminal: a registration state machine sharing a socket
// with others. The fields above mu are fixed after setup; the rest are guarded by mu.
type term struct {
	idx      int
	runTag   string // this run's part of every branch
	identity string
	offer    []string // Security-Client entries; nil for a plain registration
	offerHdr []byte   // the Security-Client line with Require and Proxy-Require
	offered  [][]byte // the offer's entries, for the MAC input
	password string   // digest password derived from Kc
	kek      [skd.KEKSize]byte
	sock     *sock
	fromTag  string
	aor      string // "sip:identity@realm"
	aorBytes []byte // aor, for the word input without a conversion
	timer    *time.Timer
	idBytes  []byte  // the identity, for the wrap AD without a conversion
	mg       *mgTerm // the media gateway's state; nil for a SIP terminal

	mu       sync.Mutex
	callID   string // new for each registration with -fresh-call-id
	state    termState
	cseq     uint32
	branch   []byte
	req      []byte // the request in flight, kept for retransmission
	started  time.Time
	txStart  time.Time
	deadline time.Time
	retxAt   time.Time
	retx     time.Duration
	ch       challenge
	ha1      string // cached H(A1) for ha1Key
	ha1Key   string // algorithm and realm the cached H(A1) is for
	opener   *skd.Opener
	w        wordState // -after: the words of the current registration
}

// challenge is what a terminal keeps from the 401, copied out of the read buffer.
type challenge struct {
	alg    string
	realm  []byte
	nonce  []byte
	opaque []byte
	qop    bool
	chosen []byte // the Security-Server entry echoed in Security-Verify
	mech   skd.Mechanism
}

// newTerm prepares terminal idx with its key material and a fresh Call-ID.
func newTerm(idx int, runTag, identity, realm string, kc []byte, offer []string,
	s *sock) *term {
	t := &term{
		idx:      idx,
		runTag:   runTag,
		identity: identity,
		idBytes:  []byte(identity),
		aor:      "sip:" + identity + "@" + realm,
		aorBytes: []byte("sip:" + identity + "@" + realm),
		offer:    offer,
		password: skd.DigestPassword(kc),
		kek:      skd.TerminalKEK(kc),
		sock:     s,
		callID:   randomHex(8) + "@" + s.host,
		fromTag:  randomHex(6),
	}
	for _, e := range offer {
		t.offered = append(t.offered, []byte(e))
	}
	if len(offer) > 0 {
		line := "Require: sec-agree\r\nProxy-Require: sec-agree\r\nSecurity-Client: "
		for i, e := range offer {
			if i > 0 {
				line += ", "
			}
			line += e
		}
		t.offerHdr = []byte(line + "\r\n")
	}
	return t
}

// nextBranch sets a fresh branch for the next transaction; CSeq must be bumped first.
func (t *term) nextBranch() {
	b := append(t.branch[:0], branchPrefix...)
	b = append(append(b, t.runTag...), '-')
	b = strconv.AppendInt(b, int64(t.idx), 10)
	b = append(b, '.')
	t.branch = strconv.AppendUint(b, uint64(t.cseq), 10)
}

// branchIndex reads the terminal index out of a branch sigbench made; ok is false
// for any other branch.
func branchIndex(b []byte) (idx int, ok bool) {
	head := len(branchPrefix) + runTagLen + 1
	if len(b) <= head || string(b[:len(branchPrefix)]) != branchPrefix || b[head-1] != '-' {
		return 0, false
	}
	n := 0
	digits := 0
	for _, c := range b[head:] {
		if c == '.' {
			break
		}
		if c < '0' || c > '9' || digits >= maxIndexDigits {
			return 0, false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return n, digits > 0
}

// maxIndexDigits bounds the index part of a branch: more than MaxTerminals needs.
const maxIndexDigits = 9

// randomHex returns 2n hex digits from crypto/rand.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

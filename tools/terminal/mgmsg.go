package terminal

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// The media gateway's side of H.248 (docs/PROTOCOL.md §11): its mId, its
// TransactionIDs, and the messages it writes, laid out as in the profile's examples.

// maxFirstTxnID bounds the random first TransactionID, leaving the rest of UINT32 for
// the gateway's later transactions.
const maxFirstTxnID = 1 << 24

// mgState is what an H.248 terminal keeps between messages.
type mgState struct {
	mid     string // [address]:port of the gateway's socket
	nextTxn uint32
	msg     *h248.Message // parser for received messages, reused
	// answered maps the MGC TransactionIDs this gateway replied to onto the reply,
	// sent again when the MGC's message comes again (RFC 3525 §D.1.4).
	answered map[uint32][]byte
	words    *gatewayWords // after a registration with a key
}

// newMGState names the gateway after its socket and starts its TransactionIDs at a
// random point, so that a gateway restarted on the same port does not meet the
// replies the MGC still holds for its predecessor.
func newMGState(la *net.UDPAddr) *mgState {
	return &mgState{
		mid:      "[" + la.IP.String() + "]:" + strconv.Itoa(la.Port),
		nextTxn:  randomTxnID(maxFirstTxnID),
		msg:      new(h248.Message),
		answered: map[uint32][]byte{},
	}
}

// randomTxnID returns a random first transaction id from 1 to limit.
func randomTxnID(limit uint32) uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint32(b[:])%limit + 1
}

// txnID returns the next TransactionID.
func (g *mgState) txnID() uint32 {
	id := g.nextTxn
	g.nextTxn++
	return id
}

// header starts a message from the gateway.
func (g *mgState) header(b *strings.Builder) {
	fmt.Fprintf(b, "MEGACO/1 %s\n", g.mid)
}

// buildServiceChange writes the registration request of §11.2: a ServiceChange
// Restart on ROOT with the identity and, when the terminal offers mechanisms, the
// offer.
func (t *Terminal) buildServiceChange(id uint32) []byte {
	var b strings.Builder
	t.mg.header(&b)
	fmt.Fprintf(&b, "Transaction = %d {\n  Context = - {\n    ServiceChange = ROOT {\n", id)
	b.WriteString("      Services {\n        Method = Restart, Reason = \"901 Cold Boot\",\n")
	fmt.Fprintf(&b, "        X-SKDID = \"%s\"", t.cfg.Identity)
	if len(t.cfg.Offer) > 0 {
		fmt.Fprintf(&b, ",\n        X-SKDOF = \"%s\"", strings.Join(t.cfg.Offer, ", "))
	}
	b.WriteString("\n      }\n    }\n  }\n}\n")
	return []byte(b.String())
}

// buildNotify writes the registration again of §11.4: the skd/auth event with the
// digest response and, when the terminal offered, the echo of the choice and the
// offer repeated.
func (t *Terminal) buildNotify(id uint32, ch *challenge, resp string) []byte {
	var b strings.Builder
	t.mg.header(&b)
	fmt.Fprintf(&b, "Transaction = %d {\n  Context = - {\n    Notify = ROOT {\n", id)
	fmt.Fprintf(&b, "      ObservedEvents = %d {\n", ch.requestID)
	fmt.Fprintf(&b, "        skd/auth { id = \"%s\", nonce = \"%s\", resp = \"%s\"",
		t.cfg.Identity, ch.nonce, resp)
	if len(t.cfg.Offer) > 0 {
		fmt.Fprintf(&b, ",\n          verify = \"%s\",\n          offer = \"%s\"", ch.chosen,
			strings.Join(t.cfg.Offer, ", "))
	}
	b.WriteString(" }\n      }\n    }\n  }\n}\n")
	return []byte(b.String())
}

// buildReply writes the gateway's Reply to an MGC Modify on ROOT: empty on success,
// with Error = code { "text" } otherwise.
func (t *Terminal) buildReply(id uint32, code int, text string) []byte {
	var b strings.Builder
	t.mg.header(&b)
	if code == 0 {
		fmt.Fprintf(&b, "Reply = %d { Context = - { Modify = ROOT } }\n", id)
	} else {
		fmt.Fprintf(&b, "Reply = %d { Error = %d { \"%s\" } }\n", id, code, text)
	}
	return []byte(b.String())
}

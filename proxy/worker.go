package proxy

import (
	"net/netip"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Worker is one event loop's view of a Handler: the parsed message and the
// scratch space the per-message step reuses. A Worker is not safe for
// concurrent use.
type Worker struct {
	h     *Handler
	self  *selfAddr
	msg   sip.Message
	now   int64
	macer *skd.MACer

	openers []kidOpener
	hw      *h248Worker // H.248 scratch, made on the first H.248 message
	mw      *mgcpWorker // MGCP scratch, made on the first MGCP message

	// inConn is the TCP connection the message came on (nil for UDP);
	// outConn the one Step chose for what it returns (nil: send by UDP).
	inConn, outConn *tcpConn

	// Scratch reused on every message; sized for the limits in pending.go.
	list    [skd.MaxOffered][]byte
	offers  [skd.MaxOffered]skd.Offer
	macIn   []byte
	salvage []byte
	sk      [skd.SessionKeySize]byte
	blob    [128]byte
	tag     [64]byte
	tagB64  [96]byte
	seq     [64]byte
	status  [8]byte
	server  []byte
	kdLine  []byte
	addrBuf [64]byte
}

// kidOpener caches an Opener for one proxy key id; building the ciphers is
// the costly part of unwrapping.
type kidOpener struct {
	kid    []byte
	kek    *[16]byte
	opener *skd.Opener
}

// NewWorker returns a Worker for one event loop.
func (h *Handler) NewWorker() *Worker {
	return &Worker{h: h, macer: skd.NewMACer(), macIn: make([]byte, 0, 4096),
		salvage: make([]byte, 0, 5*maxSalvageLine),
		server:  make([]byte, 0, maxOffer), kdLine: make([]byte, 0, 512)}
}

// Step handles one datagram received from src. It appends the datagram to
// send to out[:0] and returns it with its destination; ok is false when the
// message is dropped. Step never sends anything itself.
func (w *Worker) Step(pkt []byte, src netip.AddrPort, out []byte) (res []byte, dst netip.AddrPort, ok bool) {
	w.inConn = nil
	return w.step(pkt, src, out)
}

// step is Step for a message from w.inConn (nil for a datagram).
func (w *Worker) step(pkt []byte, src netip.AddrPort, out []byte) (res []byte, dst netip.AddrPort, ok bool) {
	w.outConn = nil
	w.h.ctr.in.Add(1)
	w.self = w.h.self.Load()
	if w.self == nil {
		return nil, dst, false
	}
	w.now = time.Now().UnixNano()
	out = out[:0]

	if err := w.msg.Parse(pkt); err != nil {
		return w.malformed(pkt, src, out, err)
	}
	if w.msg.IsRequest() {
		return w.request(src, out)
	}
	return w.response(src, out)
}

// sent counts a message that Step hands back for sending. An answer to a
// message that came over TCP goes back on its connection (RFC 3261 §18.2.2).
func (w *Worker) sent(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	if w.inConn != nil && dst == w.inConn.remote {
		w.outConn = w.inConn
	}
	w.h.ctr.out.Add(1)
	return out, dst, true
}

// drop counts a dropped message and logs it at debug level: a flood of
// drops must not become a flood of log lines.
func (w *Worker) drop(r Reason) ([]byte, netip.AddrPort, bool) {
	w.h.count(r)
	if ce := w.h.log.Check(zap.DebugLevel, "dropped"); ce != nil {
		ce.Write(zap.String("reason", r.String()))
	}
	return nil, netip.AddrPort{}, false
}

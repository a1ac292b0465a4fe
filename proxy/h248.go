package proxy

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// h248State is the H.248 side's state shared by every event loop.
type h248State struct {
	mgc  netip.AddrPort
	self atomic.Pointer[h248Self]
	txns *txnTable
	mgs  *mgTable
	// noMechText is the text of the 402 for an offer with nothing the proxy
	// supports: its mechanisms, as a 494's Security-Server lists them.
	noMechText []byte
}

// h248Self is the proxy's H.248 address and the mId it writes into the
// messages it builds (PROTOCOL.md §11.6).
type h248Self struct {
	addr netip.AddrPort
	mid  []byte // "[127.0.0.1]:2944"
}

func newH248State(cfg *Config, serverList []byte) *h248State {
	return &h248State{
		mgc:        cfg.H248Softswitch,
		txns:       newTxnTable(cfg.H248TxnCapacity, math.MaxUint32),
		mgs:        newMGTable(cfg.SessionCapacity),
		noMechText: append([]byte("sigproxy: no acceptable mechanism; supported: "), serverList...),
	}
}

// sweep removes expired H.248 state.
func (st *h248State) sweep(now int64) {
	st.txns.sweep(now)
	st.mgs.sweep(now)
}

// txnLen returns the number of open gateway transactions.
func (st *h248State) txnLen() int { return st.txns.len() }

// setH248Addr records the bound H.248 address. A wildcard address is
// replaced in the mId by the advertised (or SIP listen) address.
func (h *Handler) setH248Addr(a netip.AddrPort) {
	ip := a.Addr()
	if ip.IsUnspecified() {
		switch {
		case h.cfg.Advertise.IsValid():
			ip = h.cfg.Advertise.Addr()
		case !h.cfg.Listen.Addr().IsUnspecified():
			ip = h.cfg.Listen.Addr()
		}
	}
	ip = ip.Unmap()
	mid := append([]byte{'['}, ip.String()...)
	mid = append(mid, "]:"...)
	mid = appendInt(mid, int(a.Port()))
	h.h248.self.Store(&h248Self{addr: a, mid: mid})
}

// maxRefusals bounds the transactions of one gateway message the proxy
// answers itself; the rest of such a message is not forwarded (see
// h248FromMG).
const maxRefusals = 8

// h248Worker is one event loop's H.248 scratch space: the parsed message,
// its editor, and every buffer an edit refers to until Append.
type h248Worker struct {
	msg h248.Message
	ed  h248.Editor

	list     [skd.MaxOffered][]byte
	offers   [skd.MaxOffered]skd.Offer
	ids      [h248.MaxEdits][10]byte
	nIDs     int
	regKey   [23]byte
	sessKey  [len(h248SessionPrefix) + maxField]byte
	px       []byte // the X-SKDPX item
	server   []byte // the skd/server item
	auth     []byte // the authentication header
	seq      [32]byte
	txnID    [10]byte
	hexTag   [64]byte
	refused  [maxRefusals]refusal
	nRefused int
	mg       netip.AddrPort // where the MGC's message goes, once known
	word     wordScratch
	worded   bool // the gateway's message carried a verified t2p word
}

// refusal is a gateway transaction the proxy answers with an Error.
type refusal struct {
	id   uint32
	code int
	r    Reason
	text []byte
}

// outcome is what a registration step decided: the kind of transaction to
// remember, or an Error to answer with (code), or a drop (r without code).
type outcome struct {
	kind uint8
	code int
	r    Reason
}

func newH248Worker() *h248Worker {
	return &h248Worker{px: make([]byte, 0, 128), server: make([]byte, 0, maxOffer+32),
		auth: make([]byte, 0, 128), word: newWordScratch()}
}

// StepH248 handles one H.248 datagram received from src on the H.248 socket
// (PROTOCOL.md §11). It appends the datagram to send to out[:0] and returns
// it with its destination; ok is false when the message is dropped. Like
// Step it never sends anything itself and allocates nothing in steady state.
func (w *Worker) StepH248(pkt []byte, src netip.AddrPort, out []byte) (res []byte, dst netip.AddrPort, ok bool) {
	c := &w.h.ctr
	c.in.Add(1)
	c.h248In.Add(1)
	st := w.h.h248
	if st == nil || st.self.Load() == nil {
		return w.drop(ReasonH248Disabled)
	}
	if w.hw == nil {
		w.hw = newH248Worker()
	}
	w.now = time.Now().UnixNano()
	hw := w.hw
	if err := hw.msg.Parse(pkt); err != nil {
		if errors.Is(err, h248.ErrBadAuth) && st.mgs.live(src, w.now) {
			return w.drop(ReasonH248WordMalformed)
		}
		return w.drop(ReasonH248Malformed)
	}
	hw.ed.Reset(&hw.msg)
	hw.nIDs, hw.nRefused, hw.mg, hw.worded = 0, 0, netip.AddrPort{}, false
	if sameAddrPort(src, st.mgc) {
		return w.h248FromMGC(out[:0])
	}
	return w.h248FromMG(src, out[:0])
}

// h248FromMG forwards a gateway's message to the MGC: every Transaction gets
// a proxy id, registrations are checked and edited on the way (§11.2,
// §11.4), and Reply, Pending and TransactionResponseAck pass unchanged.
//
// Limitation: StepH248 sends one datagram, so when the proxy answers a
// transaction itself (402, 503) the other transactions of the same message
// are not forwarded; the gateway retransmits them. Registrations travel
// alone in practice.
func (w *Worker) h248FromMG(src netip.AddrPort, out []byte) ([]byte, netip.AddrPort, bool) {
	hw := w.hw
	if r := w.h248WordIn(src); r != ReasonNone {
		return w.h248RefuseWord(out, src, r)
	}
	for tx := hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() != h248.TokTransaction {
			continue
		}
		o := w.h248Request(src, tx)
		switch {
		case o.code != 0:
			w.h.count(o.r)
			if hw.nRefused < maxRefusals {
				hw.refused[hw.nRefused] = refusal{id: tx.ID(), code: o.code, r: o.r,
					text: w.h248ErrorText(o.r)}
				hw.nRefused++
			}
		case o.r != ReasonNone:
			return w.drop(o.r)
		}
	}
	if hw.nRefused > 0 {
		return w.h248Refuse(out, src)
	}
	return w.h248Forward(out, w.h.h248.mgc)
}

// h248Request runs the registration checks of one gateway Transaction and
// gives it its proxy id.
//
// Limitation: only commands on ROOT take part in registration (§11.2,
// §11.4); skd values on other terminations are relayed as they are. The
// per-source share counts by IP address, so gateways behind one NAT address
// share it, as SIP terminals do.
func (w *Worker) h248Request(src netip.AddrPort, tx h248.Node) outcome {
	st := w.h.h248
	key := txnKey{mg: src, id: tx.ID()}
	known := st.txns.known(key, w.now)
	kind := txnPlain
	for ctx := tx.FirstChild(); ctx.Valid(); ctx = ctx.Next() {
		for cmd := ctx.FirstChild(); cmd.Valid(); cmd = cmd.Next() {
			if cmd.Kind() != h248.KindCommand || !isRoot(cmd) {
				continue
			}
			var o outcome
			switch cmd.Token() {
			case h248.TokServiceChange:
				o = w.h248ServiceChange(src, cmd, known)
			case h248.TokNotify:
				o = w.h248Notify(src, cmd)
			}
			if o.code != 0 || o.r != ReasonNone {
				return o
			}
			kind = max(kind, o.kind)
		}
	}
	id, _, err := st.txns.assignWorded(key, kind, w.hw.worded, w.now)
	switch err {
	case nil:
	case errTxnSource:
		return outcome{code: 503, r: ReasonSourceLimit}
	default:
		return outcome{code: 503, r: ReasonH248TxnTableFull}
	}
	return w.setTxnID(tx, id)
}

// setTxnID rewrites a transaction's id; the digits live in the worker until
// Append.
func (w *Worker) setTxnID(tx h248.Node, id uint32) outcome {
	hw := w.hw
	if hw.nIDs == len(hw.ids) {
		return outcome{r: ReasonH248TooManyEdits}
	}
	b := strconv.AppendUint(hw.ids[hw.nIDs][:0], uint64(id), 10)
	hw.nIDs++
	if err := hw.ed.SetValue(tx, b); err != nil {
		return outcome{r: editReason(err)}
	}
	return outcome{}
}

// editReason names an Editor failure: too many edits, or an edit the
// message cannot take.
func editReason(err error) Reason {
	if err == h248.ErrTooManyEdits {
		return ReasonH248TooManyEdits
	}
	if err == h248.ErrMessageTooLarge {
		return ReasonH248TooLarge
	}
	return ReasonH248Malformed
}

// isRoot reports whether a command's TerminationID is ROOT.
func isRoot(cmd h248.Node) bool { return equalFold(cmd.Value(), termRoot) }

var termRoot = []byte("ROOT")

// h248Forward writes the edited message and hands it back for dst.
func (w *Worker) h248Forward(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	out, err := w.hw.ed.Append(out)
	if err != nil {
		return w.drop(editReason(err))
	}
	if len(out) > maxUDPPayload {
		return w.drop(ReasonH248TooLarge)
	}
	return w.sentH248(out, dst)
}

// sentH248 counts an H.248 datagram that StepH248 hands back for sending.
func (w *Worker) sentH248(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	w.h.ctr.h248Out.Add(1)
	return w.sent(out, dst)
}

// h248Refuse answers the refused transactions of a gateway's message.
func (w *Worker) h248Refuse(out []byte, src netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	hw := w.hw
	out = w.appendH248Header(out)
	for _, r := range hw.refused[:hw.nRefused] {
		out = appendErrorReply(out, r.id, r.code, r.text)
	}
	w.logH248("registration refused", src, nil, hw.refused[0].code, hw.refused[0].r)
	return w.localH248(out, src)
}

// localH248 counts a message the proxy built itself.
func (w *Worker) localH248(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	w.h.ctr.local.Add(1)
	w.h.ctr.h248Local.Add(1)
	return w.sentH248(out, dst)
}

// appendH248Header writes the proxy's message header: the version of the
// message being answered and the proxy's mId.
func (w *Worker) appendH248Header(out []byte) []byte {
	out = append(out, "MEGACO/"...)
	out = appendInt(out, max(w.hw.msg.Header().Version, 1))
	out = append(out, ' ')
	out = append(out, w.h.h248.self.Load().mid...)
	return append(out, "\r\n"...)
}

// appendErrorReply writes Reply = id { Error = code { "text" } } (RFC 3525
// B.2 transactionReply with an errorDescriptor).
func appendErrorReply(out []byte, id uint32, code int, text []byte) []byte {
	out = append(out, "Reply = "...)
	out = strconv.AppendUint(out, uint64(id), 10)
	out = append(out, " { Error = "...)
	out = appendInt(out, code)
	out = append(out, " { \""...)
	out = append(out, text...)
	return append(out, "\" } }\r\n"...)
}

// Error texts of the replies the proxy builds (PROTOCOL.md §11.9).
var (
	textKeyDistFailed = "sigproxy: key distribution failed: "
	h248Texts         = func() [numReasons][]byte {
		var t [numReasons][]byte
		t[ReasonH248TxnTableFull] = []byte("sigproxy: transaction table full")
		t[ReasonPendingFull] = []byte("sigproxy: registration table full")
		t[ReasonSourceLimit] = []byte("sigproxy: too many registrations from this source")
		t[ReasonH248BadOffer] = []byte("sigproxy: bad offer (X-SKDOF, X-SKDID)")
		t[ReasonH248NoAgreement] = []byte("sigproxy: verify without an agreement")
		t[ReasonH248VerifyMismatch] = []byte("sigproxy: verify changed")
		t[ReasonH248OfferMismatch] = []byte("sigproxy: offer changed")
		for r := ReasonH248ChallengeBad; r <= ReasonH248SessionFull; r++ {
			t[r] = append([]byte(textKeyDistFailed), r.String()[len("h248_"):]...)
		}
		t[ReasonH248KeyDistNoAgreement] = []byte(textKeyDistFailed + "no agreement")
		for r := ReasonH248WordMissing; r <= ReasonH248WordReplayed; r++ {
			t[r] = append([]byte("sigproxy: verification word "), r.String()[len("h248_word_"):]...)
		}
		return t
	}()
)

// h248ErrorText returns the text of the Error the proxy answers r with.
func (w *Worker) h248ErrorText(r Reason) []byte {
	if r == ReasonH248NoMechanism {
		return w.h.h248.noMechText
	}
	return h248Texts[r]
}

// logH248 writes one line per H.248 registration outcome, never key
// material.
func (w *Worker) logH248(msg string, mg netip.AddrPort, p *pending, code int, r Reason) {
	w.logGateway("h248", "mg", msg, mg, p, code, r)
}

// logGateway writes one line per gateway registration outcome of protocol
// proto, the gateway's address under peerKey; never key material.
func (w *Worker) logGateway(proto, peerKey, msg string, gw netip.AddrPort, p *pending,
	code int, r Reason) {
	level := zap.InfoLevel
	if r != ReasonNone || code != 0 {
		level = zap.WarnLevel
	}
	ce := w.h.log.Check(level, msg)
	if ce == nil {
		return
	}
	fields := []zap.Field{zap.String("protocol", proto), zap.Stringer(peerKey, gw)}
	if p != nil {
		fields = append(fields, zap.String("mechanism", p.mech.String()),
			zap.ByteString("identity", p.identity.bytes()))
	}
	if code != 0 {
		fields = append(fields, zap.Int("error", code))
	}
	if r != ReasonNone {
		fields = append(fields, zap.String("reason", r.String()))
	}
	ce.Write(fields...)
}

// sameAddrPort compares two addresses as IPv4 where one of them is an
// IPv4-mapped IPv6 address, as a dual-stack socket reports IPv4 peers.
func sameAddrPort(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && a.Addr().Unmap() == b.Addr().Unmap()
}

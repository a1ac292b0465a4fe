package proxy

import (
	"net/netip"
	"time"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// MGCPSide names the socket an MGCP datagram came in on (PROTOCOL.md §12):
// the proxy stands where gateways expect the call agent and where the call
// agent expects gateways.
type MGCPSide uint8

// The two MGCP sockets.
const (
	// MGCPFromGateway is the gateway-side socket, Config.MGCPGatewayListen.
	MGCPFromGateway MGCPSide = iota + 1
	// MGCPFromCallAgent is the call-agent-side socket,
	// Config.MGCPCallAgentListen.
	MGCPFromCallAgent
)

// mgcpSessionPrefix prefixes a gateway's identity in the session table, so
// MGCP identities never meet SIP addresses of record or H.248 identities.
//
// Limitation: the session key lives h248SessionTTL (3600 s) unless the
// gateway registers again; MGCP has no registration expiry to follow.
const mgcpSessionPrefix = "mgcp:"

// mgcpState is the MGCP side's state shared by every event loop.
type mgcpState struct {
	ca      netip.AddrPort
	txns    *txnTable
	gws     *mgTable
	domains *domainTable
	// serverList is the X-SKDSV value of the proxy's 510: every mechanism
	// it supports, as a 494's Security-Server lists them.
	serverList []byte
}

func newMGCPState(cfg *Config, serverList []byte) *mgcpState {
	return &mgcpState{
		ca:         cfg.MGCPCallAgent,
		txns:       newTxnTable(cfg.MGCPTxnCapacity, mgcp.MaxTransactionID),
		gws:        newMGTable(cfg.SessionCapacity),
		domains:    newDomainTable(cfg.SessionCapacity),
		serverList: serverList,
	}
}

// sweep removes expired MGCP state.
func (st *mgcpState) sweep(now int64) {
	st.txns.sweep(now)
	st.gws.sweep(now)
	st.domains.sweep(now)
}

// checkMGCP checks the MGCP addresses: both sockets and the call agent are
// needed together, and each socket needs an address of its own.
func (c *Config) checkMGCP() error {
	gw, ca := c.MGCPGatewayListen, c.MGCPCallAgentListen
	if !gw.IsValid() {
		return nil
	}
	if !ca.IsValid() || !c.MGCPCallAgent.IsValid() {
		return ErrNoMGCPCallAgent
	}
	for _, a := range [...]netip.AddrPort{gw, ca} {
		if a.Port() != 0 && (a == c.Listen || a == c.H248Listen) {
			return ErrMGCPSameListen
		}
	}
	if gw == ca && gw.Port() != 0 {
		return ErrMGCPSameListen
	}
	return nil
}

// mgcpWorker is one event loop's MGCP scratch space: the parsed message,
// its editor, and every buffer an edit refers to until Append.
type mgcpWorker struct {
	msg mgcp.Message
	dg  mgcp.Datagram
	ed  mgcp.Editor

	list    [skd.MaxOffered][]byte
	offers  [skd.MaxOffered]skd.Offer
	regKey  [23]byte
	sessKey [len(mgcpSessionPrefix) + maxField]byte
	domain  [mgcp.MaxDomainLength]byte
	px      []byte // the X-SKDPX value
	sv      []byte // the X-SKDSV value of a challenge
	kd      []byte // the rewritten X-SKDKD value
	wd      mgcpWordScratch
	txnID   [10]byte

	resp     [mgcp.MaxPiggyback]mgcpResp // the call agent's responses, by position
	refused  [mgcp.MaxPiggyback]refusal
	nRefused int
	eol      string         // line end of the proxy's own responses
	prevEOL  string         // line end of the message written last
	gw       netip.AddrPort // where the call agent's datagram goes, once known
}

// mgcpResp is a response of the call agent's datagram that answers a
// gateway command: the gateway transaction and the response code.
type mgcpResp struct {
	e    txnEntry
	code int
	ok   bool
}

func newMGCPWorker() *mgcpWorker {
	return &mgcpWorker{px: make([]byte, 0, 128), sv: make([]byte, 0, maxOffer),
		kd: make([]byte, 0, 512), wd: mgcpWordScratch{wordScratch: newWordScratch(),
			val: make([]byte, 0, 128)}}
}

// StepMGCP handles one MGCP datagram received from src on the socket side
// (PROTOCOL.md §12). It appends the datagram to send to out[:0] and returns
// it with its destination: the call agent (send it from the call-agent-side
// socket) or a gateway (send it from the gateway-side socket). ok is false
// when the datagram is dropped. Like Step it never sends anything itself
// and allocates nothing in steady state.
func (w *Worker) StepMGCP(pkt []byte, src netip.AddrPort, side MGCPSide,
	out []byte) (res []byte, dst netip.AddrPort, ok bool) {
	c := &w.h.ctr
	c.in.Add(1)
	c.mgcpIn.Add(1)
	st := w.h.mgcp
	if st == nil {
		return w.drop(ReasonMGCPDisabled)
	}
	if w.mw == nil {
		w.mw = newMGCPWorker()
	}
	w.now = time.Now().UnixNano()
	mw := w.mw
	mw.nRefused, mw.gw, mw.eol, mw.prevEOL = 0, netip.AddrPort{}, "", ""
	switch side {
	case MGCPFromGateway:
		if !mw.parses(pkt) {
			return w.drop(ReasonMGCPMalformed)
		}
		return w.mgcpFromGateway(pkt, src, out[:0])
	case MGCPFromCallAgent:
		if !sameAddrPort(src, st.ca) {
			return w.drop(ReasonMGCPNotFromCallAgent)
		}
		return w.mgcpFromCallAgent(pkt, out[:0])
	}
	return w.drop(ReasonMGCPUnroutable)
}

// parses reports whether every message of the datagram parses, so that a
// bad message at its end leaves no state behind from the ones before it.
func (mw *mgcpWorker) parses(pkt []byte) bool {
	mw.dg.Reset(pkt)
	for mw.dg.Next(&mw.msg) {
	}
	return mw.dg.Err() == nil
}

// mgcpFromGateway forwards a gateway's datagram to the call agent: each
// command gets a proxy transaction id, registrations are checked and
// edited on the way (§12.2), responses pass unchanged (§12.3).
//
// Limitation: StepMGCP sends one datagram, so when the proxy answers a
// command itself (409, 510) the other messages of the same datagram are
// not forwarded; the gateway retransmits them. Registrations travel alone
// in practice.
func (w *Worker) mgcpFromGateway(pkt []byte, src netip.AddrPort, out []byte) ([]byte,
	netip.AddrPort, bool) {
	mw := w.mw
	m := &mw.msg
	mw.dg.Reset(pkt)
	for mw.dg.Next(m) {
		mw.ed.Reset(m)
		if mw.eol == "" {
			mw.eol = m.LineEnd()
		}
		switch {
		case m.IsCommand():
			o := w.mgcpCommand(src)
			switch {
			case o.code != 0:
				w.h.count(o.r)
				mw.refused[mw.nRefused] = refusal{id: m.TransactionID(), code: o.code, r: o.r}
				mw.nRefused++
				continue
			case o.r != ReasonNone:
				return w.drop(o.r)
			}
		case m.IsResponseAck():
			w.mgcpAckID(src)
		}
		if mw.nRefused > 0 {
			continue
		}
		var r Reason
		if out, r = mw.appendMessage(out); r != ReasonNone {
			return w.drop(r)
		}
	}
	if mw.nRefused > 0 {
		return w.mgcpRefuse(out[:0], src)
	}
	return w.mgcpSend(out, w.h.mgcp.ca)
}

// mgcpAckID gives a gateway's response acknowledgement (000) the proxy id
// of the command it confirms, when the proxy still knows it.
//
// Limitation: the ResponseAck parameter (K:) of a gateway's command is not
// translated: it names the gateway's own ids, which the call agent does not
// know, so the call agent keeps those responses until its own timer ends
// (RFC 3435 §3.5 makes K: an optimisation).
func (w *Worker) mgcpAckID(src netip.AddrPort) {
	mw := w.mw
	key := txnKey{mg: src, id: mw.msg.TransactionID()}
	if id, ok := w.h.mgcp.txns.idOf(key, w.now); ok {
		_ = mw.ed.SetTransactionID(id) // a valid id: cannot fail on a fresh Editor
	}
}

// mgcpCommand runs the registration checks of one gateway command and gives
// it its proxy id. The id is kept txnTTL (32 s) after its last use, which
// covers the 30 s a gateway keeps retransmitting (RFC 3435 §3.5.3, T-HIST).
//
// Limitation: the per-source share counts by IP address, so gateways behind
// one NAT address share it, as SIP terminals and H.248 gateways do.
func (w *Worker) mgcpCommand(src netip.AddrPort) outcome {
	mw := w.mw
	st := w.h.mgcp
	key := txnKey{mg: src, id: mw.msg.TransactionID()}
	r, worded := w.mgcpWordIn(src)
	if r != ReasonNone {
		return outcome{code: 510, r: r}
	}
	var o outcome
	switch mw.msg.Verb() {
	case mgcp.VerbRSIP:
		o = w.mgcpRSIP(src, st.txns.known(key, w.now))
	case mgcp.VerbNTFY:
		o = w.mgcpNTFY(src)
	}
	if o.code != 0 || o.r != ReasonNone {
		return o
	}
	id, _, err := st.txns.assignWorded(key, o.kind, worded, w.now)
	switch err {
	case nil:
	case errTxnSource:
		return outcome{code: 409, r: ReasonMGCPSourceLimit}
	default:
		return outcome{code: 409, r: ReasonMGCPTxnTableFull}
	}
	if err := mw.ed.SetTransactionID(id); err != nil {
		return outcome{r: mgcpEditReason(err)}
	}
	return outcome{}
}

// appendMessage writes the edited message after a piggy-back separator
// when it is not the first one (RFC 3435 §3.5).
func (mw *mgcpWorker) appendMessage(out []byte) ([]byte, Reason) {
	if mw.prevEOL != "" {
		out = appendSeparator(out, mw.prevEOL)
	}
	out, err := mw.ed.Append(out)
	if err != nil {
		return out, mgcpEditReason(err)
	}
	mw.prevEOL = mw.msg.LineEnd()
	return out, ReasonNone
}

// appendSeparator ends the message written last (an SDP may lack its last
// line end) and writes the line holding a single ".", in that message's
// line-end style.
func appendSeparator(out []byte, eol string) []byte {
	if n := len(out); n > 0 && out[n-1] != '\n' && out[n-1] != '\r' {
		out = append(out, eol...)
	}
	out = append(out, '.')
	return append(out, eol...)
}

// mgcpEditReason names an Editor failure.
func mgcpEditReason(err error) Reason {
	switch err {
	case mgcp.ErrTooManyEdits:
		return ReasonMGCPTooManyEdits
	case mgcp.ErrMessageTooLarge, mgcp.ErrTooManyParameters:
		return ReasonMGCPTooLarge
	}
	return ReasonMGCPMalformed
}

// mgcpSend counts a datagram StepMGCP hands back for sending.
func (w *Worker) mgcpSend(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	if len(out) > maxUDPPayload {
		return w.drop(ReasonMGCPTooLarge)
	}
	w.h.ctr.mgcpOut.Add(1)
	return w.sent(out, dst)
}

// mgcpLocal counts a datagram the proxy built itself.
func (w *Worker) mgcpLocal(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	w.h.ctr.local.Add(1)
	w.h.ctr.mgcpLocal.Add(1)
	return w.mgcpSend(out, dst)
}

// mgcpRefuse answers the refused commands of a gateway's datagram, the
// responses piggy-backed in one datagram.
func (w *Worker) mgcpRefuse(out []byte, src netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	mw := w.mw
	for i, r := range mw.refused[:mw.nRefused] {
		if i > 0 {
			out = appendSeparator(out, mw.eol)
		}
		out = w.appendMGCPError(out, r.id, r.code, r.r)
	}
	w.logGateway("mgcp", "gateway", "registration refused", src, nil, mw.refused[0].code,
		mw.refused[0].r)
	return w.mgcpLocal(out, src)
}

// appendMGCPError writes the proxy's response to gateway command id: 409,
// or 510 with the mechanisms the proxy supports in X-SKDSV (§12.4).
func (w *Worker) appendMGCPError(out []byte, id uint32, code int, r Reason) []byte {
	eol := w.mw.eol
	out, _ = mgcp.AppendResponseLine(out, code, id, mgcpTexts[r], eol)
	if code == 510 {
		out, _ = mgcp.AppendParam(out, nameServer, w.h.mgcp.serverList, eol)
	}
	return out
}

// Names of the MGCP parameters of the profile (PROTOCOL.md §12.1).
var (
	nameIdentity  = []byte("X-SKDID")
	nameOffer     = []byte("X-SKDOF")
	nameProxy     = []byte("X-SKDPX")
	nameChallenge = []byte("X-SKDCH")
	nameServer    = []byte("X-SKDSV")
	nameVerify    = []byte("X-SKDVF")
	nameKeyDist   = []byte("X-SKDKD")
)

// mgcpTexts are the commentary texts of the responses the proxy builds.
var mgcpTexts = func() [numReasons][]byte {
	var t [numReasons][]byte
	t[ReasonMGCPTxnTableFull] = []byte("overloaded")
	t[ReasonMGCPDomainTableFull] = []byte("overloaded")
	t[ReasonMGCPPendingFull] = []byte("overloaded")
	t[ReasonMGCPSourceLimit] = []byte("overloaded")
	t[ReasonMGCPNoMechanism] = []byte("security agreement required")
	t[ReasonMGCPBadOffer] = []byte("security agreement required: bad offer")
	t[ReasonMGCPNoAgreement] = []byte("security agreement required: verify without an agreement")
	t[ReasonMGCPVerifyMismatch] = []byte("security agreement required: verify changed")
	t[ReasonMGCPOfferMismatch] = []byte("security agreement required: offer changed")
	for r := ReasonMGCPWordMissing; r <= ReasonMGCPWordReplayed; r++ {
		t[r] = append([]byte("verification word "), r.String()[len("mgcp_word_"):]...)
	}
	for r := ReasonMGCPChallengeBad; r <= ReasonMGCPKeyDistNoAgreement; r++ {
		t[r] = append([]byte("key distribution failed: "), r.String()[len("mgcp_"):]...)
	}
	return t
}()

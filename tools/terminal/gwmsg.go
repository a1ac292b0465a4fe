package terminal

import (
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// The MGCP gateway's side (docs/PROTOCOL.md §12): its endpoint name, its
// transaction ids, the commands and responses it writes, and what it reads from
// the CA's datagrams. Everything read is copied out, so the read buffer can be
// reused at once.

// Limits on what one CA datagram may hold for the gateway; a registration needs one
// response and one RQNT.
const (
	maxCAItems = 8 // RQNTs in one datagram (the codec allows mgcp.MaxPiggyback messages)
	// maxGWTxnID keeps the gateway's random first transaction id well inside the
	// 9-digit range, leaving room for the later ones.
	maxGWTxnID = 1 << 28
)

// Extension parameters of the MGCP profile (docs/PROTOCOL.md §12.1).
const (
	xIdentity  = "X-SKDID"
	xOffer     = "X-SKDOF"
	xChallenge = "X-SKDCH"
	xServer    = "X-SKDSV"
	xAuth      = "X-SKDAU"
	xVerify    = "X-SKDVF"
	xKeys      = "X-SKDKD"
)

// errCATooMany: more RQNTs in one datagram than a registration explains.
var errCATooMany = errors.New("terminal: too many commands in one call agent datagram")

// gwState is what an MGCP terminal keeps between messages.
type gwState struct {
	endpoint string // aaln/1@[address]:port of the gateway's socket
	nextTxn  uint32
	msg      *mgcp.Message // parser for received messages, reused
	// answered maps the CA transaction ids this gateway responded to onto the
	// response, sent again when the CA's command comes again (RFC 3435 §3.5).
	answered map[uint32][]byte
	words    *gatewayWords // after a registration with a key
}

// newGWState names the gateway's endpoint after its socket, so that the proxy can
// tell gateways apart by endpoint domain (§12.3), and starts its transaction ids at
// a random point, as newMGState does and for the same reason.
func newGWState(la *net.UDPAddr) *gwState {
	return &gwState{
		endpoint: "aaln/1@[" + la.IP.String() + "]:" + strconv.Itoa(la.Port),
		nextTxn:  randomTxnID(maxGWTxnID),
		msg:      new(mgcp.Message),
		answered: map[uint32][]byte{},
	}
}

// txnID returns the next transaction id.
func (g *gwState) txnID() uint32 {
	id := g.nextTxn
	g.nextTxn = g.nextTxn%mgcp.MaxTransactionID + 1
	return id
}

// command starts a command line of the gateway's endpoint.
func (g *gwState) command(b *strings.Builder, verb string, tid uint32) {
	b.WriteString(verb + " " + strconv.FormatUint(uint64(tid), 10) + " " + g.endpoint +
		" MGCP 1.0\r\n")
}

// param writes one parameter line.
func param(b *strings.Builder, name, value string) {
	b.WriteString(name + ": " + value + "\r\n")
}

// buildRSIP writes the registration request of §12.2 step 1: RSIP restart with the
// identity and, when the terminal offers mechanisms, the offer.
func (t *Terminal) buildRSIP(tid uint32) []byte {
	var b strings.Builder
	t.gw.command(&b, "RSIP", tid)
	param(&b, "RM", "restart")
	param(&b, xIdentity, t.cfg.Identity)
	if len(t.cfg.Offer) > 0 {
		param(&b, xOffer, strings.Join(t.cfg.Offer, ", "))
	}
	return []byte(b.String())
}

// buildNTFY writes step 3: the skd/auth event observed, with the digest response
// and, when the terminal offered, the echo of the choice and the offer repeated.
func (t *Terminal) buildNTFY(tid uint32, ch *challenge, resp string) []byte {
	var b strings.Builder
	t.gw.command(&b, "NTFY", tid)
	param(&b, "X", ch.rid)
	param(&b, "O", "skd/auth")
	param(&b, xAuth, `username="`+t.cfg.Identity+`", nonce="`+ch.nonce+`", response="`+
		resp+`"`)
	if len(t.cfg.Offer) > 0 {
		param(&b, xVerify, ch.chosen)
		param(&b, xOffer, strings.Join(t.cfg.Offer, ", "))
	}
	return []byte(b.String())
}

// buildResponse writes the gateway's response to a CA command.
func buildResponse(tid uint32, code int, text string) []byte {
	out, err := mgcp.AppendResponseLine(nil, code, tid, []byte(text), "\r\n")
	if err != nil { // a text the codec would read back differently: send none
		out, _ = mgcp.AppendResponseLine(nil, code, tid, nil, "\r\n")
	}
	return out
}

// caMsg is one datagram from the CA (or from the proxy in its name).
type caMsg struct {
	resps []caResp
	rqnts []caRQNT
}

// caResp is one response: its transaction id, code and commentary.
type caResp struct {
	tid  uint32
	code int
	text string
}

// caRQNT is one RQNT: its transaction id, endpoint as written, request identifier,
// requested events and the profile's parameters by name (upper case).
type caRQNT struct {
	tid      uint32
	endpoint string
	rid      string
	events   string
	params   map[string]string
}

// response returns the response to transaction tid, nil when the datagram holds none.
func (m *caMsg) response(tid uint32) *caResp {
	for i := range m.resps {
		if m.resps[i].tid == tid {
			return &m.resps[i]
		}
	}
	return nil
}

// rqntWith returns the first RQNT carrying the parameter name, nil when none.
func (m *caMsg) rqntWith(name string) *caRQNT {
	for i := range m.rqnts {
		if _, ok := m.rqnts[i].params[name]; ok {
			return &m.rqnts[i]
		}
	}
	return nil
}

// parseCA parses every message of datagram b with msg and copies out what the
// gateway needs. Commands other than RQNT are skipped.
func parseCA(msg *mgcp.Message, b []byte) (*caMsg, error) {
	defer msg.Reset()
	out := &caMsg{}
	var d mgcp.Datagram
	d.Reset(b)
	for d.Next(msg) {
		switch {
		case msg.IsResponse():
			if len(out.resps) == maxCAItems {
				return nil, errCATooMany
			}
			out.resps = append(out.resps, caResp{tid: msg.TransactionID(),
				code: msg.Code(), text: string(msg.Commentary())})
		case msg.Verb() == mgcp.VerbRQNT:
			if len(out.rqnts) == maxCAItems {
				return nil, errCATooMany
			}
			out.rqnts = append(out.rqnts, readRQNT(msg))
		}
	}
	return out, d.Err()
}

// readRQNT copies an RQNT's identifiers and its X-SKD parameters. The codec lets
// X- names repeat; the first one counts, as for Key-Distribution (§9).
func readRQNT(m *mgcp.Message) caRQNT {
	r := caRQNT{tid: m.TransactionID(), endpoint: string(m.Endpoint()),
		params: map[string]string{}}
	if v, ok := m.Value(mgcp.ParamRequestIdentifier); ok {
		r.rid = string(v)
	}
	if v, ok := m.Value(mgcp.ParamRequestedEvents); ok {
		r.events = string(v)
	}
	for i := range m.NumParams() {
		p := m.Param(i)
		name := strings.ToUpper(string(p.Name))
		if p.Code != mgcp.ParamExtension || !strings.HasPrefix(name, "X-SKD") {
			continue
		}
		if _, dup := r.params[name]; !dup {
			r.params[name] = string(p.Value)
		}
	}
	return r
}

package proxy

import (
	"bytes"
	"encoding/hex"
	"hash/maphash"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// branchPrefix starts every branch the proxy writes: the RFC 3261 magic
// cookie, then a mark that lets the proxy recognise its own Via on responses.
const branchPrefix = "z9hG4bK-sp-"

// maxHops is the Max-Forwards value the proxy accepts and inserts (RFC 3261
// §16.6 step 3 recommends 70; 255 bounds the parse).
const (
	defaultMaxForwards = 70
	maxMaxForwards     = 255
)

// edits says how a forwarded request differs from the one received.
type edits struct {
	stripSecAgree bool        // drop Security-* headers and sec-agree tags
	path          bool        // add the proxy's Path
	wrap          skd.WrapAlg // wrap parameter of that Path, or WrapNone
	stripWord     bool        // drop Verification-Word (checked, hop by hop)
}

// request handles a request: checks done by every proxy (RFC 3261 §16.3),
// registration handling, then forwarding.
func (w *Worker) request(src netip.AddrPort, out []byte) ([]byte, netip.AddrPort, bool) {
	m := &w.msg
	hops, ok := maxForwards(m)
	if !ok {
		return w.reply(out, src, 400, "Bad Max-Forwards", nil, nil, ReasonMalformed)
	}
	if hops == 0 {
		return w.reply(out, src, 483, "Too Many Hops", nil, nil, ReasonTooManyHops)
	}
	if tag := unsupportedProxyRequire(m); tag != nil {
		return w.reply(out, src, 420, "Bad Extension", hdrUnsupported, tag, ReasonBadExtension)
	}
	if duplicateSingleHeader(m) {
		return w.reply(out, src, 400, "Duplicate Header", nil, nil, ReasonDuplicateHeader)
	}
	if !w.viaHasRoom() {
		return w.reply(out, src, 400, "Too Many Via Parameters", nil, nil, ReasonMalformed)
	}

	fromSoftswitch := src == w.h.cfg.Softswitch
	dst := w.h.cfg.Softswitch
	var ed edits
	if fromSoftswitch {
		d, r := w.requestTarget()
		if r != ReasonNone {
			return w.drop(r)
		}
		dst = d
	} else {
		if r := w.checkRequestWord(); r != ReasonNone {
			return w.refuseWord(out, src, r)
		}
		if bytes.Equal(m.Method(), methodRegister) {
			var local []byte
			ed, local = w.register(src, out)
			if local != nil {
				return w.sent(local, src)
			}
		}
		ed.stripWord = true
	}
	out = w.forwardRequest(out[:0], src, hops-1, ed)
	if len(out) > maxUDPPayload && w.outConn == nil {
		return w.reply(out, src, 513, "Message Too Large", nil, nil, ReasonTooLargeToForward)
	}
	return w.sent(out, dst)
}

// maxUDPPayload is the largest UDP payload over IPv4 (65535 - 20 - 8).
const maxUDPPayload = 65507

// duplicateSingleHeader reports a request carrying more than one of the
// header fields that identify its transaction and dialog (RFC 3261 §7.3.1:
// they may appear once); relaying it would leave each hop to pick its own.
func duplicateSingleHeader(m *sip.Message) bool {
	return m.Count(sip.HdrCallID) > 1 || m.Count(sip.HdrCSeq) > 1 ||
		m.Count(sip.HdrFrom) > 1 || m.Count(sip.HdrTo) > 1 || m.Count(sip.HdrMaxForwards) > 1
}

// viaHasRoom reports whether the top via-parm can take the received and rport
// parameters the proxy may add and still be within the parser's limit, so
// that what the proxy forwards always parses at the next hop.
func (w *Worker) viaHasRoom() bool {
	top, _ := w.topVia()
	return hasParamRoom(top)
}

// hasParamRoom reports whether a via-parm can take two more parameters.
func hasParamRoom(elem []byte) bool {
	n := 0
	quoted := false
	for _, c := range elem {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			n++
		}
	}
	return n+2 <= sip.MaxParams
}

var (
	methodRegister = []byte("REGISTER")
	tagSecAgree    = []byte("sec-agree")
	hdrUnsupported = []byte("Unsupported")
)

// maxForwards returns the request's Max-Forwards, defaultMaxForwards+1 when
// absent (so that forwarding writes the default), and false when malformed.
func maxForwards(m *sip.Message) (int, bool) {
	v, ok := m.Get(sip.HdrMaxForwards)
	if !ok {
		return defaultMaxForwards + 1, true
	}
	n, ok := smallUint(v, maxMaxForwards)
	return n, ok
}

// smallUint parses a decimal number no larger than limit.
func smallUint(v []byte, limit int) (int, bool) {
	if len(v) == 0 || len(v) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > limit {
			return 0, false
		}
	}
	return n, true
}

// unsupportedProxyRequire returns the first Proxy-Require option tag the proxy
// does not support (RFC 3261 §16.3 step 4); it supports only sec-agree.
func unsupportedProxyRequire(m *sip.Message) []byte {
	it := m.List(sip.HdrProxyRequire)
	for {
		tag, ok := it.Next()
		if !ok {
			return nil
		}
		if !equalFold(tag, tagSecAgree) {
			return tag
		}
	}
}

// requestTarget routes a request from the softswitch by its Request-URI:
// over a TCP connection from that address when one is open, and only so
// when the URI says transport=tcp; by UDP otherwise.
//
// Limitation: only IP-literal hosts are routed; a host name would need a DNS
// lookup on the event loop, which the proxy does not do.
//
// Limitation: the proxy opens no TCP connection (RFC 3261 §18.1.1 would);
// a request for transport=tcp without a connection from the Request-URI's
// address and port is dropped. A terminal behind NAT is found only when its
// Contact names the connection's peer address (no RFC 5626 flow tokens).
func (w *Worker) requestTarget() (netip.AddrPort, Reason) {
	u, err := sip.ParseURI(w.msg.RequestURI())
	if err != nil {
		return netip.AddrPort{}, ReasonUnroutable
	}
	dst, ok := hostPort(u.Host, u.Port)
	if !ok {
		return dst, ReasonUnroutable
	}
	if w.h.tcp == nil || !w.h.tcp.sip {
		return dst, ReasonNone
	}
	w.outConn = w.h.tcp.get(dst)
	if w.outConn == nil {
		if t, _ := sip.Param(u.Params, "transport"); equalFold(t, transportTCP) {
			return dst, ReasonTCPNoConn
		}
	}
	return dst, ReasonNone
}

// forwardRequest writes the request with the proxy's Via on top, the previous
// top Via completed with received/rport (RFC 3261 §18.2.1, RFC 3581),
// Max-Forwards decremented, and the registration edits applied.
func (w *Worker) forwardRequest(out []byte, src netip.AddrPort, hops int, ed edits) []byte {
	m := &w.msg
	out = append(out, m.StartLine()...)
	out = w.appendOwnVia(out)

	topVia, hopsDone, pathDone := false, false, !ed.path
	// additions go before Content-Length, where readers expect the header
	// section to end, or at its end when there is none.
	additions := func(out []byte) []byte {
		if !hopsDone {
			out = appendMaxForwards(out, hops)
			hopsDone = true
		}
		if !pathDone {
			out = w.appendPath(out, ed.wrap)
			pathDone = true
		}
		return out
	}
	for i := 0; i < m.NumHeaders(); i++ {
		hd := m.Header(i)
		switch hd.ID {
		case sip.HdrVia:
			if !topVia {
				out = w.appendTopViaReceived(out, hd.Value, src)
				topVia = true
				continue
			}
		case sip.HdrMaxForwards:
			out = appendMaxForwards(out, hops)
			hopsDone = true
			continue
		case sip.HdrSecurityClient, sip.HdrSecurityVerify, sip.HdrSecurityServer:
			if ed.stripSecAgree {
				continue
			}
		case sip.HdrRequire, sip.HdrProxyRequire:
			if ed.stripSecAgree {
				out = sip.AppendList(out, hd.ID.String(), hd.Value, isSecAgree)
				continue
			}
		case sip.HdrPath:
			if !pathDone {
				out = w.appendPath(out, ed.wrap)
				pathDone = true
			}
		case sip.HdrContentLength:
			out = additions(out)
		case sip.HdrOther:
			if ed.stripWord && sip.IsWordHeader(hd) {
				continue
			}
		}
		out = append(out, hd.Line...)
	}
	out = additions(out)
	out = append(out, "\r\n"...)
	return append(out, m.Body()...)
}

func isSecAgree(tag []byte) bool { return equalFold(tag, tagSecAgree) }

// appendOwnVia writes the proxy's Via. The branch is a keyed hash of the
// received top via-parm, so a retransmission, and the ACK or CANCEL of an
// INVITE, leave with the same branch (RFC 3261 §16.11).
func (w *Worker) appendOwnVia(out []byte) []byte {
	top, _ := w.topVia()
	sum := maphash.Bytes(w.h.seed, top)
	if w.outConn != nil && w.self.viaTCP != nil {
		out = append(out, w.self.viaTCP...) // RFC 3261 §18.1.1: the transport used
	} else {
		out = append(out, w.self.via...)
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(sum >> (8 * i))
	}
	out = hex.AppendEncode(out, b[:])
	return append(out, "\r\n"...)
}

// topVia returns the first via-parm of the message and the rest of its line.
func (w *Worker) topVia() (elem, rest []byte) {
	i := w.msg.Index(sip.HdrVia, 0)
	if i < 0 {
		return nil, nil
	}
	v := w.msg.Header(i).Value
	elem, next := sip.NextElement(v, 0)
	return elem, bytes.TrimLeft(v[next:], " \t\r\n")
}

// appendTopViaReceived writes the first Via line with received (when the
// source differs from sent-by, or rport was asked for) and the rport value.
// value is the first Via line's value; Parse has decoded its first element.
func (w *Worker) appendTopViaReceived(out, value []byte, src netip.AddrPort) []byte {
	elem, next := sip.NextElement(value, 0)
	via := w.msg.TopVia()
	out = append(out, "Via: "...)
	if !hasParamRoom(elem) {
		out = append(out, value...)
		return append(out, "\r\n"...)
	}
	srcText := src.Addr().Unmap().AppendTo(w.addrBuf[:0])
	var received []byte
	if via.HasRPort || !bytes.Equal(trimBrackets(via.Host), srcText) {
		received = srcText
	}
	rport := 0
	if via.HasRPort {
		rport = int(src.Port())
	}
	// Over TCP the connection's address is recorded whatever the terminal
	// asked, so the response finds the connection again (RFC 3261 §18.2.2).
	if w.inConn != nil {
		received = srcText
	}
	out = sip.AppendViaReceived(out, elem, received, rport)
	if w.inConn != nil && !via.HasRPort {
		out = append(out, ";rport="...)
		out = appendInt(out, int(src.Port()))
	}
	if next < len(value) {
		out = append(out, ", "...)
		out = append(out, value[next:]...)
	}
	return append(out, "\r\n"...)
}

// appendPath writes the proxy's Path (RFC 3327) with the wrap parameter the
// authentication center needs to wrap the proxy's copy of the session key.
func (w *Worker) appendPath(out []byte, wrap skd.WrapAlg) []byte {
	out = append(out, w.self.path...)
	if wrap != skd.WrapNone {
		out = append(out, ";wrap="...)
		out = append(out, wrap.String()...)
	}
	return append(out, ">\r\n"...)
}

func appendMaxForwards(out []byte, hops int) []byte {
	out = append(out, "Max-Forwards: "...)
	out = appendInt(out, hops)
	return append(out, "\r\n"...)
}

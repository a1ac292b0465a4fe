package proxy

import (
	"bytes"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// response relays a response to the next Via after the proxy's own (RFC 3261
// §16.7 step 3 for a stateless proxy), running the registration steps for
// responses to REGISTER.
//
// Only the softswitch answers requests the proxy forwarded to it, and only the
// softswitch sends requests that terminals answer. So a response from the
// softswitch may go to any terminal, a response from anywhere else only to the
// softswitch, and only the softswitch's responses drive registration state.
// Without this, anyone could reflect datagrams through the proxy or forge a
// 401 or 200 for someone else's registration.
func (w *Worker) response(src netip.AddrPort, out []byte) ([]byte, netip.AddrPort, bool) {
	_, rest := w.topVia()
	if !w.isOwnVia(w.msg.TopVia()) {
		return w.drop(ReasonViaNotOurs)
	}
	next := rest
	if len(next) == 0 {
		i := w.msg.Index(sip.HdrVia, w.msg.Index(sip.HdrVia, 0)+1)
		if i < 0 {
			return w.drop(ReasonUnroutable)
		}
		next, _ = sip.NextElement(w.msg.Header(i).Value, 0)
	} else {
		next, _ = sip.NextElement(next, 0)
	}
	dst, stream, ok := viaTarget(next)
	if !ok {
		return w.drop(ReasonUnroutable)
	}
	fromSoftswitch := src == w.h.cfg.Softswitch
	if !fromSoftswitch && dst != w.h.cfg.Softswitch {
		return w.drop(ReasonSpoofedResponse)
	}
	if stream && w.h.tcp != nil && w.h.tcp.sip {
		// RFC 3261 §18.2.2: over the connection the request came on.
		// Limitation: a closed connection is not reopened; the response
		// is dropped and the terminal retransmits over a new one.
		if w.outConn = w.h.tcp.get(dst); w.outConn == nil {
			return w.drop(ReasonTCPNoConn)
		}
	}

	var ed respEdits
	if fromSoftswitch && w.isRegisterResponse() {
		var fail Reason
		ed, fail = w.registerResponse()
		if fail != ReasonNone {
			out = w.failClosed(out[:0], fail)
			return w.sent(out, dst)
		}
	}
	if fromSoftswitch && ed.keyDist == nil && dst != w.h.cfg.Softswitch {
		ed.word = w.responseWord()
	}
	out = w.forwardResponse(out[:0], rest, ed)
	return w.sent(out, dst)
}

// isOwnVia reports whether a via-parm is one the proxy wrote: its sent-by
// (with the UDP or the TCP port) and branch prefix.
func (w *Worker) isOwnVia(via sip.Via) bool {
	if !bytes.HasPrefix(via.Branch, []byte(branchPrefix)) {
		return false
	}
	hp := w.self.hostPort
	if via.Port == 0 {
		return false
	}
	host := hp[:bytes.LastIndexByte(hp, ':')]
	port := hp[len(host)+1:]
	var pbuf [8]byte
	p := appendInt(pbuf[:0], via.Port)
	// The TCP port stands in the Via of requests relayed over TCP.
	return equalFold(via.Host, host) &&
		(bytes.Equal(p, port) || w.self.tcpPort != nil && bytes.Equal(p, w.self.tcpPort))
}

// viaTarget is where a response goes for a via-parm: received (or the sent-by
// host) and rport (or the sent-by port), RFC 3261 §18.2.2 and RFC 3581 §4;
// stream is true when the via-parm names TCP.
func viaTarget(elem []byte) (dst netip.AddrPort, stream, ok bool) {
	via, err := sip.ParseVia(elem)
	if err != nil {
		return netip.AddrPort{}, false, false
	}
	stream = equalFold(via.Transport, transportTCP)
	host := via.Host
	if len(via.Received) > 0 {
		host = via.Received
	}
	port := via.Port
	if via.RPort > 0 {
		port = via.RPort
	}
	dst, ok = hostPort(host, port)
	return dst, stream, ok
}

var transportTCP = []byte("TCP")

// isRegisterResponse reports whether the CSeq method is REGISTER.
func (w *Worker) isRegisterResponse() bool {
	_, method := w.msg.CSeq()
	return bytes.Equal(method, methodRegister)
}

// respEdits says how a forwarded response differs from the one received.
type respEdits struct {
	securityServer []byte // add Security-Server with this value
	keyDist        []byte // replace Key-Distribution with this header line
	word           []byte // add this Verification-Word line (PROTOCOL.md §13)
}

// forwardResponse writes the response without the proxy's via-parm. rest is
// what remains of the top Via line after it. A Verification-Word received is
// never relayed: words are between one terminal and the proxy.
func (w *Worker) forwardResponse(out, rest []byte, ed respEdits) []byte {
	m := &w.msg
	out = append(out, m.StartLine()...)
	topVia := false
	server, word := ed.securityServer, ed.word
	for i := 0; i < m.NumHeaders(); i++ {
		hd := m.Header(i)
		switch hd.ID {
		case sip.HdrVia:
			if !topVia {
				topVia = true
				out = appendPoppedVia(out, rest)
				continue
			}
		case sip.HdrKeyDistribution:
			// Only a header the proxy rewrote leaves: a copy of a key
			// never passes through unopened.
			out = append(out, ed.keyDist...)
			continue
		case sip.HdrContentLength:
			out = appendSecurityServer(out, server)
			out = append(out, word...)
			server, word = nil, nil
		case sip.HdrOther:
			if sip.IsWordHeader(hd) {
				continue
			}
		}
		out = append(out, hd.Line...)
	}
	out = appendSecurityServer(out, server)
	out = append(out, word...)
	out = append(out, "\r\n"...)
	return append(out, m.Body()...)
}

// appendSecurityServer writes the proxy's choice (RFC 3329), if any.
func appendSecurityServer(out, value []byte) []byte {
	if value == nil {
		return out
	}
	out = append(out, "Security-Server: "...)
	out = append(out, value...)
	return append(out, "\r\n"...)
}

// appendPoppedVia writes what remains of the top Via line once the proxy's
// via-parm is removed; nothing when the line held only that via-parm.
func appendPoppedVia(out, rest []byte) []byte {
	if len(rest) == 0 {
		return out
	}
	out = append(out, "Via: "...)
	out = append(out, rest...)
	return append(out, "\r\n"...)
}

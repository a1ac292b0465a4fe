package proxy

import (
	"bytes"
	"encoding/hex"
	"errors"
	"hash/maphash"
	"net/netip"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// reply answers a request locally and hands the response back for sending.
func (w *Worker) reply(out []byte, src netip.AddrPort, code int, reason string,
	name, value []byte, r Reason) ([]byte, netip.AddrPort, bool) {
	w.h.count(r)
	out = w.buildReply(out[:0], src, code, reason, name, value, r)
	return w.sent(out, src)
}

// refuse builds a local response to a REGISTER and counts r.
func (w *Worker) refuse(out []byte, src netip.AddrPort, code int, reason string, r Reason) []byte {
	w.h.count(r)
	return w.buildReply(out[:0], src, code, reason, nil, nil, r)
}

var hdrSecurityServer = []byte("Security-Server")

// refuse494 answers 494 with the mechanisms the proxy supports (RFC 3329 §2.3.1).
func (w *Worker) refuse494(out []byte, src netip.AddrPort, r Reason) []byte {
	w.h.count(r)
	return w.buildReply(out[:0], src, 494, "Security Agreement Required",
		hdrSecurityServer, w.h.serverList, r)
}

var (
	hdrRetryAfter  = []byte("Retry-After")
	retryAfterSecs = []byte("5")
)

// overloaded answers 503 with Retry-After when the registration table, or
// the source's share of it, is full.
func (w *Worker) overloaded(out []byte, src netip.AddrPort, r Reason) []byte {
	w.h.count(r)
	return w.buildReply(out[:0], src, 503, "Service Unavailable", hdrRetryAfter, retryAfterSecs, r)
}

// buildReply writes a response to the parsed request (RFC 3261 §8.2.6): the
// Via lines (the top one completed with received/rport), From, To with a tag,
// Call-ID and CSeq, one optional extra header, a Warning naming the reason
// (RFC 3261 §20.43: code 399, miscellaneous), and no body.
func (w *Worker) buildReply(out []byte, src netip.AddrPort, code int, reason string,
	name, value []byte, why Reason) []byte {
	w.h.ctr.local.Add(1)
	m := &w.msg
	out = appendStatusLine(out, code, reason)
	topVia := false
	for i := 0; i < m.NumHeaders(); i++ {
		hd := m.Header(i)
		switch hd.ID {
		case sip.HdrVia:
			if !topVia {
				out = w.appendTopViaReceived(out, hd.Value, src)
				topVia = true
				continue
			}
		case sip.HdrTo:
			out = w.appendToWithTag(out, hd.Value)
			continue
		case sip.HdrFrom, sip.HdrCallID, sip.HdrCSeq:
		default:
			continue
		}
		out = append(out, hd.Line...)
	}
	if name != nil {
		out = append(out, name...)
		out = append(out, ": "...)
		out = append(out, value...)
		out = append(out, "\r\n"...)
	}
	if code == 494 {
		out = append(out, "Require: sec-agree\r\n"...)
	}
	if why != ReasonNone {
		out = appendWarning(out, why)
	}
	return append(out, "Content-Length: 0\r\n\r\n"...)
}

// appendWarning writes the Warning header that names a counted reason.
func appendWarning(out []byte, r Reason) []byte {
	out = append(out, "Warning: 399 sigproxy \""...)
	out = append(out, r.String()...)
	return append(out, "\"\r\n"...)
}

func appendStatusLine(out []byte, code int, reason string) []byte {
	out = append(out, "SIP/2.0 "...)
	out = appendInt(out, code)
	out = append(out, ' ')
	out = append(out, reason...)
	return append(out, "\r\n"...)
}

// appendToWithTag copies To, adding a tag derived from the Call-ID when the
// request has none, so retransmissions get the same tag.
func (w *Worker) appendToWithTag(out, value []byte) []byte {
	out = append(out, "To: "...)
	out = append(out, value...)
	if len(sip.Tag(value)) == 0 {
		callID, _ := w.msg.Get(sip.HdrCallID)
		sum := maphash.Bytes(w.h.seed, callID)
		var b [4]byte
		for i := range b {
			b[i] = byte(sum >> (8 * i))
		}
		out = append(out, ";tag=sp"...)
		out = hex.AppendEncode(out, b[:])
	}
	return append(out, "\r\n"...)
}

// malformed handles a datagram that does not parse: a request gets 400 with
// the parser's finding in a Warning (RFC 3261 §21.4.1, §20.43) when enough of
// it can be read to address a response; anything else is dropped.
func (w *Worker) malformed(pkt []byte, src netip.AddrPort, out []byte, err error) ([]byte, netip.AddrPort, bool) {
	r := ReasonMalformed
	if errors.Is(err, sip.ErrMessageTooLarge) {
		r = ReasonTooLarge
	}
	if bytes.HasPrefix(pkt, []byte("SIP/")) || !w.salvageRequest(pkt) {
		return w.drop(r)
	}
	w.h.count(r)
	out = appendStatusLine(out[:0], 400, "Bad Request")
	out = append(out, w.salvage...)
	out = append(out, "Warning: 399 sigproxy \""...)
	out = appendWarningText(out, err)
	out = append(out, "\"\r\nContent-Length: 0\r\n\r\n"...)
	w.h.ctr.local.Add(1)
	return w.sent(out, src)
}

// appendWarningText writes the error text with characters that would break the
// quoted string replaced.
func appendWarningText(out []byte, err error) []byte {
	for _, c := range []byte(err.Error()) {
		if c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
			c = '\''
		}
		out = append(out, c)
	}
	return out
}

// logRefused logs a registration the proxy ended itself.
func (w *Worker) logRefused(r Reason) {
	if ce := w.h.log.Check(zap.InfoLevel, "registration refused"); ce != nil {
		callID, _ := w.msg.Get(sip.HdrCallID)
		ce.Write(zap.ByteString("call_id", callID), zap.String("reason", r.String()))
	}
}

package softswitch

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// Reason phrases of the responses the registrar sends (RFC 3261 §21, RFC 3329 §6).
var reasons = map[int]string{
	200: "OK",
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	405: "Method Not Allowed",
	420: "Bad Extension",
	423: "Interval Too Brief",
	494: "Security Agreement Required",
	500: "Server Internal Error",
	503: "Service Unavailable",
}

// toTagBytes is the size of a generated To tag (RFC 3261 §19.3 asks for 32 random bits
// at least; 8 bytes give 64).
const toTagBytes = 8

// response is a SIP response under construction (RFC 3261 §8.2.6).
type response struct {
	code  int
	extra []string // extra header lines, each "Name: value" without line end
}

func newResponse(code int) *response { return &response{code: code} }

// add appends one header line.
func (r *response) add(name, value string) *response {
	r.extra = append(r.extra, name+": "+value)
	return r
}

// build renders the response to req: status line, the request's Via lines in order
// (the top one with received/rport set), From, To (with toTag), Call-ID, CSeq, the
// extra headers and Content-Length: 0.
func (r *response) build(req *request) []byte {
	reason := reasons[r.code]
	b := make([]byte, 0, 512+len(req.msg.Bytes()))
	b = append(b, "SIP/2.0 "...)
	b = strconv.AppendInt(b, int64(r.code), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	b = append(b, "\r\n"...)
	b = appendVias(b, req)
	b = sip.AppendHeader(b, "From", req.from)
	b = appendTo(b, req)
	b = sip.AppendHeader(b, "Call-ID", req.callID)
	b = sip.AppendHeader(b, "CSeq", req.cseq)
	for _, h := range r.extra {
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	return append(b, "Content-Length: 0\r\n\r\n"...)
}

// appendVias copies every Via line in order; the first via-parm of the first line gets
// received and rport (RFC 3261 §18.2.1, RFC 3581 §4).
func appendVias(b []byte, req *request) []byte {
	first := true
	for i := req.msg.Index(sip.HdrVia, 0); i >= 0; i = req.msg.Index(sip.HdrVia, i+1) {
		v := req.msg.Header(i).Value
		if first {
			first = false
			elem, next := sip.NextElement(v, 0)
			b = append(b, "Via: "...)
			b = stampVia(b, elem, req)
			if next < len(v) {
				b = append(b, ", "...)
				b = append(b, v[next:]...)
			}
			b = append(b, "\r\n"...)
			continue
		}
		b = sip.AppendHeader(b, "Via", v)
	}
	return b
}

// stampVia appends the top via-parm with received set when the source differs from
// sent-by (or rport asks for it) and rport filled with the source port.
func stampVia(b, elem []byte, req *request) []byte {
	var received []byte
	if req.via.HasRPort || !sameIP(req.via.Host, req.src.IP) {
		received = []byte(req.src.IP.String())
	}
	rport := 0
	if req.via.HasRPort {
		rport = req.src.Port
	}
	return sip.AppendViaReceived(b, elem, received, rport)
}

// appendTo copies To and adds the transaction's To tag when the request had none.
func appendTo(b []byte, req *request) []byte {
	if len(sip.Tag(req.to)) > 0 {
		return sip.AppendHeader(b, "To", req.to)
	}
	b = append(b, "To: "...)
	b = append(b, req.to...)
	b = append(b, ";tag="...)
	b = append(b, req.toTag...)
	return append(b, "\r\n"...)
}

// newTag returns a random To tag.
func newTag() string {
	var t [toTagBytes]byte
	_, _ = rand.Read(t[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(t[:])
}

// destination is where a response to req goes (RFC 3261 §18.2.2, RFC 3581 §4): the
// source address when rport was asked for; otherwise the received address (the
// source IP, which equals sent-by when sent-by is that IP) at sent-by's port, 5060 by
// default.
func destination(req *request) *net.UDPAddr {
	if req.via.HasRPort {
		return req.src
	}
	port := req.via.Port
	if port == 0 {
		port = 5060
	}
	return &net.UDPAddr{IP: req.src.IP, Port: port}
}

// sameIP reports whether a Via host (IP literal, IPv6 in brackets) is ip.
func sameIP(host []byte, ip net.IP) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(string(host), "["), "]")
	parsed := net.ParseIP(h)
	return parsed != nil && parsed.Equal(ip)
}

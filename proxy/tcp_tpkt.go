package proxy

import (
	"net/netip"

	"github.com/valyala/bytebufferpool"
)

// H.248 over TCP frames each message in a TPKT (RFC 1006 §6, as H.248.1
// Annex D.2 asks): version 3, a reserved byte, and the length of the whole
// packet, header included, in two bytes big-endian.
const (
	tpktVersion = 3
	tpktHeader  = 4
	tpktMax     = 0xffff
)

// frameTPKT hands each complete TPKT payload sc holds to sink, leaving an
// incomplete one buffered. It returns the reason to close the connection,
// or ReasonNone: a wrong version or a length with no payload means the
// stream cannot be resynchronised.
func frameTPKT(sc streamConn, maxBuf int, sink frameSink) Reason {
	for {
		b, _ := sc.Peek(-1)
		if len(b) < tpktHeader {
			return ReasonNone
		}
		n := int(b[2])<<8 | int(b[3])
		switch {
		case b[0] != tpktVersion || n <= tpktHeader:
			return ReasonTCPBadFraming
		case n > maxBuf:
			return ReasonTCPTooLarge
		case len(b) < n: // at most n <= maxBuf bytes wait
			return ReasonNone
		}
		if !sink.message(b[tpktHeader:n]) {
			return ReasonNone
		}
		_, _ = sc.Discard(n)
	}
}

// stepH248 runs StepH248 with room for a TPKT header in front of what it
// writes into buf, and returns the message to send with its destination
// and, when that is a gateway connected over TCP, the connection and the
// message framed in place. buf keeps its whole array for the pool. Growing
// the buffer to frame it would make the pool drop it once calibrated, so
// the header goes into room kept in front.
//
// Limitation: a reply for a gateway whose TCP connection is gone goes over
// UDP to the address it came from; no connection is opened to it.
func (s *Server) stepH248(w *Worker, buf *bytebufferpool.ByteBuffer, pkt []byte,
	src netip.AddrPort) ([]byte, netip.AddrPort, *tcpConn, bool) {
	room := buf.B[:0]
	if cap(room) <= tpktHeader {
		room = make([]byte, 0, 1024) // a new pool buffer, once
	}
	res, dst, send := w.StepH248(pkt, src, room[tpktHeader:tpktHeader])
	inRoom := len(res) > 0 && &res[0] == &room[:tpktHeader+1][tpktHeader]
	// The pool sizes its buffers by the length they come back with.
	switch {
	case inRoom:
		buf.B = room[:tpktHeader+len(res)]
	case send:
		buf.B = res // the step outgrew the buffer
	default:
		buf.B = room
	}
	if !send || s.h.tcp == nil {
		return res, dst, nil, send
	}
	tc := s.h.tcp.getH248(dst)
	if tc == nil {
		return res, dst, nil, true
	}
	if !inRoom {
		framed, ok := s.tpktWrap(res)
		if ok {
			buf.B = framed
		}
		return framed, dst, tc, ok
	}
	n := len(res) + tpktHeader
	if n > tpktMax {
		s.h.count(ReasonH248TooLarge)
		return nil, dst, nil, false
	}
	framed := room[:n]
	framed[0], framed[1], framed[2], framed[3] = tpktVersion, 0, byte(n>>8), byte(n)
	return framed, dst, tc, true
}

// tpktWrap puts a TPKT header in front of msg, in place (msg's buffer
// grows by four bytes); false, counted, when msg does not fit one TPKT.
func (s *Server) tpktWrap(msg []byte) ([]byte, bool) {
	n := len(msg) + tpktHeader
	if n > tpktMax {
		s.h.count(ReasonH248TooLarge)
		return nil, false
	}
	msg = append(msg, 0, 0, 0, 0)
	copy(msg[tpktHeader:], msg[:n-tpktHeader])
	msg[0], msg[1], msg[2], msg[3] = tpktVersion, 0, byte(n>>8), byte(n)
	return msg, true
}

package proxy

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

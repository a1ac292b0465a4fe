package sip

import "math/bits"

// frameHeaders fills the header table from pos up to and including the
// empty line and returns where the body starts. It runs a fast pass over
// bitmaps of the line ends (lineIndex); when that pass meets anything out
// of the ordinary (a limit reached, a malformed line, a bare CR) it starts
// over with parseHeaders, whose order of checks decides which error is
// reported. Both passes fill the same table; FuzzParse checks that.
func (m *Message) frameHeaders(pos int) (int, error) {
	if end, ok := m.frameFast(pos); ok {
		return end, nil
	}
	m.n = 0
	m.first = [hdrCount]uint8{}
	return m.parseHeaders(pos)
}

// frameFast is the fast pass of frameHeaders; ok is false when the slow
// pass must decide. The common line takes no call: a name of up to
// sixteen bytes is read as two words and looked up from them
// (lookupShort), and the line ends in the same 64-byte block. Longer
// names, line ends further on and folded lines take the calls in
// lineRest.
func (m *Message) frameFast(pos int) (end int, ok bool) {
	var x lineIndex
	buf := m.buf
	x.reset(buf, pos)
	for n := 0; ; n++ {
		lf := -1
		if x.head < x.count && int(x.lfs[x.head%len(x.lfs)]) >= pos {
			lf = int(x.lfs[x.head%len(x.lfs)])
			x.head++
		} else if lf = x.nextLF(pos); lf < 0 {
			return 0, false
		}
		if lf-pos <= 1 {
			// The empty line, or a one-byte line the slow pass rejects.
			m.n = n
			return lf + 1, (lf == pos || buf[pos] == '\r') && x.bareCR > lf
		}
		if lf+1 < len(buf) && (buf[lf+1] == ' ' || buf[lf+1] == '\t') {
			if lf = x.foldedEnd(lf); lf < 0 {
				return 0, false
			}
		}
		colon, name1, id := -1, -1, HdrOther
		if pos+16 <= len(buf) {
			w0 := le64(buf[pos:])
			c, at := zeroBytes(w0^cols), pos
			if c == 0 {
				c, at = zeroBytes(le64(buf[pos+8:])^cols), pos+8
			}
			colon = at + bits.TrailingZeros64(c)>>3
			if n := colon - pos; c != 0 && colon < lf && n > 1 && class[buf[colon-1]]&cLWS == 0 {
				first, last := w0, w0&lowBytes[n%8]
				if n < 8 {
					first = last
				} else {
					last = le64(buf[colon-8:])
				}
				if id = lookupShort(first, last, n); id != HdrOther {
					name1 = colon
				}
			}
		}
		if name1 < 0 {
			if colon, name1, id = nameOf(buf, pos, lf); name1 < 0 {
				return 0, false
			}
		}
		next := lf + 1
		if next-pos > MaxLineLength || n == MaxHeaders {
			return 0, false
		}
		v0, v1 := valueBounds(buf, colon, lf)
		m.hdrs[n] = packHdr(id, pos, name1, v0, v1, next)
		if m.first[id] == 0 {
			m.first[id] = uint8(n + 1)
		}
		pos = next
	}
}

// foldedEnd returns the offset of the LF that ends a header line whose
// first LF, at lf, is followed by SP or HTAB: it follows the folded
// continuation lines. It returns -1 when the datagram ends first.
func (x *lineIndex) foldedEnd(lf int) int {
	for lf >= 0 && lf+1 < len(x.buf) && (x.buf[lf+1] == ' ' || x.buf[lf+1] == '\t') {
		lf = x.nextLF(lf + 1)
	}
	return lf
}

// nameOf finds the header name of the line at pos, which has its first LF
// at lf, the slow way: the ':' after it, the end of the name without
// trailing white space and its ID. name1 is -1 when the name is not a
// token followed by ':'.
func nameOf(buf []byte, pos, lf int) (colon, name1 int, id HeaderID) {
	if colon = colonBefore(buf, pos, lf); colon < 0 {
		return 0, -1, HdrOther
	}
	name1 = colon
	for name1 > pos && (buf[name1-1] == ' ' || buf[name1-1] == '\t') {
		name1--
	}
	id = LookupHeader(buf[pos:name1])
	if id == HdrOther && !isToken(buf[pos:name1]) {
		return 0, -1, HdrOther
	}
	return colon, name1, id
}

// colonBefore returns the index of the first ':' in b[i:end], or -1. It
// reads eight bytes at a time, past end when b allows.
func colonBefore(b []byte, i, end int) int {
	for ; i < end && i+8 <= len(b); i += 8 {
		if m := zeroBytes(le64(b[i:]) ^ cols); m != 0 {
			if c := i + bits.TrailingZeros64(m)>>3; c < end {
				return c
			}
			return -1
		}
	}
	for ; i < end; i++ {
		if b[i] == ':' {
			return i
		}
	}
	return -1
}

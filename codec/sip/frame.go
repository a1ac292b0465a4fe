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
	m.first = [firstLen]uint8{}
	return m.parseHeaders(pos)
}

// frameFast is the fast pass of frameHeaders; ok is false when the slow
// pass must decide. The common line takes no call: its LF comes off the
// bitmap of the current block, a name of up to sixteen bytes is read as
// two words and looked up from them (lookupShort), and the value is
// trimmed of the usual single SP and CR. Folded lines, longer names, LWS
// around the value and the move to the next block take calls.
func (m *Message) frameFast(pos int) (end int, ok bool) {
	var x lineIndex
	buf := m.buf
	lfs, blk := x.reset(buf, pos)
	for n := 0; ; n++ {
		if lfs == 0 {
			if lfs, blk = x.nextBlock(blk); lfs == 0 {
				return 0, false
			}
		}
		lf := blk + bits.TrailingZeros64(lfs)
		lfs &= lfs - 1
		if lf-pos <= 1 {
			// The empty line, or a one-byte line the slow pass rejects.
			m.n = n
			return lf + 1, (lf == pos || buf[pos] == '\r') && x.bareCR > lf
		}
		if lf+1 < len(buf) && (buf[lf+1] == ' ' || buf[lf+1] == '\t') {
			if lf, lfs, blk = x.foldedEnd(lf, lfs, blk); lf < 0 {
				return 0, false
			}
		}
		colon, name1, id := shortName(buf, pos, lf)
		if name1 < 0 {
			if colon, name1, id = nameOf(buf, pos, lf); name1 < 0 {
				return 0, false
			}
		}
		next := lf + 1
		if next-pos > MaxLineLength || n == MaxHeaders {
			return 0, false
		}
		// valueBounds, with its common case inline: buf[lf] is LF and
		// buf[colon] is ':', so the reads stay in the line.
		v0, v1 := colon+1, lf
		if buf[v0] == ' ' {
			v0++
		}
		if buf[v1-1] == '\r' {
			v1--
		}
		if v0 < v1 && (class[buf[v0]]|class[buf[v1-1]])&cLWS != 0 {
			v0, v1 = valueBounds(buf, colon, lf)
		}
		m.hdrs[n%MaxHeaders] = packHdr(id, pos, name1, v0, v1, next)
		if f := &m.first[id%firstLen]; *f == 0 {
			*f = uint8(n + 1)
		}
		pos = next
	}
}

// shortName finds the ':' of the line at pos, whose LF is at lf, within
// its first sixteen bytes and looks the name before it up. name1 is -1
// when the name is longer, unknown, followed by white space, or when the
// sixteen bytes run past the datagram: nameOf decides those.
func shortName(buf []byte, pos, lf int) (colon, name1 int, id HeaderID) {
	if pos+16 > len(buf) {
		return -1, -1, HdrOther
	}
	w0 := le64(buf[pos:])
	c, at := zeroBytes(w0^cols), pos
	if c == 0 {
		c, at = zeroBytes(le64(buf[pos+8:])^cols), pos+8
	}
	colon = at + bits.TrailingZeros64(c)>>3
	n := colon - pos
	if c == 0 || colon >= lf || n < 2 || class[buf[colon-1]]&cLWS != 0 {
		return -1, -1, HdrOther
	}
	first, last := w0, w0&lowBytes[n%8]
	if n < 8 {
		first = last
	} else {
		last = le64(buf[colon-8:])
	}
	if id = lookupShort(first, last, n); id == HdrOther {
		return -1, -1, HdrOther
	}
	return colon, colon, id
}

// foldedEnd returns the LF that ends a header line whose first LF, at lf,
// is followed by SP or HTAB: it follows the folded continuation lines,
// taking their LFs off lfs and later blocks. It returns -1 when the
// datagram ends first.
func (x *lineIndex) foldedEnd(lf int, lfs uint64, blk int) (int, uint64, int) {
	for lf+1 < len(x.buf) && (x.buf[lf+1] == ' ' || x.buf[lf+1] == '\t') {
		if lfs == 0 {
			if lfs, blk = x.nextBlock(blk); lfs == 0 {
				return -1, 0, blk
			}
		}
		lf = blk + bits.TrailingZeros64(lfs)
		lfs &= lfs - 1
	}
	return lf, lfs, blk
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

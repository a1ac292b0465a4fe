package mgcp

import (
	"encoding/binary"
	"math/bits"
)

// Character classes of the RFC 3435 grammar, one bit each, looked up in a
// table so that the loops test one byte with one load.
const (
	cWSP   = 1 << iota // SP, HTAB
	cDigit             // DIGIT
	cAlpha             // ALPHA
	cName              // NameString: VCHAR but "$", "*", "/", "@" (local endpoint names)
	cHost              // host name characters: ALPHA, DIGIT, "-", "."
	cParam             // parameter name characters: ALPHA, DIGIT, "-", "+", "/", "_", "."
	cHex               // HEXDIG, either case
	cVChar             // VCHAR, %x21-7E
)

var class = makeClass()

// plain marks the bytes a line may hold without a second look: all but the
// control characters and DEL.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != 0x7f
	}
	return t
}()

func makeClass() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		digit := '0' <= c && c <= '9'
		switch {
		case alpha:
			t[c] |= cAlpha | cHost | cParam
		case digit:
			t[c] |= cDigit | cHost | cParam
		}
		if digit || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' {
			t[c] |= cHex
		}
		if 0x21 <= c && c <= 0x7e {
			t[c] |= cVChar
			if c != '$' && c != '*' && c != '/' && c != '@' {
				t[c] |= cName
			}
		}
	}
	for _, c := range []byte("-.") {
		t[c] |= cHost
	}
	for _, c := range []byte("-+/_.") {
		t[c] |= cParam
	}
	t[' '] |= cWSP
	t['\t'] |= cWSP
	return t
}

// skipClass returns the first index from i on whose byte is not in class m.
func skipClass(b []byte, i int, m uint8) int {
	for i < len(b) && class[b[i]]&m != 0 {
		i++
	}
	return i
}

// allClass reports whether every byte of b is in class m.
func allClass(b []byte, m uint8) bool {
	return skipClass(b, 0, m) == len(b)
}

// Line-end styles: the first line's decides the message's (see the package
// doc on leniency).
const (
	eolUnknown uint8 = iota
	eolLF            // LF or CRLF, mixed as RFC 3435 EOL allows
	eolCR            // bare CR only
)

// eolText maps an end style and whether the first line used CRLF to the
// bytes the Editor writes after a line it adds.
func eolText(style uint8, crlf bool) string {
	switch {
	case style == eolCR:
		return "\r"
	case crlf:
		return "\r\n"
	}
	return "\n"
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special8 marks the bytes of x that are control characters (below 0x20)
// or DEL: the bytes that end a line or are not allowed in one. A borrow may
// mark bytes above the first marked one too, but the lowest mark is exact:
// its byte is the first special one.
func special8(x uint64) uint64 {
	below := (x - lsb*0x20) & ^x & msb
	d := x ^ (lsb * 0x7f)
	del := (d - lsb) & ^d & msb
	return below | del
}

// scanLine finds the end of the line that starts at i: it returns the end
// of its content and the start of the next line. It sets the line-end style
// from the first line end it meets when *style is eolUnknown, and reports
// crlf for a CRLF end. A missing line end gives next == -1 and end ==
// len(b). Errors: a line end of the other style (ErrBadLineEnd), a control
// character but HTAB (ErrBadCharacter); the offset is returned in end.
func scanLine(b []byte, i int, style *uint8) (end, next int, crlf bool, err error) {
	k := i
	for {
		for k+8 <= len(b) {
			if s := special8(binary.LittleEndian.Uint64(b[k:])); s != 0 {
				k += bits.TrailingZeros64(s) >> 3
				break
			}
			k += 8
		}
		for k < len(b) && plain[b[k]] {
			k++
		}
		if k == len(b) {
			return k, -1, false, nil
		}
		switch c := b[k]; c {
		case '\t':
			k++
			continue
		case '\n':
			if *style == eolCR {
				return k, 0, false, ErrBadLineEnd
			}
			*style = eolLF
			return k, k + 1, false, nil
		case '\r':
			lf := k+1 < len(b) && b[k+1] == '\n'
			switch {
			case *style == eolUnknown && lf, *style == eolLF && lf:
				*style = eolLF
				return k, k + 2, true, nil
			case *style == eolUnknown, *style == eolCR && !lf:
				*style = eolCR
				return k, k + 1, false, nil
			case *style == eolCR:
				return k + 1, 0, false, ErrBadLineEnd
			}
			return k, 0, false, ErrBadLineEnd
		}
		return k, 0, false, ErrBadCharacter
	}
}

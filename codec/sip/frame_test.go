package sip

import (
	"errors"
	"strings"
	"testing"
)

// parseSlow is Parse with the slow header pass only: the reference the fast
// pass must match.
func parseSlow(m *Message, b []byte) error {
	m.Reset()
	m.buf = b
	pos, err := m.parseStartLine()
	if err != nil {
		return err
	}
	if pos, err = m.parseHeaders(pos); err != nil {
		return err
	}
	if err = m.frameBody(pos); err != nil {
		return err
	}
	if err = m.checkHeaders(); err != nil {
		return err
	}
	return m.checkMandatory()
}

// TestFrameFastBoundaries moves line ends, folds and bare CRs across the
// 64-byte blocks and 256-byte windows of the fast pass and checks that
// Parse gives what the slow pass alone gives, the same error or the same
// header table, and that the fast pass does not give up on a good message.
func TestFrameFastBoundaries(t *testing.T) {
	shapes := map[string]func(pad string) []string{
		"plain":     func(p string) []string { return []string{"Subject: " + p} },
		"folded":    func(p string) []string { return []string{"Subject: " + p, " more", "\tand more"} },
		"bare CR":   func(p string) []string { return []string{"Subject: " + p + "\rx"} },
		"CR at end": func(p string) []string { return []string{"Subject: " + p + "\r"} },
		"long name": func(p string) []string { return []string{"X-" + p + ": v"} },
		"lf only":   func(p string) []string { return []string{"Subject: " + p + "\nMax-Forwards: 70"} },
		"empty":     func(p string) []string { return []string{"Subject: " + p, "Event:", "Accept : x"} },
	}
	for name, shape := range shapes {
		for k := 0; k < 300; k++ {
			b := minimal(shape(strings.Repeat("x", k)), " body starting with SP")
			var fast, slow Message
			errFast, errSlow := fast.Parse(b), parseSlow(&slow, b)
			sameErr := errFast == errSlow || errors.Is(errFast, errSlow)
			sameTable := fast.n == slow.n && fast.hdrs == slow.hdrs && fast.first == slow.first &&
				fast.body0 == slow.body0
			if !sameErr || errFast == nil && !sameTable {
				t.Fatalf("%s, %d bytes of padding: Parse %v, slow pass %v", name, k, errFast, errSlow)
			}
			checkFraming(t, b, errSlow == nil)
		}
	}
}

// TestFrameFastCapacity checks that the fast pass reads only the datagram
// when it maps the last, partial block in place: the same message, whole
// or cut short, with spare capacity full of LF, CR and ':' bytes and
// without spare capacity, frames the same way, for every length of the
// last block.
func TestFrameFastCapacity(t *testing.T) {
	for k := 0; k < 140; k++ {
		msg := minimal([]string{"Subject: " + strings.Repeat("x", k/2)}, "")
		msg = msg[:len(msg)-k%2*3]
		for _, junk := range []string{"\n", "\r", ":", "\r\n", "\n\n"} {
			spare := make([]byte, len(msg), len(msg)+128)
			copy(spare, msg)
			copy(spare[len(msg):cap(spare)], strings.Repeat(junk, 128))
			tight := msg[:len(msg):len(msg)]
			for _, body := range []string{"", "\r", "\rx", "x\r"} {
				a := append(spare[:len(msg)], body...)
				b := append(append([]byte(nil), tight...), body...)
				b = b[:len(b):len(b)]
				var ma, mb Message
				ea, eb := ma.Parse(a), mb.Parse(b)
				if ea != eb || ma.n != mb.n || ma.hdrs != mb.hdrs || ma.body0 != mb.body0 ||
					ma.body1 != mb.body1 {
					t.Fatalf("%d, junk %q, body %q: with spare capacity %v, without %v",
						k, junk, body, ea, eb)
				}
				checkFraming(t, a, ea == nil)
				checkFraming(t, b, eb == nil)
			}
		}
	}
}

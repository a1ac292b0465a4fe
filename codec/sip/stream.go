package sip

import "bytes"

// StreamFrame finds the first SIP message in b, the bytes buffered so far on
// a stream transport (TCP, TLS), where Content-Length frames each message
// (RFC 3261 §18.3). It returns skip, the number of CR and LF bytes before
// the message (keep-alives, RFC 5626 §3.5.1, and the CRLFs RFC 3261 §7.5 lets
// precede a start line), and n, the message's length from b[skip]; n is 0
// while the message is incomplete. The caller consumes skip+n bytes and
// parses b[skip:skip+n] with Message.Parse.
//
// Errors, after which the stream cannot be resynchronised: ErrMessageTooLarge
// when the header section or the whole message would exceed MaxMessageSize;
// ErrBadContentLength when Content-Length (or its compact form l) is
// missing, not a number, or repeated with another value. It does not
// allocate.
func StreamFrame(b []byte) (skip, n int, err error) {
	for skip < len(b) && (b[skip] == '\r' || b[skip] == '\n') {
		skip++
	}
	msg := b[skip:]
	end := headerEnd(msg)
	if end < 0 {
		if len(msg) >= MaxMessageSize {
			return skip, 0, ErrMessageTooLarge
		}
		return skip, 0, nil
	}
	cl, err := streamContentLength(msg[:end])
	if err != nil {
		return skip, 0, err
	}
	total := end + cl
	if total > MaxMessageSize {
		return skip, 0, ErrMessageTooLarge
	}
	if len(msg) < total {
		return skip, 0, nil
	}
	return skip, total, nil
}

// headerEnd returns the offset just past the empty line that ends the
// header section (CRLF CRLF, or LF LF from senders that end lines in bare
// LF), or -1 when b holds no such line within MaxMessageSize bytes.
func headerEnd(b []byte) int {
	if len(b) > MaxMessageSize {
		b = b[:MaxMessageSize]
	}
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// streamContentLength reads Content-Length from a header section that ends
// in its empty line. Folded values are not joined: a number folded over two
// lines is malformed.
func streamContentLength(hdr []byte) (int, error) {
	cl := -1
	for i := bytes.IndexByte(hdr, '\n') + 1; i > 0 && i < len(hdr); {
		line := hdr[i:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line, i = line[:j], i+j+1
		} else {
			i = len(hdr)
		}
		v, ok := contentLengthValue(line)
		if !ok {
			continue
		}
		n, ok := streamDecimal(v)
		if !ok || cl >= 0 && n != cl {
			return 0, ErrBadContentLength
		}
		cl = n
	}
	if cl < 0 {
		return 0, ErrBadContentLength
	}
	return cl, nil
}

// contentLengthValue returns the value of a Content-Length or l header line.
func contentLengthValue(line []byte) ([]byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return nil, false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
		return nil, false
	}
	return bytes.Trim(line[colon+1:], " \t\r"), true
}

// streamDecimal parses 1 to 5 digits.
func streamDecimal(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

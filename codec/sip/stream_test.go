package sip

import (
	"errors"
	"strings"
	"testing"
)

const streamMsg = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n" +
	"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n" +
	"Content-Length: 4\r\n\r\nbody"

func TestStreamFrame(t *testing.T) {
	long := "INVITE sip:a@b SIP/2.0\r\nl: 70000\r\n\r\n"
	cases := []struct {
		name     string
		in       string
		skip     int
		err      error
		complete string // the message framed; "" while incomplete
	}{
		{"whole", streamMsg, 0, nil, streamMsg},
		{"two in a row", streamMsg + streamMsg[:10], 0, nil, streamMsg},
		{"keep-alive first", "\r\n\r\n" + streamMsg, 4, nil, streamMsg},
		{"keep-alive only", "\r\n\r\n", 4, nil, ""},
		{"headers incomplete", streamMsg[:40], 0, nil, ""},
		{"body incomplete", streamMsg[:len(streamMsg)-1], 0, nil, ""},
		{"compact l, bare LF", "A sip:a SIP/2.0\nl:2\n\nxy", 0, nil, "A sip:a SIP/2.0\nl:2\n\nxy"},
		{"name in any case", "A sip:a SIP/2.0\r\nCONTENT-length : 0\r\n\r\n", 0, nil,
			"A sip:a SIP/2.0\r\nCONTENT-length : 0\r\n\r\n"},
		{"same length twice", "A sip:a SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n", 0, nil,
			"A sip:a SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n"},
		{"missing", "A sip:a SIP/2.0\r\nVia: x\r\n\r\n", 0, ErrBadContentLength, ""},
		{"not a number", "A sip:a SIP/2.0\r\nl: 1x\r\n\r\n", 0, ErrBadContentLength, ""},
		{"six digits", "A sip:a SIP/2.0\r\nl: 000001\r\n\r\n", 0, ErrBadContentLength, ""},
		{"two lengths", "A sip:a SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\nxy", 0, ErrBadContentLength, ""},
		{"too large", long, 0, ErrMessageTooLarge, ""},
		{"headers never end", "A sip:a SIP/2.0\r\n" + strings.Repeat("x", MaxMessageSize), 0,
			ErrMessageTooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			skip, n, err := StreamFrame([]byte(c.in))
			if skip != c.skip || n != len(c.complete) || !errors.Is(err, c.err) {
				t.Fatalf("StreamFrame = %d, %d, %v; want %d, %d, %v", skip, n, err,
					c.skip, len(c.complete), c.err)
			}
			if n > 0 && c.in[skip:skip+n] != c.complete {
				t.Fatalf("framed %q, want %q", c.in[skip:skip+n], c.complete)
			}
		})
	}
}

// TestStreamFrameParses checks that a framed message parses with the
// datagram parser and its body is exactly Content-Length bytes.
func TestStreamFrameParses(t *testing.T) {
	b := []byte("\r\n" + streamMsg + streamMsg)
	var m Message
	for range 2 {
		skip, n, err := StreamFrame(b)
		if err != nil || n == 0 {
			t.Fatalf("StreamFrame = %d, %d, %v", skip, n, err)
		}
		if err := m.Parse(b[skip : skip+n]); err != nil {
			t.Fatal(err)
		}
		if string(m.Body()) != "body" {
			t.Fatalf("body %q", m.Body())
		}
		b = b[skip+n:]
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes left", len(b))
	}
}

func TestStreamFrameAllocatesNothing(t *testing.T) {
	b := []byte(streamMsg)
	if n := testing.AllocsPerRun(100, func() { _, _, _ = StreamFrame(b) }); n != 0 {
		t.Fatalf("StreamFrame allocates %v times", n)
	}
}

// FuzzStreamFrame: no panic; the frame lies within the input; a framed
// message that parses has a body of exactly its Content-Length.
func FuzzStreamFrame(f *testing.F) {
	f.Add([]byte(streamMsg))
	f.Add([]byte("\r\n\r\n" + streamMsg + streamMsg))
	f.Add([]byte("A sip:a SIP/2.0\nl:2\n\nxy"))
	var m Message
	f.Fuzz(func(t *testing.T, b []byte) {
		skip, n, err := StreamFrame(b)
		if skip < 0 || n < 0 || skip+n > len(b) || n > MaxMessageSize {
			t.Fatalf("frame %d+%d outside %d bytes", skip, n, len(b))
		}
		if err != nil && n != 0 {
			t.Fatalf("error %v with a frame", err)
		}
		if n == 0 || m.Parse(b[skip:skip+n]) != nil {
			return
		}
		v, ok := m.Get(HdrContentLength)
		if !ok {
			t.Fatal("framed a message without Content-Length")
		}
		if cl, err := contentLength(v); err != nil || cl != len(m.Body()) {
			t.Fatalf("body %d bytes, Content-Length %q", len(m.Body()), v)
		}
	})
}

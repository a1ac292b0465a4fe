package proxy

import (
	"strings"
	"testing"
)

// FuzzTCPStream feeds an arbitrary byte stream, cut where cuts says, to the
// connection's framing and steps each message as the server does.
// Properties: no panic; the messages, pings and closing reason do not
// depend on where the stream was cut (compared with the stream read in one
// piece); what the step sends parses, answers go back on the connection
// and everything else to the softswitch.
func FuzzTCPStream(f *testing.F) {
	seed := newRig(f)
	reg := recordRegistration(f, seed)
	tcpVia := func(b []byte) []byte {
		return []byte(strings.Replace(string(b), "SIP/2.0/UDP 127.0.0.1:40001",
			"SIP/2.0/TCP 127.0.0.1:40001", 1))
	}
	f.Add(append(tcpVia(reg.first), tcpVia(reg.second)...), []byte{3, 200, 1})
	f.Add([]byte("\r\n\r\n"+tcpOptions+tcpMessage+"\r\n\r\n\r"), []byte{1, 2, 3, 4, 5})
	f.Add([]byte(tcpMessage+"\r\n\r\n"+tcpOptions), []byte{0})
	f.Add([]byte("GARBAGE\r\n\r\n"+tcpOptions), []byte{7})
	f.Add([]byte("OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\nContent-Length: 3\r\n\r\nabc"), []byte{9, 9})

	h, tc := tcpHandler(f)
	sink := &stepSink{t: f, w: h.NewWorker(), tc: tc, out: make([]byte, 0, 1<<17)}
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		sink.t = t
		var whole recordSink
		wholeReason := frameStream(&streamBuf{b: stream}, DefaultMaxTCPBuffered, &whole)

		var parts recordSink
		reason := feedCut(stream, cuts, frameStream, &parts)
		if reason != wholeReason || parts.pings != whole.pings ||
			strings.Join(parts.msgs, "\x00") != strings.Join(whole.msgs, "\x00") {
			t.Fatalf("cut stream: %v, %d pings, %d messages; whole: %v, %d, %d",
				reason, parts.pings, len(parts.msgs), wholeReason, whole.pings, len(whole.msgs))
		}
		for _, m := range parts.msgs {
			sink.message([]byte(m))
		}
	})
}

// feedCut feeds stream to frame in pieces of cuts[i]+1 bytes (the rest in
// one piece once cuts runs out), as reads from a connection would, and
// returns the reason frame closes the connection for, or ReasonNone.
func feedCut(stream, cuts []byte, frame func(streamConn, int, frameSink) Reason,
	sink frameSink) Reason {
	var sb streamBuf
	reason := ReasonNone
	for rest := stream; len(rest) > 0 && reason == ReasonNone; {
		n := len(rest)
		if len(cuts) > 0 {
			n = min(n, int(cuts[0])+1)
			cuts = cuts[1:]
		}
		sb.b = append(sb.b, rest[:n]...)
		rest = rest[n:]
		reason = frame(&sb, DefaultMaxTCPBuffered, sink)
	}
	return reason
}

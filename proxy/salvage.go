package proxy

import (
	"bytes"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// maxSalvageLine bounds each header line copied into a 400 for a message that
// did not parse; longer lines are not trusted to address a response.
const maxSalvageLine = 1024

// salvageRequest scans a request that failed to parse for the headers a
// response needs (RFC 3261 §8.2.6.2) and copies them, CRLF-terminated, into
// w.salvage. It reports false when no Via with a value was found: the response copies
// whatever of From, To, Call-ID and CSeq is there, since RFC 4475 §3.1.2 and
// §3.3 expect a 400 even for a request that lacks some of them.
func (w *Worker) salvageRequest(pkt []byte) bool {
	w.salvage = w.salvage[:0]
	var seen [5]bool
	_, rest, ok := cutLine(pkt) // the start line
	for ok {
		var line []byte
		line, rest, ok = cutLine(rest)
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || len(line) > maxSalvageLine {
			continue
		}
		slot := salvageSlot(sip.LookupHeader(bytes.TrimRight(line[:colon], " \t")))
		if slot < 0 || len(bytes.TrimSpace(line[colon+1:])) == 0 {
			continue
		}
		seen[slot] = true
		w.salvage = append(w.salvage, line...)
		w.salvage = append(w.salvage, "\r\n"...)
	}
	return seen[0]
}

// salvageSlot numbers the headers a response copies; -1 for the others.
func salvageSlot(id sip.HeaderID) int {
	switch id {
	case sip.HdrVia:
		return 0
	case sip.HdrFrom:
		return 1
	case sip.HdrTo:
		return 2
	case sip.HdrCallID:
		return 3
	case sip.HdrCSeq:
		return 4
	}
	return -1
}

// cutLine splits b at the first line end (CRLF or LF), without it.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	line = b[:i]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, b[i+1:], true
}

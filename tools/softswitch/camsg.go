package softswitch

import (
	"strconv"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// Messages the CA writes (docs/PROTOCOL.md §12.2): a response to the gateway's
// command with an RQNT to the same endpoint piggy-backed after a "." line (RFC 3435
// §3.5), in the line-end style of the command.

// caParam is one parameter line of an RQNT the CA writes.
type caParam struct{ name, value string }

// caPiggyback appends the 200 to r's command and an RQNT with transaction id tid,
// request identifier tid in hex, and params. It fails with the codec's error when a
// value cannot be written on one line.
func (s *Server) caPiggyback(r *caRequest, tid uint32, params []caParam) ([]byte, error) {
	eol := r.msg.LineEnd()
	out := caOK(r)
	out = append(out, '.')
	out = append(out, eol...)
	out = append(out, "RQNT "...)
	out = strconv.AppendUint(out, uint64(tid), 10)
	out = append(out, ' ')
	out = append(out, r.msg.Endpoint()...)
	out = append(out, mgcpVersion...)
	out = append(out, eol...)
	out, err := mgcp.AppendParam(out, []byte("X"), strconv.AppendUint(nil, uint64(tid), 16),
		eol)
	for _, p := range params {
		if err != nil {
			break
		}
		out, err = mgcp.AppendParam(out, []byte(p.name), []byte(p.value), eol)
	}
	return out, err
}

package softswitch

import (
	"strconv"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// Messages the MGC writes (RFC 3525 Annex B text, docs/PROTOCOL.md §11.3, §11.5),
// laid out one descriptor per line as the RFC's examples are.

// skdProp is one skd package property of a TerminationState.
type skdProp struct{ name, value string }

// mgcMessage appends the message header (with auth, an authentication header line,
// when not nil) and body to dst.
func (s *Server) mgcMessage(auth []byte, body []byte) []byte {
	out := make([]byte, 0, len(auth)+len(body)+64)
	if auth != nil {
		out = append(append(out, auth...), '\n')
	}
	out = append(out, "MEGACO/1 "...)
	out = append(out, s.mid...)
	out = append(out, '\n')
	return append(out, body...)
}

// appendReply appends an empty successful reply to a command on ROOT in the null
// context: Reply = id { Context = - { <cmd> = ROOT } }.
func appendReply(dst []byte, id uint32, cmd h248.Token) []byte {
	dst = append(dst, "Reply = "...)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, " { Context = - { "...)
	dst = append(dst, cmd.String()...)
	return append(dst, " = ROOT } }\n"...)
}

// appendErrorReply appends Reply = id { Error = code { "text" } }. text must be a
// valid quotedString; the MGC's own texts are.
func appendErrorReply(dst []byte, id uint32, code int, text string) []byte {
	dst = append(dst, "Reply = "...)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, " { Error = "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, " { \""...)
	dst = append(dst, text...)
	return append(dst, "\" } }\n"...)
}

// appendModify appends Transaction = id { Context = - { Modify = ROOT { Media {
// TerminationState { props } } [, Events = 1 { skd/auth }] } } }. It fails with
// h248.ErrBadValue when a value cannot be a quotedString.
func appendModify(dst []byte, id uint32, props []skdProp, askAuth bool) ([]byte, error) {
	dst = append(dst, "Transaction = "...)
	dst = strconv.AppendUint(dst, uint64(id), 10)
	dst = append(dst, " {\n  Context = - {\n    Modify = ROOT {\n"...)
	dst = append(dst, "      Media { TerminationState {\n"...)
	for i, p := range props {
		dst = append(dst, "        skd/"...)
		dst = append(dst, p.name...)
		dst = append(dst, " = "...)
		var err error
		if dst, err = h248.AppendQuoted(dst, []byte(p.value)); err != nil {
			return dst, err
		}
		if i < len(props)-1 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, "      } }"...)
	if askAuth {
		dst = append(dst, ",\n      Events = "...)
		dst = strconv.AppendUint(dst, authRequestID, 10)
		dst = append(dst, " { skd/auth }"...)
	}
	return append(dst, "\n    }\n  }\n}\n"...), nil
}

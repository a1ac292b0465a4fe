package softswitch

import (
	"strconv"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// authSeqNum is the SequenceNum of the registration success, the first message under
// the session key (docs/PROTOCOL.md §11.5).
const authSeqNum = 1

// mgcSuccess builds the Reply to the Notify and the success Modify with the wrapped
// keys (docs/PROTOCOL.md §11.5). In direct mode the MGC does the proxy's part: the
// message gets the authentication header with the MAC over the §5.5 input.
func (s *Server) mgcSuccess(r *mgcRequest, v *vector) ([]byte, error) {
	id := s.nextTxn.Add(1)
	props := []skdProp{{"term", v.terminal}}
	if v.mode.kind == modeProxy {
		props = append(props, skdProp{"proxy", v.proxy}, skdProp{"kid", v.kid})
	}
	props = append(props, skdProp{"wrap", v.wrap.String()})
	body := appendReply(nil, r.id, h248.TokNotify)
	body, err := appendModify(body, id, props, false)
	if err != nil {
		return nil, err
	}
	var auth []byte
	if v.mode.kind == modeDirect {
		if auth, err = s.mgcAuthHeader(id, v); err != nil {
			return nil, err
		}
	}
	s.stats.h248Registered.Add(1)
	if v.mode.kind != modePlain {
		s.stats.h248Keys.Add(1)
	}
	s.log.Info("gateway registered", zap.String("identity", v.identity),
		zap.Stringer("mode", v.mode.kind))
	return s.mgcMessage(auth, body), nil
}

// mgcAuthHeader computes the authentication header of a direct-mode success Modify:
// SPI from SK, SequenceNum 1, AuthData the chosen mechanism's tag over the §5.5 input
// whose seq field is the header's "SPI:SeqNum" exactly as written.
func (s *Server) mgcAuthHeader(txnID uint32, v *vector) ([]byte, error) {
	mech := v.chosenMech()
	spi, err := skd.H248SPI(v.sk)
	if err != nil {
		return nil, err
	}
	// The header is written once with a zero tag of the right size to learn how
	// SPI:SeqNum is spelled, then again with the tag. AppendAuthHeader writes
	// "AU=0x" 8 hex digits ":0x" 8 hex digits ":0x" AuthData.
	draft, err := h248.AppendAuthHeader(nil, spi, authSeqNum, make([]byte, mech.TagSize()))
	if err != nil {
		return nil, err
	}
	seqText := draft[len("AU=") : len("AU=0x")+8+len(":0x")+8]
	f := skd.RegFields{
		Protocol: "h248", Status: []byte("Modify"),
		TxnID: strconv.AppendUint(nil, uint64(txnID), 10), Seq: seqText,
		FromTag: []byte(v.identity), ToTag: []byte(s.mid),
	}
	tag, err := v.sign(&f)
	if err != nil {
		return nil, err
	}
	return h248.AppendAuthHeader(nil, spi, authSeqNum, tag)
}

package softswitch

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strconv"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Extension parameters of the MGCP profile (docs/PROTOCOL.md §12.1) that only MGCP
// uses; X-SKDID, X-SKDOF and X-SKDPX are H.248's names too (extIdentity, ...).
const (
	extChallenge = "X-SKDCH"
	extServer    = "X-SKDSV"
	extAuth      = "X-SKDAU"
	extVerify    = "X-SKDVF"
	extKeys      = "X-SKDKD"
	// authEvent is the event the challenge RQNT asks for and the NTFY reports.
	authEvent = "skd/auth"
)

// errCAExtension: an extension parameter of the profile given twice; the codec lets
// X- names repeat, the profile does not.
var errCAExtension = errors.New("X-SKD parameter given twice")

// caParams are the profile's parameters of one command, views into its message.
type caParams struct {
	id, offer, proxy, auth, verify []byte
	hasID, hasOffer, hasProxy      bool
	hasAuth, hasVerify             bool
}

// readCAParams collects the X-SKD parameters a gateway (or the proxy) may send.
func readCAParams(m *mgcp.Message) (caParams, error) {
	var p caParams
	for i := range m.NumParams() {
		prm := m.Param(i)
		if prm.Code != mgcp.ParamExtension {
			continue
		}
		var seen *bool
		var val *[]byte
		switch {
		case bytes.EqualFold(prm.Name, []byte(extIdentity)):
			seen, val = &p.hasID, &p.id
		case bytes.EqualFold(prm.Name, []byte(extOffer)):
			seen, val = &p.hasOffer, &p.offer
		case bytes.EqualFold(prm.Name, []byte(extProxy)):
			seen, val = &p.hasProxy, &p.proxy
		case bytes.EqualFold(prm.Name, []byte(extAuth)):
			seen, val = &p.hasAuth, &p.auth
		case bytes.EqualFold(prm.Name, []byte(extVerify)):
			seen, val = &p.hasVerify, &p.verify
		default:
			continue
		}
		if *seen {
			return p, errCAExtension
		}
		*seen, *val = true, prm.Value
	}
	return p, nil
}

// rsip answers a RestartInProgress: restart with an offer (direct) or X-SKDPX
// (proxy) is challenged, one without is accepted (plain mode), forced and graceful
// remove the gateway, other methods are acknowledged.
func (s *Server) rsip(r *caRequest) ([]byte, bool, func()) {
	p, err := readCAParams(r.msg)
	if err != nil {
		return s.caError(r, mgcpProtocol, err.Error()), false, nil
	}
	rs := &mgRestart{identity: string(p.id)}
	if !p.hasID {
		rs.identity = string(r.msg.Domain()) // plain mode only: readSKD refuses it otherwise
	}
	if err := rs.readSKD(p.hasID, p.hasOffer, p.hasProxy, p.offer, p.proxy); err != nil {
		return s.caError(r, mgcpProtocol, err.Error()), false, nil
	}
	proxied := rs.md.kind == modeProxy
	rm, _ := r.msg.Value(mgcp.ParamRestartMethod)
	switch {
	case bytes.EqualFold(rm, []byte("forced")) || bytes.EqualFold(rm, []byte("graceful")):
		s.forgetGateway(s.cas, rs.identity)
		return caOK(r), proxied, nil
	case len(rm) > 0 && !bytes.EqualFold(rm, []byte("restart")):
		return caOK(r), proxied, nil // disconnected, cancel-graceful: acknowledged
	case rs.md.kind == modePlain:
		if !s.rememberGateway(s.cas, &mgBinding{identity: rs.identity, addr: r.src}, r.now) {
			return s.caError(r, mgcpOverload, errMGTableFull.Error()), false, nil
		}
		s.stats.mgcpRegistered.Add(1)
		s.log.Info("mgcp gateway registered", zap.String("identity", rs.identity),
			zap.Stringer("mode", modePlain))
		return caOK(r), false, nil
	}
	return s.caChallenge(r, rs), proxied, nil
}

// caChallenge asks the AC for a vector and answers with the 200 to the RSIP and the
// challenge RQNT piggy-backed (docs/PROTOCOL.md §12.2 step 2).
func (s *Server) caChallenge(r *caRequest, rs *mgRestart) []byte {
	v, code, err := s.gatewayVector(rs)
	if err != nil {
		if code == errCodeUnauthorized {
			return s.caError(r, mgcpProtocol, err.Error())
		}
		return s.caError(r, mgcpOverload, err.Error())
	}
	params := []caParam{
		{"R", authEvent},
		{extChallenge, `realm="` + v.realm + `", nonce="` + v.nonce + `", algorithm=` +
			v.h248Alg},
	}
	if rs.md.kind == modeDirect {
		params = append(params, caParam{extServer, v.chosenEntry()})
	}
	out, err := s.caPiggyback(r, s.caTxnID(), params)
	if err != nil {
		return s.caError(r, mgcpProtocol, "challenge not writable")
	}
	s.keepChallenge(s.caPending, v, r.now, &s.stats.mgcpChallenged)
	return out
}

// ntfy answers a Notify. One carrying X-SKDAU completes a registration: its nonce
// names the pending challenge (one attempt per challenge), the agreement and the
// digest response are checked, and the 200 rides with the success RQNT.
func (s *Server) ntfy(r *caRequest) ([]byte, bool, func()) {
	p, err := readCAParams(r.msg)
	if err != nil {
		return s.caError(r, mgcpProtocol, err.Error()), false, nil
	}
	if !p.hasAuth {
		return caOK(r), false, nil
	}
	a := mgAuth{verify: bytes.TrimSpace(p.verify), offer: p.offer,
		hasVerify: p.hasVerify, hasOffer: p.hasOffer}
	a.id, _ = sip.ListParam(p.auth, "username")
	a.nonce, _ = sip.ListParam(p.auth, "nonce")
	a.resp, _ = sip.ListParam(p.auth, "response")
	if len(a.id) == 0 || len(a.nonce) == 0 || len(a.resp) == 0 {
		return s.caError(r, mgcpProtocol, "X-SKDAU lacks username, nonce or response"),
			false, nil
	}
	s.mu.Lock()
	v, ok := s.caPending.take(string(a.nonce), r.now)
	s.mu.Unlock()
	if !ok {
		s.stats.stale.Add(1)
		return s.caError(r, mgcpProtocol, errMGStale.Error()), false, nil
	}
	proxied := v.mode.kind == modeProxy
	if err := checkGatewayAuth(&a, v, "NTFY", "mgcp:"); err != nil {
		s.log.Info("mgcp gateway refused", zap.String("identity", v.identity), zap.Error(err))
		return s.caError(r, mgcpProtocol, err.Error()), proxied, nil
	}
	b := &mgBinding{identity: v.identity, addr: r.src, mode: v.mode.kind}
	if !s.rememberGateway(s.cas, b, r.now) {
		return s.caError(r, mgcpOverload, errMGTableFull.Error()), proxied, nil
	}
	out, err := s.caSuccess(r, v)
	if err != nil {
		s.stats.keyFailures.Add(1)
		s.log.Warn("key distribution failed", zap.String("identity", v.identity),
			zap.Error(err))
		return s.caError(r, mgcpProtocol, "key distribution failed"), proxied, nil
	}
	return out, proxied, func() { s.reportSuccess(v.identity, v.nonce) }
}

// caSuccess builds the 200 to the NTFY and the success RQNT with X-SKDKD
// (docs/PROTOCOL.md §12.2 step 4). In direct mode the CA does the proxy's part and
// writes the MAC over the §12.2 input itself.
func (s *Server) caSuccess(r *caRequest, v *vector) ([]byte, error) {
	tid := s.caTxnID()
	wrap := v.wrap.String()
	kd := `terminal="` + v.terminal + `", proxy="` + v.proxy + `", kid=` + v.kid +
		", wrap=" + wrap
	if v.mode.kind == modeDirect {
		f := mgcpMACFields(tid, r.msg.Endpoint(), v.identity)
		tag, err := v.sign(&f)
		if err != nil {
			return nil, err
		}
		kd = `terminal="` + v.terminal + `", wrap=` + wrap + `, mac="` + base64.StdEncoding.EncodeToString(tag) + `"`
	}
	out, err := s.caPiggyback(r, tid, []caParam{{extKeys, kd}})
	if err != nil {
		return nil, err
	}
	s.stats.mgcpRegistered.Add(1)
	s.stats.mgcpKeys.Add(1)
	s.log.Info("mgcp gateway registered", zap.String("identity", v.identity),
		zap.Stringer("mode", v.mode.kind))
	return out, nil
}

// mgcpMACFields fills the fields of the MGCP MAC input that the success RQNT names
// (docs/PROTOCOL.md §12.2): status RQNT, its transaction id, its endpoint as
// written, the identity, an empty to tag. sign adds the rest.
func mgcpMACFields(tid uint32, endpoint []byte, identity string) skd.RegFields {
	return skd.RegFields{Protocol: "mgcp", Status: []byte("RQNT"),
		TxnID: strconv.AppendUint(nil, uint64(tid), 10), Seq: endpoint,
		FromTag: []byte(identity), ToTag: []byte{}}
}

// caTxnID returns the CA's next transaction id, 1 to mgcp.MaxTransactionID.
func (s *Server) caTxnID() uint32 {
	return s.caNextTxn.Add(1)%mgcp.MaxTransactionID + 1
}

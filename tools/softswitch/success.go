package softswitch

import (
	"encoding/base64"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// success builds the 200 OK of an authenticated REGISTER: the AOR's bindings as
// Contacts with their remaining lifetimes, Expires, the Path headers echoed
// (RFC 3327 §5.3) and, when a binding was added in proxy or direct mode,
// Key-Distribution (PROTOCOL.md §5.4, §6).
func (s *Server) success(req *request, reg *registration, v *vector,
	bs []binding) ([]byte, error) {
	r := newResponse(200)
	for _, b := range ownFirst(bs, reg) {
		r.add("Contact", "<"+b.contact+">;expires="+strconv.Itoa(remaining(b, req.now)))
	}
	granted := grantedExpires(reg)
	if granted > 0 {
		r.add("Expires", strconv.Itoa(granted))
	}
	for _, p := range reg.path {
		r.add("Path", p)
	}
	keys := granted > 0 && v.mode.kind != modePlain
	if keys {
		kd, err := s.keyDistribution(req, v)
		if err != nil {
			return nil, err
		}
		r.add("Key-Distribution", kd)
	}
	s.count(reg, keys)
	s.log.Info("registered", zap.String("identity", v.identity), zap.String("aor", reg.aor),
		zap.Stringer("mode", v.mode.kind), zap.Int("expires", granted),
		zap.Int("bindings", len(bs)))
	return r.build(req), nil
}

// ownFirst orders the bindings this REGISTER named before the address of record's
// others, so a reader of the first Contact (sigproxy sizes the session key's lifetime
// from it) sees the registering device's lifetime.
func ownFirst(bs []binding, reg *registration) []binding {
	out := make([]binding, 0, len(bs))
	for _, own := range []bool{true, false} {
		for _, b := range bs {
			if named(reg, b.contact) == own {
				out = append(out, b)
			}
		}
	}
	return out
}

func named(reg *registration, uri string) bool {
	for _, c := range reg.contacts {
		if c.uri == uri {
			return true
		}
	}
	return false
}

func (s *Server) count(reg *registration, keys bool) {
	switch {
	case grantedExpires(reg) > 0:
		s.stats.registered.Add(1)
	case reg.wildcard || len(reg.contacts) > 0:
		s.stats.deregistered.Add(1)
	default:
		s.stats.queried.Add(1)
	}
	if keys {
		s.stats.keys.Add(1)
	}
}

// grantedExpires is the lifetime granted to the REGISTER's first contact that asked
// for one, or 0 when it only removed (or queried) bindings.
func grantedExpires(reg *registration) int {
	for _, c := range reg.contacts {
		if c.expires > 0 {
			return c.expires
		}
	}
	return 0
}

// remaining is a binding's lifetime left, in whole seconds rounded up.
func remaining(b binding, now time.Time) int {
	return int((b.expires.Sub(now) + time.Second - 1) / time.Second)
}

// keyDistribution renders the Key-Distribution value: for the proxy to open (proxy
// mode) or MACed by the registrar itself (direct mode, PROTOCOL.md §5.5).
func (s *Server) keyDistribution(req *request, v *vector) (string, error) {
	wrap := v.wrap.String()
	if v.mode.kind == modeProxy {
		return `terminal="` + v.terminal + `", proxy="` + v.proxy + `", kid=` + v.kid +
			", wrap=" + wrap, nil
	}
	mac, err := s.mac(req, v)
	if err != nil {
		return "", err
	}
	return `terminal="` + v.terminal + `", wrap=` + wrap + `, mac="` + mac + `"`, nil
}

// mac computes the direct-mode verification word over the 200's MAC input.
func (s *Server) mac(req *request, v *vector) (string, error) {
	_, method, err := sip.ParseCSeq(req.cseq)
	if err != nil {
		return "", err
	}
	toTag := sip.Tag(req.to)
	if len(toTag) == 0 {
		toTag = []byte(req.toTag)
	}
	seq := strconv.FormatUint(uint64(req.seqNum), 10) + " " + string(method)
	f := skd.RegFields{
		Protocol: "sip", Status: []byte("200"), TxnID: req.callID, Seq: []byte(seq),
		FromTag: sip.Tag(req.from), ToTag: toTag,
	}
	tag, err := v.sign(&f)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(tag), nil
}

package softswitch

import (
	"errors"
	"strings"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Reasons a REGISTER is malformed (400).
var (
	errNoUser      = errors.New("softswitch: to uri has no user part")
	errBadExpires  = errors.New("softswitch: expires is not delta-seconds")
	errBadWildcard = errors.New("softswitch: contact * needs Expires: 0 and no other contact")
	errBadContact  = errors.New("softswitch: contact has no usable uri")
	errBadPathWrap = errors.New("softswitch: path wrap parameter names no known wrap")
	errBadProxyID  = errors.New("softswitch: path uri with wrap has no proxy id")
)

// maxDeltaSeconds stops the delta-seconds accumulator: RFC 3261 §10.2.1.1 reads larger
// values as 2**32-1, far above MaxExpires anyway.
const maxDeltaSeconds = int64(1) << 32

// parseRegistration reads the address of record, Contacts, lifetimes and Path of a
// REGISTER. tooBrief reports a Contact lifetime in (0, MinExpires).
func parseRegistration(req *request) (reg *registration, tooBrief bool, err error) {
	msg := req.msg
	reg = &registration{callID: string(req.callID), cseq: req.seqNum}
	if reg.aor, reg.user, err = addressOfRecord(req.to); err != nil {
		return nil, false, err
	}
	def, err := expiresHeader(msg)
	if err != nil {
		return nil, false, err
	}
	it := msg.List(sip.HdrContact)
	for elem, ok := it.Next(); ok; elem, ok = it.Next() {
		if string(elem) == "*" {
			reg.wildcard = true
			continue
		}
		c, brief, err := parseContact(elem, def)
		if err != nil {
			return nil, false, err
		}
		tooBrief = tooBrief || brief
		reg.contacts = append(reg.contacts, c)
	}
	if err := it.Err(); err != nil {
		return nil, false, err
	}
	if reg.wildcard && (len(reg.contacts) > 0 || def != 0) {
		return nil, false, errBadWildcard
	}
	for i := msg.Index(sip.HdrPath, 0); i >= 0; i = msg.Index(sip.HdrPath, i+1) {
		reg.path = append(reg.path, string(msg.Header(i).Value))
	}
	return reg, tooBrief, nil
}

// addressOfRecord returns the canonical AOR of a To value (scheme and host in lower
// case) and its user part.
func addressOfRecord(to []byte) (aor, user string, err error) {
	u, err := sip.ParseURI(sip.NameAddrURI(to))
	if err != nil {
		return "", "", err
	}
	if len(u.User) == 0 {
		return "", "", errNoUser
	}
	user = string(u.User)
	aor = strings.ToLower(string(u.Scheme)) + ":" + user + "@" + strings.ToLower(string(u.Host))
	return aor, user, nil
}

// expiresHeader returns the Expires header's lifetime, or DefaultExpires when absent,
// clamped to MaxExpires.
func expiresHeader(msg *sip.Message) (int, error) {
	v, ok := msg.Get(sip.HdrExpires)
	if !ok {
		return DefaultExpires, nil
	}
	return deltaSeconds(v)
}

// parseContact reads one contact-param: its URI and lifetime (the expires parameter,
// else def), clamped to MaxExpires.
func parseContact(elem []byte, def int) (c contactUpdate, tooBrief bool, err error) {
	uri := sip.NameAddrURI(elem)
	if _, err := sip.ParseURI(uri); err != nil {
		return c, false, errors.Join(errBadContact, err)
	}
	c.uri, c.expires = string(uri), def
	if v, ok := sip.Param(elem, "expires"); ok {
		if c.expires, err = deltaSeconds(v); err != nil {
			return c, false, err
		}
	}
	return c, c.expires != 0 && c.expires < MinExpires, nil
}

// deltaSeconds parses delta-seconds (RFC 3261 §25.1: 1*DIGIT), saturating, then
// clamps to MaxExpires.
func deltaSeconds(v []byte) (int, error) {
	if len(v) == 0 {
		return 0, errBadExpires
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errBadExpires
		}
		if n < maxDeltaSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return int(min(n, MaxExpires)), nil
}

// detectMode tells proxy, direct and plain mode apart (see the package doc).
func detectMode(msg *sip.Message) (mode, error) {
	if path, ok := msg.Get(sip.HdrPath); ok {
		elem, _ := sip.NextElement(path, 0)
		u, err := sip.ParseURI(sip.NameAddrURI(elem))
		if err != nil {
			return mode{}, err
		}
		if wrap, ok := sip.Param(u.Params, "wrap"); ok {
			alg, known := skd.ParseWrapAlg(wrap)
			if !known || alg == skd.WrapNone {
				return mode{}, errBadPathWrap
			}
			if !isToken(string(u.User)) {
				return mode{}, errBadProxyID
			}
			return mode{kind: modeProxy, proxyID: string(u.User), wrap: alg}, nil
		}
	}
	if msg.Count(sip.HdrSecurityClient) > 0 || requiresSecAgree(msg) {
		return mode{kind: modeDirect}, nil
	}
	return mode{kind: modePlain}, nil
}

package softswitch

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// modeKind tells how a REGISTER reached the registrar (see the package doc).
type modeKind uint8

const (
	modePlain  modeKind = iota // no Security-Client, no proxy Path: no key
	modeDirect                 // Security-Client, no proxy Path: the registrar MACs
	modeProxy                  // top Path with a wrap parameter: the proxy MACs
)

func (k modeKind) String() string {
	switch k {
	case modeDirect:
		return "direct"
	case modeProxy:
		return "proxy"
	}
	return "plain"
}

// mode is a modeKind with the proxy's id and wrap algorithm (proxy mode only).
type mode struct {
	kind    modeKind
	proxyID string
	wrap    skd.WrapAlg
}

// vector is a pending challenge: what the AC returned plus what the second REGISTER
// must repeat. It holds secrets (H(A1), SK) and must never be printed; String and
// GoString redact it.
type vector struct {
	nonce    string
	identity string
	realm    string
	uris     []string // digest-uri values the credentials may name
	hops     []string // host:port a user-less digest-uri may name (see uriMatches)
	mode     mode
	offer    offer // direct mode: the Security-Client entries of the first REGISTER
	chosen   int   // direct mode: index of the chosen entry in offer
	ha1      map[string]string
	wrap     skd.WrapAlg
	terminal string // B64 blob for the terminal
	proxy    string // B64 blob for the proxy (proxy mode)
	kid      string // proxy key id (proxy mode)
	sk       []byte // session key in the clear (direct mode)
	h248Alg  string // H.248, MGCP: the digest algorithm challenged (one per challenge)
}

// String redacts the vector.
func (v *vector) String() string { return "softswitch.vector{nonce:" + v.nonce + " REDACTED}" }

// GoString redacts the vector.
func (v *vector) GoString() string { return v.String() }

// Format redacts the vector under every fmt verb.
func (v *vector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, v.String()) }

// chosenEntry returns the Security-Server entry sent on the 401 (direct mode).
func (v *vector) chosenEntry() string { return v.offer.entries[v.chosen] }

// chosenMech returns the mechanism chosen in direct mode.
func (v *vector) chosenMech() skd.Mechanism { return v.offer.mechs[v.chosen].Mech }

// sign completes f with the vector's agreement and wrapped key and returns the
// chosen mechanism's tag over the MAC input (docs/PROTOCOL.md §5.5) under SK: the
// direct-mode verification word for SIP, H.248 and MGCP alike.
func (v *vector) sign(f *skd.RegFields) ([]byte, error) {
	offered := make([][]byte, len(v.offer.entries))
	for i, e := range v.offer.entries {
		offered[i] = []byte(e)
	}
	f.Nonce, f.Chosen, f.Offered = []byte(v.nonce), []byte(v.chosenEntry()), offered
	f.Terminal, f.Wrap = []byte(v.terminal), []byte(v.wrap.String())
	input, err := skd.AppendMACInput(nil, f)
	if err != nil {
		return nil, err
	}
	return skd.NewMACer().Sum(nil, v.chosenMech(), v.sk, input)
}

// newVector checks what the AC returned for req and keeps it. An AC answer that does
// not fit the request is errACMisbehaved; the registrar then answers 503.
func (s *Server) newVector(req *authcenter.AuthRequest, av *authcenter.AuthVector,
	md mode) (*vector, error) {
	if av == nil || !safeQuoted(av.Nonce, MaxNonce) {
		return nil, errACMisbehaved
	}
	v := &vector{nonce: av.Nonce, identity: req.Identity, realm: s.cfg.Realm, mode: md,
		chosen: -1, ha1: map[string]string{}}
	for _, alg := range s.cfg.algs {
		if h, ok := av.HA1[alg]; ok && h != "" {
			v.ha1[alg] = h
		}
	}
	if len(v.ha1) == 0 {
		return nil, errACMisbehaved
	}
	if md.kind == modePlain {
		return v, nil
	}
	return v, v.keepKeys(req, av)
}

// keepKeys checks and keeps the wrapped keys (and, in direct mode, SK).
func (v *vector) keepKeys(req *authcenter.AuthRequest, av *authcenter.AuthVector) error {
	wrap, ok := skd.ParseWrapAlg([]byte(av.Wrap))
	if !ok || av.Wrap != req.Wrap {
		return errACMisbehaved
	}
	v.wrap = wrap
	if !blobOK(av.Terminal, wrap) {
		return errBadKeyMaterial
	}
	v.terminal = av.Terminal
	if v.mode.kind == modeProxy {
		if !blobOK(av.Proxy, wrap) || !isToken(av.KID) {
			return errBadKeyMaterial
		}
		v.proxy, v.kid = av.Proxy, av.KID
		return nil
	}
	sk, err := base64.StdEncoding.DecodeString(av.SK)
	if err != nil || len(sk) != skd.SessionKeySize {
		return errBadKeyMaterial
	}
	v.sk = sk
	return nil
}

// blobOK reports whether b64 is a wrapped-key blob of alg's size.
func blobOK(b64 string, alg skd.WrapAlg) bool {
	blob, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(blob) == alg.BlobSize()
}

// safeQuoted reports whether s is non-empty, at most max bytes and fits in a
// quoted-string without escaping (printable ASCII, no '"' or '\').
func safeQuoted(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty RFC 3261 token of at most MaxIdentity bytes.
func isToken(s string) bool {
	if s == "" || len(s) > MaxIdentity {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
		if !alnum && !contains1("-.!%*_+`'~", c) {
			return false
		}
	}
	return true
}

func contains1(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

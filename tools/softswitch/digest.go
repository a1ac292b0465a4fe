package softswitch

import (
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Reasons a digest credential is refused (403). They name what did not match and
// never carry a secret.
var (
	errDigestUser     = errors.New("softswitch: digest username differs from the challenged one")
	errDigestRealm    = errors.New("softswitch: digest realm differs from the challenged one")
	errDigestURI      = errors.New("softswitch: digest uri differs from the challenged one")
	errDigestAlg      = errors.New("softswitch: digest algorithm not offered")
	errDigestQop      = errors.New("softswitch: digest qop, nc or cnonce malformed")
	errDigestMismatch = errors.New("softswitch: digest response mismatch")
)

// ncDigits is the length of a digest nonce-count: 8 hex digits (RFC 7616 §3.4).
const ncDigits = 8

// credentials are the auth-params of one Authorization: Digest value.
type credentials struct {
	username, realm, nonce, uri, response string
	alg, qop, nc, cnonce                  string
}

// usable reports whether the credentials answer a challenge at all (the first
// REGISTER of the profile carries an empty nonce and response).
func (c *credentials) usable() bool {
	return c != nil && c.nonce != "" && c.response != ""
}

// findCredentials returns the Digest credentials for realm, or, when none is for
// realm, the first Digest credentials (used only to name the identity); nil when the
// request has no Digest Authorization.
func findCredentials(msg *sip.Message, realm string) *credentials {
	var first *credentials
	for i := msg.Index(sip.HdrAuthorization, 0); i >= 0; i = msg.Index(sip.HdrAuthorization, i+1) {
		v := msg.Header(i).Value
		if !strings.EqualFold(string(sip.AuthScheme(v)), "Digest") {
			continue
		}
		c := parseCredentials(v)
		if c.realm == realm {
			return c
		}
		if first == nil {
			first = c
			first.nonce, first.response = "", "" // not ours to check
		}
	}
	return first
}

func parseCredentials(v []byte) *credentials {
	p := func(name string) string {
		val, _ := sip.AuthParam(v, name)
		return string(val)
	}
	return &credentials{
		username: p("username"), realm: p("realm"), nonce: p("nonce"), uri: p("uri"),
		response: p("response"), alg: p("algorithm"), qop: p("qop"), nc: p("nc"),
		cnonce: p("cnonce"),
	}
}

// checkDigest verifies c against the challenge vector v for a request with method
// (RFC 7616 §3.4.1, or RFC 2069 when qop is absent). The response is compared in
// constant time.
func (s *Server) checkDigest(method string, c *credentials, v *vector) error {
	if c.username != v.identity {
		return errDigestUser
	}
	if c.realm != v.realm {
		return errDigestRealm
	}
	if !uriMatches(c.uri, v) {
		return errDigestURI
	}
	alg := AlgMD5 // RFC 7616 §3.4: absent algorithm means MD5
	if c.alg != "" {
		var ok bool
		if alg, ok = canonicalAlg(c.alg); !ok {
			return errDigestAlg
		}
	}
	ha1, ok := v.ha1[alg]
	if !ok || !contains(s.cfg.algs, alg) {
		return errDigestAlg
	}
	if err := checkQop(c); err != nil {
		return err
	}
	want, err := skd.DigestResponse(alg, ha1, v.nonce, method, c.uri, c.qop, c.nc, c.cnonce)
	if err != nil {
		return err
	}
	got := strings.ToLower(c.response)
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return errDigestMismatch
	}
	return nil
}

// uriMatches reports whether a digest-uri names what was challenged: the challenged
// Request-URI or the uri of the first Authorization, byte for byte; or a URI without
// user part whose host:port is the hop the terminal sent to (this registrar's address,
// or the proxy's from the top Path). SIPp 3.6 puts its destination address in the
// digest-uri instead of the Request-URI; the nonce is single-use and the response
// covers the uri, so the looser match admits no replay.
func uriMatches(uri string, v *vector) bool {
	if contains(v.uris, uri) {
		return true
	}
	u, err := sip.ParseURI([]byte(uri))
	return err == nil && len(u.User) == 0 && contains(v.hops, hostPort(u))
}

// hostPort renders a URI's host and port (5060 when absent) in lower case.
func hostPort(u sip.URI) string {
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return strings.ToLower(string(u.Host)) + ":" + strconv.Itoa(port)
}

// hops returns the host:port values a user-less digest-uri may name for msg: this
// registrar's own address and, when there is a Path, its top URI's.
func (s *Server) hops(msg *sip.Message) []string {
	var out []string
	if a := s.Addr(); a != nil {
		out = append(out, strings.ToLower(a.String()))
	}
	if path, ok := msg.Get(sip.HdrPath); ok {
		elem, _ := sip.NextElement(path, 0)
		if u, err := sip.ParseURI(sip.NameAddrURI(elem)); err == nil {
			out = append(out, hostPort(u))
		}
	}
	return out
}

// checkQop accepts no qop (RFC 2069) or qop=auth with an 8-hex-digit nc and a cnonce.
func checkQop(c *credentials) error {
	if c.qop == "" {
		if c.nc != "" || c.cnonce != "" {
			return errDigestQop
		}
		return nil
	}
	if !strings.EqualFold(c.qop, "auth") || c.cnonce == "" || !isHex(c.nc, ncDigits) {
		return errDigestQop
	}
	c.qop = "auth"
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// challengeValue renders one WWW-Authenticate value (RFC 7616 §3.3).
func challengeValue(realm, nonce, alg string, stale bool) string {
	v := `Digest realm="` + realm + `", nonce="` + nonce + `", algorithm=` + alg +
		`, qop="auth"`
	if stale {
		v += ", stale=true"
	}
	return v
}

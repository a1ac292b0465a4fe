package terminal

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultExpires is the binding lifetime asked for, in seconds (RFC 3261 §10.2.1.1
	// suggests an hour when the UA has no preference).
	DefaultExpires = 3600
	// DefaultT1 is the RFC 3261 round-trip estimate that starts retransmission.
	DefaultT1 = 500 * time.Millisecond
	// DefaultTimeout bounds one whole registration: 64*T1, RFC 3261 Timer F.
	DefaultTimeout = 64 * DefaultT1
)

// Protocols a terminal speaks (Config.Protocol).
const (
	// ProtocolSIP registers with REGISTER (docs/PROTOCOL.md §5).
	ProtocolSIP = "sip"
	// ProtocolH248 registers as an H.248 media gateway with ServiceChange and Notify
	// (docs/PROTOCOL.md §11).
	ProtocolH248 = "h248"
	// ProtocolMGCP registers as an MGCP gateway with RSIP and NTFY (docs/PROTOCOL.md
	// §12).
	ProtocolMGCP = "mgcp"
)

// DefaultDigestAlgs is the digest algorithm preference used when Config.DigestAlg is
// empty: the strongest first, MD5 only for softswitches that offer nothing else.
var DefaultDigestAlgs = []string{"SHA-256", "MD5"}

const (
	// maxIdentityLen matches the AC's limit on identities, so a terminal never sends a
	// name the AC is bound to refuse.
	maxIdentityLen = 128
	// maxRealmLen bounds the realm like a DNS name (RFC 1035 §2.3.4).
	maxRealmLen = 255
	// maxOfferEntryLen keeps one Security-Client entry far below the SIP line limit
	// even with MaxOffered entries on one line.
	maxOfferEntryLen = 200
	// maxExpires is the largest delta-seconds RFC 3261 §20.19 lets a UA send
	// portably (2**31-1, like CSeq).
	maxExpires = 1<<31 - 1
	// t2 caps the retransmission interval of a non-INVITE request (RFC 3261 §17.1.2.2).
	t2 = 4 * time.Second
)

// ErrBadConfig reports a Config that cannot produce a valid registration.
var ErrBadConfig = errors.New("terminal: bad config")

// Config describes one terminal. Only Identity, Kc and Proxy are required.
type Config struct {
	// Protocol is ProtocolSIP (the default when empty), ProtocolH248 or ProtocolMGCP.
	Protocol string
	// Identity is the digest username and the user part of the address of record.
	Identity string
	// Realm is the registrar domain: Request-URI host, From/To host, digest realm
	// asked for in the first REGISTER. Empty means "sigproxy.test". An H.248 gateway
	// sends no realm; it answers the one the MGC's challenge names.
	Realm string
	// Kc is the subscriber's long-term key (skd.KcSize bytes). New copies it.
	Kc []byte
	// Proxy is where REGISTERs (or H.248 messages) go: sigproxy, or the softswitch
	// (its MGC address for H.248) in direct mode.
	Proxy *net.UDPAddr
	// Local is the address the terminal's socket binds; nil means port 0 on the
	// loopback address of Proxy's family. Its IP must be a specific address: it is
	// written into Via and Contact.
	Local *net.UDPAddr
	// GatewayWords makes an H.248 or MGCP gateway that registered with a key send
	// one worded request (PROTOCOL.md §13: a Notify, an NTFY) and check the p2t
	// word on its success. Only through the proxy: in direct mode nobody words.
	GatewayWords bool
	// Offer lists the Security-Client entries in the order sent, e.g.
	// "ascon128a-v12;q=0.9". Empty means a plain registration (digest only, no key).
	Offer []string
	// DigestAlg is the digest algorithm preference ("SHA-256", "MD5"); empty means
	// DefaultDigestAlgs.
	DigestAlg []string
	// Expires is the binding lifetime asked for in seconds; 0 means DefaultExpires.
	Expires int
	// Timeout bounds one whole registration; 0 means DefaultTimeout.
	Timeout time.Duration
	// T1 is the first retransmission interval; 0 means DefaultT1. Tests shorten it.
	T1 time.Duration
	// Logger receives one debug line per step; nil means no logging.
	Logger *zap.Logger
}

// normalize checks c and returns a copy with defaults applied and Kc copied.
func (c Config) normalize() (Config, error) {
	if c.Realm == "" {
		c.Realm = "sigproxy.test"
	}
	if c.Protocol == "" {
		c.Protocol = ProtocolSIP
	}
	if err := c.check(); err != nil {
		return Config{}, err
	}
	c.Kc = append([]byte(nil), c.Kc...)
	c.Offer = trimAll(c.Offer)
	algs, err := canonicalAlgs(c.DigestAlg)
	if err != nil {
		return Config{}, err
	}
	c.DigestAlg = algs
	if c.Expires == 0 {
		c.Expires = DefaultExpires
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.T1 == 0 {
		c.T1 = DefaultT1
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c, nil
}

// check validates the fields a peer would otherwise see as a malformed message.
func (c *Config) check() error {
	if err := checkWord("identity", c.Identity, maxIdentityLen); err != nil {
		return err
	}
	if err := checkWord("realm", c.Realm, maxRealmLen); err != nil {
		return err
	}
	if len(c.Kc) != skd.KcSize {
		return fmt.Errorf("%w: kc is %d bytes, want %d", ErrBadConfig, len(c.Kc), skd.KcSize)
	}
	if c.Proxy == nil {
		return fmt.Errorf("%w: no proxy address", ErrBadConfig)
	}
	if c.Local != nil && (c.Local.IP == nil || c.Local.IP.IsUnspecified()) {
		return fmt.Errorf("%w: local address needs a specific ip", ErrBadConfig)
	}
	if c.Expires < 0 || c.Expires > maxExpires {
		return fmt.Errorf("%w: expires %d out of range", ErrBadConfig, c.Expires)
	}
	if c.Timeout < 0 || c.T1 < 0 {
		return fmt.Errorf("%w: negative timeout", ErrBadConfig)
	}
	if c.Protocol != ProtocolSIP && c.Protocol != ProtocolH248 && c.Protocol != ProtocolMGCP {
		return fmt.Errorf("%w: protocol %q is not sip, h248 or mgcp", ErrBadConfig,
			c.Protocol)
	}
	return checkOffer(c.Offer)
}

// checkWord accepts the characters a SIP user part and host share without escaping.
func checkWord(what, s string, limit int) error {
	if s == "" || len(s) > limit {
		return fmt.Errorf("%w: %s must be 1 to %d bytes", ErrBadConfig, what, limit)
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte("\"<>@;:,\\/?[]", b) >= 0 {
			return fmt.Errorf("%w: %s has a character sip would need escaped", ErrBadConfig, what)
		}
	}
	return nil
}

// checkOffer rejects entries that would change the header's structure when written.
func checkOffer(offer []string) error {
	if len(offer) > skd.MaxOffered {
		return fmt.Errorf("%w: %d offered entries, at most %d", ErrBadConfig,
			len(offer), skd.MaxOffered)
	}
	for _, e := range offer {
		e = strings.TrimSpace(e)
		if e == "" || len(e) > maxOfferEntryLen {
			return fmt.Errorf("%w: offer entry must be 1 to %d bytes", ErrBadConfig,
				maxOfferEntryLen)
		}
		// '"' would end the H.248 quotedString that carries the offer.
		if strings.ContainsAny(e, ",\"\r\n\x00") {
			return fmt.Errorf("%w: offer entry %q holds a separator", ErrBadConfig, e)
		}
	}
	return nil
}

// canonicalAlgs maps the preference to the names RFC 7616 registers.
func canonicalAlgs(algs []string) ([]string, error) {
	if len(algs) == 0 {
		return DefaultDigestAlgs, nil
	}
	out := make([]string, 0, len(algs))
	for _, a := range algs {
		c, ok := canonicalAlg(a)
		if !ok {
			return nil, fmt.Errorf("%w: digest algorithm %q unsupported", ErrBadConfig, a)
		}
		out = append(out, c)
	}
	return out, nil
}

// canonicalAlg returns the registered spelling of a supported digest algorithm.
func canonicalAlg(a string) (string, bool) {
	switch {
	case strings.EqualFold(a, "SHA-256"):
		return "SHA-256", true
	case strings.EqualFold(a, "MD5"):
		return "MD5", true
	}
	return "", false
}

func trimAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

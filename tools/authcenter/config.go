package authcenter

import (
	"crypto/rand"
	"errors"
	"io"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
)

// Limits and defaults of the API.
const (
	// MaxBody bounds a request body: the requests are four short strings.
	MaxBody = 4 << 10
	// MaxIdentity bounds an identity (digest username), as the keystore does.
	MaxIdentity = keystore.MaxIdentity
	// MaxRealm bounds a realm: it is quoted into every WWW-Authenticate header.
	MaxRealm = 128
	// DefaultMaxVectors bounds the issued vectors kept for success checks; the
	// oldest is forgotten first. 100k covers a load test's burst of registrations
	// within the vector lifetime.
	DefaultMaxVectors = 100_000
	// DefaultVectorTTL is how long an issued vector can be reported as a success.
	DefaultVectorTTL = 5 * time.Minute
	// DefaultRecentSuccesses bounds the success records kept for inspection.
	DefaultRecentSuccesses = 1024
	// nonceBytes is the size of a digest nonce before hex: 128 random bits.
	nonceBytes = 16
)

// HTTP server timeouts: generous for a loopback test role, yet a stalled client
// cannot hold a connection open forever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	shutdownTimeout   = 2 * time.Second
)

// Config configures a Server. Zero values take the defaults named beside each
// field.
type Config struct {
	// Listen is the TCP address to serve on, e.g. "127.0.0.1:8740"; ignored when
	// Listener is set.
	Listen string
	// Listener is an already bound listener; the Server closes it on Close.
	Listener net.Listener
	// Store holds the keys (required). The Server does not close it.
	Store keystore.SubscriberStore
	// Realm is the digest realm for requests that name none. When set, requests
	// naming another realm are refused (400).
	Realm string
	// Logger receives one line per vector and per success; nil discards.
	Logger *zap.Logger
	// Rand supplies nonces and session keys; nil means crypto/rand.
	Rand io.Reader
	// MaxVectors bounds outstanding vectors (default DefaultMaxVectors).
	MaxVectors int
	// VectorTTL is a vector's lifetime for success reports (default
	// DefaultVectorTTL).
	VectorTTL time.Duration
	// MaxRecentSuccesses bounds RecentSuccesses (default DefaultRecentSuccesses).
	MaxRecentSuccesses int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ErrNoStore reports a Config without a Store.
var ErrNoStore = errors.New("authcenter: config has no store")

// ErrBadRealm reports a configured realm that is too long or not quotable.
var ErrBadRealm = errors.New("authcenter: bad realm")

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, ErrNoStore
	}
	if c.Realm != "" && !validRealm(c.Realm) {
		return c, ErrBadRealm
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.MaxVectors <= 0 {
		c.MaxVectors = DefaultMaxVectors
	}
	if c.VectorTTL <= 0 {
		c.VectorTTL = DefaultVectorTTL
	}
	if c.MaxRecentSuccesses <= 0 {
		c.MaxRecentSuccesses = DefaultRecentSuccesses
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// validRealm accepts 1..MaxRealm printable ASCII bytes without '"' and '\', so
// the realm quotes into a SIP or HTTP header without escaping.
func validRealm(r string) bool {
	if r == "" || len(r) > MaxRealm {
		return false
	}
	for i := 0; i < len(r); i++ {
		if c := r[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

package terminal

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Outcomes a Report can carry. A failure is OutcomeFailedPrefix followed by a short
// reason, e.g. "failed: mac mismatch" or "failed: 500 key distribution failed".
const (
	OutcomeRegistered   = "registered"
	OutcomeRefused      = "refused"   // 494 Security Agreement Required
	OutcomeForbidden    = "forbidden" // 403 Forbidden
	OutcomeFailedPrefix = "failed: "
)

// Errors Register returns (wrapped with detail); Report.Outcome carries the same verdict
// as text.
var (
	ErrRefused            = errors.New("terminal: security agreement refused")
	ErrForbidden          = errors.New("terminal: forbidden")
	ErrTimeout            = errors.New("terminal: timeout")
	ErrCanceled           = errors.New("terminal: canceled")
	ErrStatus             = errors.New("terminal: unexpected status")
	ErrBadResponse        = errors.New("terminal: malformed response")
	ErrNoChallenge        = errors.New("terminal: no usable digest challenge")
	ErrNoSecurityServer   = errors.New("terminal: no security-server")
	ErrUnofferedMechanism = errors.New("terminal: mechanism not offered")
	// ErrUnsupportedMechanism: only offered mechanisms this terminal cannot run.
	ErrUnsupportedMechanism = errors.New("terminal: unsupported mechanism")
	ErrNoKeyDistribution    = errors.New("terminal: no key-distribution")
	ErrBadKeyDistribution   = errors.New("terminal: malformed key-distribution")
	ErrWrapMismatch         = errors.New("terminal: wrap does not match mechanism")
	ErrKeyUnwrap            = errors.New("terminal: session key does not open")
	ErrNoMAC                = errors.New("terminal: no mac")
	ErrMACMismatch          = errors.New("terminal: mac mismatch")
)

// Report is what one registration did. It never holds key bytes.
type Report struct {
	Identity string
	// Protocol is the terminal's Config.Protocol ("sip", "h248" or "mgcp").
	Protocol string
	// Mechanism is the chosen mechanism (the Security-Server entry's name), "" when
	// none was chosen.
	Mechanism string
	// Outcome is OutcomeRegistered, OutcomeRefused, OutcomeForbidden or
	// OutcomeFailedPrefix + reason.
	Outcome string
	// Status is the last final status code received (0 when none arrived); for H.248
	// the code of the last Error received, 0 when none; for MGCP the last response code.
	Status int
	// SKOpened is true when the terminal= blob opened under the terminal KEK.
	SKOpened bool
	// MACVerified is true when mac= matched the rebuilt MAC input.
	MACVerified bool
	// WordsSent and WordsVerified count, for a Call, the t2p words put on
	// requests and the p2t words of success responses that verified.
	WordsSent, WordsVerified int
	// Retransmissions counts requests sent again after a silent T1 interval.
	Retransmissions int
	// Elapsed runs from the first send to the verdict.
	Elapsed time.Duration
	// Steps lists each step with its offset from the start, in order.
	Steps []string
}

// Registered reports whether the registrar accepted the binding.
func (r *Report) Registered() bool { return r.Outcome == OutcomeRegistered }

// Secured reports a registration whose session key opened and whose MAC verified.
func (r *Report) Secured() bool {
	return r.Registered() && r.SKOpened && r.MACVerified
}

// Failed reports an outcome that is neither a registration nor a clear refusal.
func (r *Report) Failed() bool { return strings.HasPrefix(r.Outcome, OutcomeFailedPrefix) }

// Reason returns the failure reason without OutcomeFailedPrefix, or the outcome itself.
func (r *Report) Reason() string { return strings.TrimPrefix(r.Outcome, OutcomeFailedPrefix) }

// recorder accumulates the steps of one registration and logs each one.
type recorder struct {
	rep   *Report
	start time.Time
	log   func(step string)
}

func (rc *recorder) step(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	rc.rep.Steps = append(rc.rep.Steps,
		fmt.Sprintf("+%s %s", time.Since(rc.start).Round(time.Microsecond), s))
	rc.log(s)
}

// fail records a failure verdict with its reason and returns err wrapped once with it.
func (rc *recorder) fail(err error, reason string) error {
	rc.rep.Outcome = OutcomeFailedPrefix + reason
	rc.step("failed: %s", reason)
	if strings.HasSuffix(err.Error(), reason) {
		return err
	}
	return fmt.Errorf("%w: %s", err, reason)
}

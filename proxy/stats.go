package proxy

import "sync/atomic"

// Reason names why a message was dropped, answered locally, or why a
// registration failed. Reasons are counted; their names are stable and are
// used as the reason label in logs and metrics.
type Reason uint8

// Reasons.
const (
	ReasonNone Reason = iota
	ReasonMalformed
	ReasonTooLarge
	ReasonViaNotOurs
	ReasonUnroutable
	ReasonTooManyHops
	ReasonBadExtension
	ReasonNoMechanism
	ReasonNoAgreement
	ReasonVerifyMismatch
	ReasonClientMismatch
	ReasonPendingFull
	ReasonFieldTooLong
	ReasonKeyDistMissing
	ReasonKeyDistMalformed
	ReasonUnknownKID
	ReasonUnwrap
	ReasonMAC
	ReasonSessionFull
	ReasonRejected
	ReasonSendFailed
	ReasonSpoofedResponse
	ReasonSourceLimit
	ReasonTooLargeToForward
	ReasonDuplicateHeader
	numReasons
)

var reasonNames = [numReasons]string{
	ReasonNone:              "none",
	ReasonMalformed:         "malformed",
	ReasonTooLarge:          "too_large",
	ReasonViaNotOurs:        "via_not_ours",
	ReasonUnroutable:        "unroutable",
	ReasonTooManyHops:       "too_many_hops",
	ReasonBadExtension:      "bad_extension",
	ReasonNoMechanism:       "no_mechanism",
	ReasonNoAgreement:       "no_agreement",
	ReasonVerifyMismatch:    "verify_mismatch",
	ReasonClientMismatch:    "client_mismatch",
	ReasonPendingFull:       "pending_full",
	ReasonFieldTooLong:      "field_too_long",
	ReasonKeyDistMissing:    "key_distribution_missing",
	ReasonKeyDistMalformed:  "key_distribution_malformed",
	ReasonUnknownKID:        "unknown_kid",
	ReasonUnwrap:            "unwrap_failed",
	ReasonMAC:               "mac_failed",
	ReasonSessionFull:       "session_table_full",
	ReasonRejected:          "rejected_by_softswitch",
	ReasonSendFailed:        "send_failed",
	ReasonSpoofedResponse:   "response_not_from_softswitch",
	ReasonSourceLimit:       "source_limit",
	ReasonTooLargeToForward: "too_large_to_forward",
	ReasonDuplicateHeader:   "duplicate_header",
}

// String returns the reason's stable snake_case name.
func (r Reason) String() string {
	if r >= numReasons {
		return "unknown"
	}
	return reasonNames[r]
}

// counters is the proxy's set of atomic counters, shared by all workers.
type counters struct {
	in, out      atomic.Uint64
	handled      atomic.Uint64
	local        atomic.Uint64
	registered   atomic.Uint64
	deregistered atomic.Uint64
	byReason     [numReasons]atomic.Uint64
	chosenByMech [8]atomic.Uint64
}

// Stats is a snapshot of the proxy's counters.
type Stats struct {
	MessagesIn   uint64 // datagrams received
	MessagesOut  uint64 // datagrams sent (forwarded or local)
	Handled      uint64 // datagrams whose handling, send included, is complete
	LocalReplies uint64 // responses the proxy built itself
	Registered   uint64 // registrations completed with a verified key
	Deregistered uint64 // session keys removed by a zero expiry
	Reasons      map[string]uint64
	ChosenByMech map[string]uint64
	Pending      int // registrations in progress
	Sessions     int // live session keys
}

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
	ReasonH248Disabled
	ReasonH248Malformed
	ReasonH248Unroutable
	ReasonH248TxnTableFull
	ReasonH248NoMechanism
	ReasonH248BadOffer
	ReasonH248NoAgreement
	ReasonH248VerifyMismatch
	ReasonH248OfferMismatch
	ReasonH248ChallengeBad
	ReasonH248KeyDistMissing
	ReasonH248KeyDistMalformed
	ReasonH248UnknownKID
	ReasonH248Unwrap
	ReasonH248MAC
	ReasonH248SessionFull
	ReasonH248KeyDistNoAgreement
	ReasonH248Rejected
	ReasonH248TooLarge
	ReasonH248TooManyEdits
	ReasonTCPConnLimit
	ReasonTCPBufferFull
	ReasonTCPBadFraming
	ReasonTCPTooLarge
	ReasonTCPIdle
	ReasonTCPNoConn
	ReasonMGCPDisabled
	ReasonMGCPMalformed
	ReasonMGCPUnroutable
	ReasonMGCPNotFromCallAgent
	ReasonMGCPTxnTableFull
	ReasonMGCPDomainTableFull
	ReasonMGCPNoMechanism
	ReasonMGCPBadOffer
	ReasonMGCPNoAgreement
	ReasonMGCPVerifyMismatch
	ReasonMGCPOfferMismatch
	ReasonMGCPChallengeBad
	ReasonMGCPKeyDistMissing
	ReasonMGCPKeyDistMalformed
	ReasonMGCPUnknownKID
	ReasonMGCPUnwrap
	ReasonMGCPMAC
	ReasonMGCPSessionFull
	ReasonMGCPKeyDistNoAgreement
	ReasonMGCPRejected
	ReasonMGCPTooLarge
	ReasonMGCPTooManyEdits
	ReasonMGCPPendingFull
	ReasonMGCPSourceLimit
	ReasonH248WordMissing
	ReasonH248WordMalformed
	ReasonH248WordMismatch
	ReasonH248WordReplayed
	ReasonMGCPWordMissing
	ReasonMGCPWordMalformed
	ReasonMGCPWordMismatch
	ReasonMGCPWordReplayed
	ReasonWordMissing
	ReasonWordMalformed
	ReasonWordMismatch
	ReasonWordReplayed
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

	ReasonH248Disabled:           "h248_disabled",
	ReasonH248Malformed:          "h248_malformed",
	ReasonH248Unroutable:         "h248_unroutable",
	ReasonH248TxnTableFull:       "h248_txn_table_full",
	ReasonH248NoMechanism:        "h248_no_mechanism",
	ReasonH248BadOffer:           "h248_bad_offer",
	ReasonH248NoAgreement:        "h248_no_agreement",
	ReasonH248VerifyMismatch:     "h248_verify_mismatch",
	ReasonH248OfferMismatch:      "h248_offer_mismatch",
	ReasonH248ChallengeBad:       "h248_challenge_unrecordable",
	ReasonH248KeyDistMissing:     "h248_key_distribution_missing",
	ReasonH248KeyDistMalformed:   "h248_key_distribution_malformed",
	ReasonH248UnknownKID:         "h248_unknown_kid",
	ReasonH248Unwrap:             "h248_unwrap_failed",
	ReasonH248MAC:                "h248_mac_failed",
	ReasonH248SessionFull:        "h248_session_table_full",
	ReasonH248KeyDistNoAgreement: "h248_key_distribution_without_agreement",
	ReasonH248Rejected:           "h248_rejected_by_mgc",
	ReasonH248TooLarge:           "h248_too_large",
	ReasonH248TooManyEdits:       "h248_too_many_edits",

	ReasonTCPConnLimit:  "tcp_connection_limit",
	ReasonTCPBufferFull: "tcp_buffer_full",
	ReasonTCPBadFraming: "tcp_bad_framing",
	ReasonTCPTooLarge:   "tcp_message_too_large",
	ReasonTCPIdle:       "tcp_idle_timeout",
	ReasonTCPNoConn:     "tcp_no_connection",

	ReasonMGCPDisabled:           "mgcp_disabled",
	ReasonMGCPMalformed:          "mgcp_malformed",
	ReasonMGCPUnroutable:         "mgcp_unroutable",
	ReasonMGCPNotFromCallAgent:   "mgcp_not_from_call_agent",
	ReasonMGCPTxnTableFull:       "mgcp_txn_table_full",
	ReasonMGCPDomainTableFull:    "mgcp_domain_table_full",
	ReasonMGCPNoMechanism:        "mgcp_no_mechanism",
	ReasonMGCPBadOffer:           "mgcp_bad_offer",
	ReasonMGCPNoAgreement:        "mgcp_no_agreement",
	ReasonMGCPVerifyMismatch:     "mgcp_verify_mismatch",
	ReasonMGCPOfferMismatch:      "mgcp_offer_mismatch",
	ReasonMGCPChallengeBad:       "mgcp_challenge_unrecordable",
	ReasonMGCPKeyDistMissing:     "mgcp_key_distribution_missing",
	ReasonMGCPKeyDistMalformed:   "mgcp_key_distribution_malformed",
	ReasonMGCPUnknownKID:         "mgcp_unknown_kid",
	ReasonMGCPUnwrap:             "mgcp_unwrap_failed",
	ReasonMGCPMAC:                "mgcp_mac_failed",
	ReasonMGCPSessionFull:        "mgcp_session_table_full",
	ReasonMGCPKeyDistNoAgreement: "mgcp_key_distribution_without_agreement",
	ReasonMGCPRejected:           "mgcp_rejected_by_call_agent",
	ReasonMGCPTooLarge:           "mgcp_too_large",
	ReasonMGCPTooManyEdits:       "mgcp_too_many_edits",
	ReasonMGCPPendingFull:        "mgcp_pending_full",
	ReasonMGCPSourceLimit:        "mgcp_source_limit",

	ReasonH248WordMissing:   "h248_word_missing",
	ReasonH248WordMalformed: "h248_word_malformed",
	ReasonH248WordMismatch:  "h248_word_mismatch",
	ReasonH248WordReplayed:  "h248_word_replayed",
	ReasonMGCPWordMissing:   "mgcp_word_missing",
	ReasonMGCPWordMalformed: "mgcp_word_malformed",
	ReasonMGCPWordMismatch:  "mgcp_word_mismatch",
	ReasonMGCPWordReplayed:  "mgcp_word_replayed",

	ReasonWordMissing:   "word_missing",
	ReasonWordMalformed: "word_malformed",
	ReasonWordMismatch:  "word_mismatch",
	ReasonWordReplayed:  "word_replayed",
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

	h248In, h248Out  atomic.Uint64
	h248Local        atomic.Uint64
	h248Registered   atomic.Uint64
	h248Deregistered atomic.Uint64

	mgcpIn, mgcpOut  atomic.Uint64
	mgcpLocal        atomic.Uint64
	mgcpRegistered   atomic.Uint64
	mgcpDeregistered atomic.Uint64
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
	Sessions     int // live session keys, SIP and H.248
	TCPConns     int // open TCP connections from terminals
	// H248 counts the H.248 side on its own; the totals above include it.
	H248 H248Stats
	// MGCP counts the MGCP side on its own; the totals above include it.
	MGCP MGCPStats
}

// H248Stats is the H.248 share of the counters.
type H248Stats struct {
	MessagesIn   uint64 // datagrams received on the H.248 socket
	MessagesOut  uint64 // datagrams sent from it (forwarded or local)
	LocalReplies uint64 // Error replies the proxy built itself
	Registered   uint64 // registrations completed with a verified key
	Deregistered uint64 // session keys removed by a ServiceChange Forced/Graceful
	Transactions int    // open gateway transactions with a proxy id
}

// MGCPStats is the MGCP share of the counters.
type MGCPStats struct {
	MessagesIn   uint64 // datagrams received on either MGCP socket
	MessagesOut  uint64 // datagrams sent from them (forwarded or local)
	LocalReplies uint64 // 409 and 510 responses the proxy built itself
	Registered   uint64 // registrations completed with a verified key
	Deregistered uint64 // session keys removed by an RSIP forced or graceful
	Transactions int    // open gateway transactions with a proxy id
	Domains      int    // endpoint domains learned from RSIP, for routing
}

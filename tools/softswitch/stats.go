package softswitch

import "sync/atomic"

// Stats counts the registrar's outcomes since Start. Tests read it to check what
// happened; each counter names the response or event it counts.
type Stats struct {
	Requests         uint64 // REGISTER requests handled (retransmissions excluded)
	Challenged       uint64 // 401 sent
	Registered       uint64 // 200 adding or refreshing at least one binding
	Deregistered     uint64 // 200 removing bindings (Expires 0 or Contact *)
	Queried          uint64 // 200 to a REGISTER without Contact
	KeysDistributed  uint64 // 200 carrying Key-Distribution
	Forbidden        uint64 // 403: unknown subscriber or proxy, wrong digest
	Refused          uint64 // 494: no acceptable mechanism, Security-* mismatch
	IntervalTooBrief uint64 // 423
	BadRequests      uint64 // 400 and 420
	Unavailable      uint64 // 503: AC unreachable or misbehaving, binding table full
	OutOfOrder       uint64 // 500: Call-ID/CSeq not above the stored binding's
	KeyFailures      uint64 // 500: the Key-Distribution (MAC input, MAC) could not be built
	StaleNonces      uint64 // credentials for a nonce no longer (or never) pending
	SuccessReports   uint64 // successes reported to the AC
	SuccessFailures  uint64 // success reports the AC did not take
	Options          uint64 // OPTIONS answered
	NotAllowed       uint64 // 405 to other methods
	Invites          uint64 // INVITEs answered 200 (retransmissions excluded)
	Acks             uint64 // ACKs received
	Byes             uint64 // BYEs answered 200
	Retransmissions  uint64 // retransmitted requests absorbed by a transaction
	Malformed        uint64 // datagrams dropped as unparseable
	EvictedVectors   uint64 // live challenge vectors evicted because the cap was hit
	PendingVectors   int    // challenge vectors outstanding now
	Bindings         int    // contacts registered now

	// The MGC role (H.248).
	H248Requests        uint64 // ServiceChange and Notify transactions (retransmissions excluded)
	H248Challenged      uint64 // challenge Modify sent
	H248Registered      uint64 // gateways accepted, plain or authenticated
	H248KeysDistributed uint64 // success Modify carrying skd/term
	H248Refused         uint64 // Error 402: no mechanism, AC refusal, agreement, digest
	H248Unavailable     uint64 // Error 503: AC unreachable, gateway table full
	H248Errors          uint64 // other Error replies (400, 500, 501)
	H248Retransmissions uint64 // repeated TransactionIDs answered from the cache
	H248Replies         uint64 // Reply, Pending, TransactionResponseAck received and consumed
	H248Malformed       uint64 // datagrams dropped as unparseable
	PendingChallenges   int    // H.248 challenges outstanding now
	Gateways            int    // gateways registered now

	// The CA role (MGCP).
	MGCPRequests          uint64 // RSIP and NTFY commands (retransmissions excluded)
	MGCPChallenged        uint64 // challenge RQNT sent
	MGCPRegistered        uint64 // gateways accepted, plain or authenticated
	MGCPKeysDistributed   uint64 // success RQNT carrying X-SKDKD
	MGCPRefused           uint64 // 510: no mechanism, AC refusal, agreement, digest, values
	MGCPUnavailable       uint64 // 409: AC unreachable, gateway table full
	MGCPErrors            uint64 // other error responses (504)
	MGCPRetransmissions   uint64 // repeated transaction ids answered from the cache
	MGCPResponses         uint64 // gateways' responses to the CA's RQNTs
	MGCPGatewayErrors     uint64 // of those, error responses (a key or MAC that failed)
	MGCPMalformed         uint64 // datagrams (or their tails) dropped as unparseable
	MGCPPendingChallenges int    // MGCP challenges outstanding now
	MGCPGateways          int    // MGCP gateways registered now
}

type counters struct {
	requests, challenged, registered, deregistered, queried, keys atomic.Uint64
	forbidden, refused, tooBrief, badRequests, unavailable        atomic.Uint64
	outOfOrder, keyFailures, stale, successes, successFailures    atomic.Uint64
	options, invites, acks, byes                                  atomic.Uint64
	notAllowed, retransmissions, malformed, evicted               atomic.Uint64

	h248Requests, h248Challenged, h248Registered, h248Keys atomic.Uint64
	h248Refused, h248Unavailable, h248Errors               atomic.Uint64
	h248Retransmissions, h248Replies, h248Malformed        atomic.Uint64

	mgcpRequests, mgcpChallenged, mgcpRegistered, mgcpKeys atomic.Uint64
	mgcpRefused, mgcpUnavailable, mgcpErrors               atomic.Uint64
	mgcpRetransmissions, mgcpResponses, mgcpGatewayErrors  atomic.Uint64
	mgcpMalformed                                          atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Requests: c.requests.Load(), Challenged: c.challenged.Load(),
		Registered: c.registered.Load(), Deregistered: c.deregistered.Load(),
		Queried: c.queried.Load(), KeysDistributed: c.keys.Load(),
		Forbidden: c.forbidden.Load(), Refused: c.refused.Load(),
		IntervalTooBrief: c.tooBrief.Load(), BadRequests: c.badRequests.Load(),
		Unavailable: c.unavailable.Load(), OutOfOrder: c.outOfOrder.Load(),
		KeyFailures: c.keyFailures.Load(),
		StaleNonces: c.stale.Load(), SuccessReports: c.successes.Load(),
		SuccessFailures: c.successFailures.Load(), Options: c.options.Load(),
		Invites: c.invites.Load(), Acks: c.acks.Load(), Byes: c.byes.Load(),
		NotAllowed: c.notAllowed.Load(), Retransmissions: c.retransmissions.Load(),
		Malformed: c.malformed.Load(), EvictedVectors: c.evicted.Load(),

		H248Requests: c.h248Requests.Load(), H248Challenged: c.h248Challenged.Load(),
		H248Registered: c.h248Registered.Load(), H248KeysDistributed: c.h248Keys.Load(),
		H248Refused: c.h248Refused.Load(), H248Unavailable: c.h248Unavailable.Load(),
		H248Errors: c.h248Errors.Load(), H248Retransmissions: c.h248Retransmissions.Load(),
		H248Replies: c.h248Replies.Load(), H248Malformed: c.h248Malformed.Load(),

		MGCPRequests: c.mgcpRequests.Load(), MGCPChallenged: c.mgcpChallenged.Load(),
		MGCPRegistered: c.mgcpRegistered.Load(), MGCPKeysDistributed: c.mgcpKeys.Load(),
		MGCPRefused: c.mgcpRefused.Load(), MGCPUnavailable: c.mgcpUnavailable.Load(),
		MGCPErrors: c.mgcpErrors.Load(), MGCPRetransmissions: c.mgcpRetransmissions.Load(),
		MGCPResponses: c.mgcpResponses.Load(), MGCPGatewayErrors: c.mgcpGatewayErrors.Load(),
		MGCPMalformed: c.mgcpMalformed.Load(),
	}
	s.mu.Lock()
	st.PendingVectors = s.pending.len()
	st.Bindings = s.bindings.len()
	st.PendingChallenges = s.mgcPending.len()
	st.Gateways = s.mgs.len()
	st.MGCPPendingChallenges = s.caPending.len()
	st.MGCPGateways = s.cas.len()
	s.mu.Unlock()
	return st
}

// countByCode counts a gateway protocol's error reply in one of three counters:
// refused for refusedCode, unavailable for unavailableCode, other for the rest.
// The H.248 and MGCP roles share it so their statistics mean the same things.
func countByCode(code, refusedCode, unavailableCode int,
	refused, unavailable, other *atomic.Uint64) {
	switch code {
	case refusedCode:
		refused.Add(1)
	case unavailableCode:
		unavailable.Add(1)
	default:
		other.Add(1)
	}
}

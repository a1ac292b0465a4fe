// Package terminal is the SIP terminal of the sigproxy test roles: a user agent that
// registers through sigproxy (or directly at the softswitch), offers security
// mechanisms with priorities (RFC 3329), answers the HTTP Digest challenge, echoes the
// proxy's choice, opens the session key SK with its long-term key Kc and checks the
// proxy's MAC over the 200 OK, exactly as docs/PROTOCOL.md describes. Every step is
// recorded in a Report, so the demo and the load generator can compare what happened
// with what they expected.
//
// A Terminal owns one UDP socket. Register runs one registration (two REGISTER
// transactions on one Call-ID) and is not safe for concurrent use on one Terminal; run
// many terminals at once with RunMany. This is a test role, not hot path: it builds
// messages with fmt and strings and allocates freely, but it keeps per-registration
// cost small (one socket, one pooled read buffer) so hundreds can run concurrently.
//
// With Config.Protocol "h248" the terminal is an H.248 media gateway (docs/PROTOCOL.md
// §11, RFC 3525 text encoding): a ServiceChange Restart carries its identity and offer
// (X-SKDID, X-SKDOF), it answers the MGC's challenge Modify with a Reply and a Notify
// holding the skd/auth event, and on the success Modify it opens skd/term and checks
// the authentication header: SPI names SK, SequenceNum is 1, AuthData is the MAC over
// the §5.5 input with the §11.5 fields. It answers that Modify with a Reply, or with
// Error 402 when the check fails. A Reply with Error 402 to the ServiceChange reports
// OutcomeRefused, to the Notify OutcomeForbidden.
//
// With Config.Protocol "mgcp" the terminal is an MGCP gateway (docs/PROTOCOL.md §12,
// RFC 3435) with endpoint aaln/1@[address]:port of its socket: an RSIP restart carries
// X-SKDID and X-SKDOF, it answers the CA's challenge RQNT (X-SKDCH, X-SKDSV) with 200
// and sends a NTFY with X-SKDAU, X-SKDVF and X-SKDOF; on the success RQNT it opens
// terminal= of X-SKDKD and checks mac= over the §5.5 input with the §12.2 fields in
// constant time, answering 200, or 510 when the check fails. A 510 to the RSIP reports
// OutcomeRefused, to the NTFY OutcomeForbidden, except the proxy's "key distribution
// failed", a failure.
//
// A Report never holds key bytes; neither do log lines or errors.
//
// Limitation: only the registration is modelled. The terminal answers no incoming
// requests, does not refresh or remove its binding, and does not use SK to protect
// later messages, because the demo and the load generator need only the registration.
//
// Limitation: the gateway answers only the MGC's Modify transactions (the CA's RQNTs)
// of its registration; any other transaction the MGC (CA) starts is ignored.
//
// Limitation: UDP only. Responses are matched by the top Via branch, Call-ID and CSeq;
// their source address is not checked, because what matters to the terminal (the
// session key and the mechanism lists) is authenticated by the MAC, not by the address.
package terminal

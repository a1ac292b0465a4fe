// Package softswitch is the reference SIP registrar that sigproxy's system tests and
// demo run against. It is a test role, not the product: it favours plain, readable code
// over speed and may allocate per message.
//
// The registrar speaks the wire profile of docs/PROTOCOL.md over UDP. It asks the
// authentication center (package authcenter) for an authentication vector, challenges
// the terminal with HTTP Digest (RFC 7616, one WWW-Authenticate per configured
// algorithm, same nonce), checks the digest response in constant time and answers the
// authenticated REGISTER with 200 OK carrying the wrapped session key.
//
// Three modes are told apart per REGISTER:
//
//   - proxy mode: the top Path URI carries a wrap parameter (sigproxy added it). The
//     proxy id is the user part of that URI. The 200 carries
//     Key-Distribution: terminal="..", proxy="..", kid=K, wrap=W for the proxy to open.
//   - direct mode: no such Path, but the REGISTER carries Security-Client (RFC 3329).
//     The registrar does the proxy's part itself: it chooses the mechanism
//     (PROTOCOL.md §2), sends Security-Server on the 401, checks Security-Verify and
//     Security-Client on the second REGISTER (494 on mismatch) and MACs the 200
//     (PROTOCOL.md §5.5) with the session key the AC hands it in the clear.
//   - plain mode: neither. Ordinary digest registration, no Key-Distribution. SIPp and
//     ordinary SIP clients register this way.
//
// With Config.H248Listen set the Server is also an H.248 media gateway controller
// (MGC) on its own UDP socket (docs/PROTOCOL.md §11, text encoding): a ServiceChange
// Restart with X-SKDPX (proxy mode) or X-SKDOF (direct mode) is challenged with the
// Reply and a Modify carrying skd/realm, skd/nonce, skd/alg (and skd/server in direct
// mode) in one message; the Notify's skd/auth response is checked in constant time
// (uri "megaco:"+identity, method "Notify", no qop) and answered with the Reply and a
// success Modify carrying skd/term, skd/wrap and in proxy mode skd/proxy, skd/kid; in
// direct mode the MGC writes the authentication header itself. A ServiceChange
// without X-SKDOF is accepted as it is (plain mode). Failures are Error 402 (bad
// digest, agreement, nothing acceptable, AC refusal), 400, 503 and 500. A repeated
// TransactionID from the same address gets the same reply (RFC 3525 §D.1.4);
// Replies to the MGC's own Modify transactions are consumed.
//
// With Config.MGCPListen set the Server is also an MGCP call agent (CA) on its own UDP
// socket (docs/PROTOCOL.md §12; DefaultMGCPPort 2728, since sigproxy holds the
// customary 2727 in front of it). An RSIP restart with X-SKDPX (proxy mode) or
// X-SKDOF (direct mode) is answered with 200 and, piggy-backed (RFC 3435 §3.5), a
// challenge RQNT to the same endpoint carrying X-SKDCH (realm, nonce, algorithm),
// R: skd/auth and in direct mode X-SKDSV. The NTFY's X-SKDAU response is checked in
// constant time (uri "mgcp:"+identity, method "NTFY", no qop) and answered with 200
// and a success RQNT carrying X-SKDKD: terminal, proxy, kid and wrap for the proxy, or
// in direct mode terminal, wrap and the MAC the CA computes over the §12.2 input. An
// RSIP without an offer is accepted (plain mode); RM: forced or graceful removes the
// gateway. Refusals are 510, an unavailable AC or a full table 409, other verbs 504.
// A repeated transaction id from the same address gets the same datagram again; what
// the CA writes for a gateway registering through sigproxy goes to
// Config.MGCPGateways when set. Gateways' responses to the CA's RQNTs are counted.
//
// State is bounded: pending authentication vectors (nonce -> vector, with expiry and a
// cap, oldest evicted first), completed transactions kept for retransmissions
// (RFC 3261 §17.2.2), and bindings (address of record -> contacts, with a cap).
//
// Limitation: responses go to the top Via's received/rport or sent-by IP literal only;
// a sent-by host name is not resolved (RFC 3263), the source address is used instead,
// since a test registrar has no business doing DNS.
//
// Limitation: the MGC reads the first command of each transaction only, sends its
// own Modify transactions only together with a Reply (they are retransmitted when the
// MG retransmits the request they answer) and does not retransmit them on its own.
//
// Limitation: the CA sends its RQNTs only piggy-backed on a response and does not
// retransmit them on its own: a lost datagram is repeated when the gateway
// retransmits its command. It reads no ResponseAck (K:) and keeps every response the
// full CATransactionTTL.
//
// Limitation: the registrar does not authorize one user to register another's address
// of record: the To URI user must equal the digest username.
package softswitch

// Package proxy is sigproxy's signaling path: a gnet UDP event loop that sits
// between terminals and one softswitch, relays SIP statelessly, and during
// registration negotiates the security mechanism (RFC 3329), opens the session
// key the authentication center wrapped under the proxy key Ksp, and adds a
// verification word (a MAC keyed with that session key) to the registration
// success response. On a second socket of the same engine it does the same for
// H.248 (Megaco text) between media gateways and one media gateway controller,
// giving gateway transactions ids of its own so that it can route the
// controller's replies back. docs/PROTOCOL.md is the wire profile this package
// follows (§11 for H.248).
//
// # Structure
//
// A [Handler] holds what all event loops share: configuration, the bounded
// table of registrations in progress, the live session keys, the proxy's
// keyring and the counters. Each event loop owns a [Worker]; [Worker.Step] is
// the whole per-message step (parse, decide, rewrite into the caller's output
// buffer) and is what the benchmarks and fuzz targets drive; [Worker.StepH248]
// is its H.248 counterpart. [Server] binds a Handler to gnet, SIP and H.248 on
// one engine.
//
// # Transports
//
// SIP runs over UDP and, with Config.TCPListen, over TCP (RFC 3261 §18) on
// the same engine. A TCP connection is owned by one event loop: it frames
// messages by Content-Length with sip.StreamFrame, answers keep-alive pings,
// and steps each message like a datagram; no goroutine is started per
// connection or message. Requests go on to the softswitch over UDP; answers
// go back over the connection they belong to, found in a bounded table by
// the peer address the proxy recorded in the terminal's Via. Another event
// loop that must write to a connection queues the bytes on it (bounded by
// MaxTCPBuffered) and has its owner write them. Connections are capped
// (MaxTCPConns), and closed when idle (TCPIdleTimeout), when a buffer
// passes MaxTCPBuffered, or when the stream cannot be framed.
//
// Requests relayed to a terminal over TCP carry a Via naming TCP and the
// TCP port; the terminal's response comes back on the connection.
//
// Limitation: the proxy never opens a TCP connection; a response or a
// request for a terminal whose connection is gone is dropped and counted
// (tcp_no_connection), where RFC 3261 §18.2.2 would open a new one.
//
// H.248 runs over UDP and, with Config.H248TCPListen, over TCP in TPKT
// framing (H.248.1 Annex D.2) on the same engine and under the same limits;
// the MGC is reached over UDP either way, and a reply for a gateway goes
// back in TPKT on the connection its transaction came from.
//
// # Performance contract
//
// Step and StepH248 parse the datagram in place and write the forwarded or
// locally built message into the caller's buffer; in steady state they
// allocate nothing. The only allocations on the path are gnet's own
// per-datagram objects, measured apart in the benchmarks. Over TCP the
// framing, the step and the write on the owner loop allocate nothing in
// this package either; a write handed to another event loop costs gnet's
// task closure.
//
// # Concurrency
//
// A Handler is safe for concurrent use by many Workers. A Worker belongs to one
// goroutine (one event loop) at a time.
package proxy

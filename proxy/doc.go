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
// # Performance contract
//
// Step and StepH248 parse the datagram in place and write the forwarded or
// locally built message into the caller's buffer; in steady state they
// allocate nothing. The only allocations on the path are gnet's own
// per-datagram objects, measured apart in the benchmarks.
//
// # Concurrency
//
// A Handler is safe for concurrent use by many Workers. A Worker belongs to one
// goroutine (one event loop) at a time.
package proxy

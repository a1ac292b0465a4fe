// Package authcenter is the authentication center (AC) of the sigproxy test
// system: it holds every subscriber's long-term key Kc and every proxy's key
// Ksp in a sealed keystore.SubscriberStore and, for each registration, issues an
// authentication vector (docs/PROTOCOL.md §1–§4, HTTP API in README.md): a digest
// nonce, the first verification word H(A1) for MD5 and SHA-256, and a fresh
// session key SK wrapped for the terminal (under Kc) and for the proxy (under
// Ksp), or handed to the softswitch in the clear in direct mode.
//
// Server serves the HTTP JSON API; Client is what the softswitch calls it with.
// The admin helpers (OpenStore, AddSubscribers, WriteTerminalKeys,
// SubscriberPassword, AddProxyKey, ExportProxyKeys) back the cmd/authcenter
// subcommands.
//
// Secrets: logs carry identities, proxy ids, key ids, wrap names and nonces,
// never Kc, Ksp, SK, H(A1) or a digest password; AuthVector prints and marshals
// redacted.
//
// Limitation: the AC is a test role. Issued vectors and the success log live in
// memory (bounded), so a restart forgets outstanding nonces; the HTTP API has no
// client authentication and must only listen on loopback or a trusted network.
package authcenter

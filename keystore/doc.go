// Package keystore holds sigproxy's key material at rest and in memory:
//
//   - Sealer seals small secrets with a 32-byte master key (AES-256-GCM) whose
//     file LoadOrCreateMasterKey manages;
//   - SubscriberStore keeps the authentication center's subscriber keys Kc and
//     proxy keys Ksp; OpenBolt is the embedded bbolt implementation, every value
//     sealed and bound to its bucket and name;
//   - WriteProxyKeyFile and ReadProxyKeyFile move a proxy's keys Ksp[kid] from the
//     authentication center to the proxy as one sealed file;
//   - Keyring gives the proxy its key-encryption keys by key id, and SessionTable
//     holds the live session keys SK per registration.
//
// # Files
//
// Every file this package creates has mode 0600, and every file it reads that
// holds key material is refused (ErrBadKeyFile) when group or others may access
// it. Writes that replace a file go through a temporary file and a rename, so a
// crash never leaves a half-written key file behind.
//
// # Concurrency and performance
//
// Sealer, the bbolt store, Keyring and SessionTable are safe for concurrent use.
// Keyring.KEK, Keyring.Open and SessionTable Put/Get/Delete are on the proxy's hot
// path and do not allocate in steady state (tests guard this); everything else may
// allocate.
//
// # Secrets
//
// Types that hold key bytes (Sealer, ProxyKey, Subscriber, Keyring, Session,
// SessionTable) print as redacted text with every fmt verb and marshal to redacted
// JSON, so a stray log field cannot leak a key. Errors never carry key bytes.
//
// This package imports no network package and no wire format (tested).
package keystore

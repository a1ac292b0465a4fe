package proxy

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Transaction-table sizes and lifetimes (PROTOCOL.md §11.6, §11.9).
const (
	// txnShards stripes the table's locks. A proxy transaction id carries
	// its shard in its low bits, so the MGC's Reply finds its shard without
	// a second index.
	txnShards    = 64
	txnShardBits = 6
	// txnTTL is how long a gateway transaction is remembered after it was
	// last seen (request, retransmission, Pending or Reply): RFC 3525 §8.2.3
	// has the sender retransmit for up to about 30 s (LONG-TIMER), so a
	// retransmitted request or Reply inside that window still finds its id.
	//
	// Limitation: an MGC that answers later than txnTTL without sending
	// Pending in between finds no route for its Reply (h248_unroutable).
	txnTTL = 32e9
	// txnSourceShare is the part of the table one source address may hold
	// (1/8): a gateway carrying calls has many transactions open, yet one
	// sender cannot lock everyone else out.
	txnSourceShare = 8
	// txnIDAttempts bounds the search for a free proxy id in a crowded shard.
	txnIDAttempts = 16
)

// Transaction-table errors.
var (
	errTxnFull   = errors.New("proxy: H.248 transaction table full")
	errTxnSource = errors.New("proxy: too many H.248 transactions from one source")
)

// Kinds of gateway transactions the registration flow follows.
const (
	txnPlain    uint8 = iota // relayed, nothing to do on the Reply
	txnRegister              // ServiceChange with an offer: the Reply brings the challenge
	txnNotify                // checked skd/auth Notify: the Reply brings the keys
	txnDereg                 // ServiceChange Forced/Graceful on ROOT: the Reply ends the session
)

// txnKey names a gateway transaction: the gateway's address and its id.
type txnKey struct {
	mg netip.AddrPort
	id uint32
}

// txnEntry is one gateway transaction with a proxy id.
type txnEntry struct {
	mg       netip.AddrPort
	mgID     uint32
	kind     uint8
	worded   bool // the request carried a verified t2p word: successes get a p2t word
	counted  bool
	bucket   uint16
	deadline int64
}

// txnTable maps gateway transactions to proxy transaction ids and back. It is
// bounded (capacity, and a share per source) and entries expire txnTTL after
// their last use.
type txnTable struct {
	seed      maphash.Seed
	maxNext   uint32 // the largest per-shard counter: ids stay within the protocol's range
	perShard  int
	perSource int32
	shards    [txnShards]txnShard
	sources   [sourceBuckets]atomic.Int32
}

type txnShard struct {
	mu    sync.Mutex
	byKey map[txnKey]uint32
	byID  map[uint32]txnEntry
	next  uint32
}

// newTxnTable makes a table of capacity entries whose proxy ids run from 1
// to maxID.
func newTxnTable(capacity int, maxID uint32) *txnTable {
	t := &txnTable{seed: maphash.MakeSeed(),
		maxNext: uint32((uint64(maxID)+1)>>txnShardBits - 1)}
	t.perShard = max((capacity+txnShards-1)/txnShards, 1)
	t.perSource = int32(max(capacity/txnSourceShare, 1))
	for i := range t.shards {
		s := &t.shards[i]
		s.byKey = make(map[txnKey]uint32, t.perShard)
		s.byID = make(map[uint32]txnEntry, t.perShard)
	}
	return t
}

// hashKey hashes a gateway transaction onto a shard.
func (t *txnTable) hashKey(k txnKey) uint64 {
	var b [22]byte
	a := k.mg.Addr().As16()
	copy(b[:16], a[:])
	binary.BigEndian.PutUint16(b[16:], k.mg.Port())
	binary.BigEndian.PutUint32(b[18:], k.id)
	return maphash.Bytes(t.seed, b[:])
}

// assign returns the proxy id of the gateway transaction k, giving it one
// when it has none; a retransmission (same address, same id) gets the same
// id, and kind is raised, never lowered, so a retransmitted registration
// keeps its role. known reports an existing entry.
func (t *txnTable) assign(k txnKey, kind uint8, now int64) (id uint32, known bool, err error) {
	return t.assignWorded(k, kind, false, now)
}

// assignWorded is assign for a request that carried a verified t2p word
// (worded) or not; an entry once worded stays so.
func (t *txnTable) assignWorded(k txnKey, kind uint8, worded bool, now int64) (id uint32,
	known bool, err error) {
	shard := uint32(t.hashKey(k) % txnShards)
	s := &t.shards[shard]
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byKey[k]; ok {
		e := s.byID[id]
		if e.deadline >= now {
			e.deadline = now + txnTTL
			e.kind = max(e.kind, kind)
			e.worded = e.worded || worded
			s.byID[id] = e
			return id, true, nil
		}
		t.remove(s, id, e)
	}
	if len(s.byID) >= t.perShard && t.sweepShard(s, now) == 0 {
		return 0, false, errTxnFull
	}
	bucket := sourceBucket(t.seed, k.mg.Addr())
	if t.sources[bucket].Add(1) > t.perSource {
		t.sources[bucket].Add(-1)
		return 0, false, errTxnSource
	}
	for range txnIDAttempts {
		s.next++
		if s.next > t.maxNext {
			s.next = 1
		}
		id = s.next<<txnShardBits | shard
		if _, used := s.byID[id]; !used {
			s.byID[id] = txnEntry{mg: k.mg, mgID: k.id, kind: kind, worded: worded,
				counted: true, bucket: bucket, deadline: now + txnTTL}
			s.byKey[k] = id
			return id, false, nil
		}
	}
	t.sources[bucket].Add(-1)
	return 0, false, errTxnFull
}

// resolve returns the gateway transaction behind proxy id and refreshes it:
// the MGC's Pending and Reply (and their retransmissions) keep it alive.
func (t *txnTable) resolve(id uint32, now int64) (txnEntry, bool) {
	s := &t.shards[id&(txnShards-1)]
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return txnEntry{}, false
	}
	if e.deadline < now {
		t.remove(s, id, e)
		return txnEntry{}, false
	}
	e.deadline = now + txnTTL
	s.byID[id] = e
	return e, true
}

func (t *txnTable) remove(s *txnShard, id uint32, e txnEntry) {
	delete(s.byID, id)
	delete(s.byKey, txnKey{mg: e.mg, id: e.mgID})
	if e.counted {
		t.sources[e.bucket].Add(-1)
	}
}

func (t *txnTable) sweepShard(s *txnShard, now int64) int {
	n := 0
	for id, e := range s.byID {
		if e.deadline < now {
			t.remove(s, id, e)
			n++
		}
	}
	return n
}

// sweep removes expired entries from every shard.
func (t *txnTable) sweep(now int64) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		t.sweepShard(s, now)
		s.mu.Unlock()
	}
}

// len returns the number of entries, expired ones included until swept.
func (t *txnTable) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.byID)
		s.mu.Unlock()
	}
	return n
}

// sourceBucket hashes a source address onto a per-source counter.
func sourceBucket(seed maphash.Seed, src netip.Addr) uint16 {
	b := src.Unmap().As16()
	return uint16(maphash.Bytes(seed, b[:]) % sourceBuckets)
}

// known reports whether the gateway transaction k has a live proxy id.
func (t *txnTable) known(k txnKey, now int64) bool {
	_, ok := t.idOf(k, now)
	return ok
}

// idOf returns the live proxy id of the gateway transaction k.
func (t *txnTable) idOf(k txnKey, now int64) (uint32, bool) {
	s := &t.shards[t.hashKey(k)%txnShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byKey[k]
	if !ok || s.byID[id].deadline < now {
		return 0, false
	}
	return id, true
}

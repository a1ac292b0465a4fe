package keystore

import (
	"crypto/subtle"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Session is one live registration's key state on the proxy, with the
// sequence-number state of its verification words (PROTOCOL.md §13.1).
type Session struct {
	SK      [skd.SessionKeySize]byte
	Mech    skd.Mechanism
	Expires int64 // unix nanoseconds; the session is expired from this instant on
	// OutSeq is the last p2t word number sent; 0 before the first. A caller
	// storing a new key sets it only when the registration itself used numbers
	// (H.248 sets 1).
	OutSeq uint32
	// In is the replay window of t2p word numbers.
	In skd.Window
	// WordKey, when the storer derived it (skd.MACer.WordKey), is the word
	// key of SK, its first Mech.WordKeyLen() bytes: kept so that a word costs
	// no key derivation. Secret like SK.
	WordKey [skd.WordKeySize]byte

	// lastIn is the t2p number AcceptInRetransmit accepted last, and
	// lastInAt when (unix nanoseconds): its retransmissions pass for a while.
	lastIn   uint32
	lastInAt int64
}

// String redacts SK.
func (s Session) String() string {
	return fmt.Sprintf("keystore.Session{SK:[REDACTED] Mech:%s Expires:%d OutSeq:%d InTop:%d}",
		s.Mech, s.Expires, s.OutSeq, s.In.Top())
}

// GoString is String.
func (s Session) GoString() string { return s.String() }

// Format writes String for every verb.
func (s Session) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON redacts SK, for loggers that encode values as JSON.
func (s Session) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"sk":"[REDACTED]","mech":%q,"expires":%d}`, s.Mech, s.Expires), nil
}

// SessionTable limits and layout.
const (
	// MaxAOR bounds an address of record: SIP AORs are a user and a host, far
	// shorter in practice; 256 bytes keeps each entry's fixed slot small.
	MaxAOR = 256
	// MaxSessionCapacity bounds a table's capacity: entry indices are int32, and
	// 64M entries of about 370 bytes is beyond any one proxy's memory.
	MaxSessionCapacity = 1 << 26
	// maxShards caps lock striping; more stripes than a few per core buy nothing.
	maxShards = 64
	// minShardEntries keeps shards large enough that a uniform hash fills them
	// evenly (deviation ~ sqrt(n)), so per-shard slack stays a few percent.
	minShardEntries = 1024
	// fullSweepInterval rate-limits whole-table sweeps when the table is full:
	// a flood of new registrations must not turn every Put into a full scan.
	fullSweepInterval = int64(time.Second)
)

// SessionTable is the proxy's bounded table of live session keys, keyed by the
// registration's address of record (1..MaxAOR bytes). It is sharded with one lock
// per shard, and each shard preallocates its entries and an open-addressing index
// keyed by a seeded hash (hash/maphash); entries keep a copy of the AOR, so a hash
// collision can never return another registration's key. Put, Get and Delete do
// not allocate. Safe for concurrent use.
//
// Capacity is a hard limit on Len. Put of a new AOR at capacity first evicts the
// expired entries of its shard, then (at most once per second) of the whole
// table, and only then fails with ErrTableFull.
//
// Limitation: each entry reserves MaxAOR bytes for its AOR copy (about 370 bytes
// per entry in all); an arena of variable-length copies would save memory at the
// cost of compaction, which is not worth it at the capacities a proxy runs.
type SessionTable struct {
	seed      maphash.Seed
	shardBits uint
	shards    []sessionShard
	count     atomic.Int64
	capacity  int64
	lastFull  atomic.Int64 // unix nanoseconds of the last whole-table sweep
}

type sessionShard struct {
	mu      sync.RWMutex
	index   []int32 // open addressing, linear probing; -1 empty; power-of-two length
	entries []sessionEntry
	free    []int32 // stack of unused entry indices
	_       [64]byte
}

type sessionEntry struct {
	hash   uint64
	used   bool
	aorLen uint16
	aor    [MaxAOR]byte
	sess   Session
}

// NewSessionTable returns a table holding at most capacity sessions; capacity is
// clamped to 1..MaxSessionCapacity. All memory is allocated here.
func NewSessionTable(capacity int) *SessionTable {
	capacity = clampCapacity(capacity)
	nShards := 1
	for nShards*2 <= maxShards && capacity/(nShards*2) >= minShardEntries {
		nShards *= 2
	}
	t := &SessionTable{
		seed:      maphash.MakeSeed(),
		shardBits: uint(bits.TrailingZeros(uint(nShards))),
		shards:    make([]sessionShard, nShards),
		capacity:  int64(capacity),
	}
	per := (capacity + nShards - 1) / nShards
	if nShards > 1 {
		// Slack for uneven hashing: six standard deviations of a shard's load.
		per += 6*int(math.Sqrt(float64(per))) + 16
	}
	for i := range t.shards {
		t.shards[i].init(per)
	}
	return t
}

func clampCapacity(c int) int { return min(max(c, 1), MaxSessionCapacity) }

func (s *sessionShard) init(n int) {
	s.entries = make([]sessionEntry, n)
	s.free = make([]int32, n)
	for i := range s.free {
		s.free[i] = int32(n - 1 - i)
	}
	size := 1 << bits.Len(uint(2*n-1)) // power of two >= 2n: load factor <= 1/2
	s.index = make([]int32, size)
	for i := range s.index {
		s.index[i] = -1
	}
}

// locate hashes aor and picks its shard.
func (t *SessionTable) locate(aor []byte) (uint64, *sessionShard) {
	h := maphash.Bytes(t.seed, aor)
	if t.shardBits == 0 {
		return h, &t.shards[0]
	}
	return h, &t.shards[h>>(64-t.shardBits)]
}

// Put stores a copy of *s for aor, replacing any session stored for it. Errors:
// ErrBadAOR, ErrTableFull. It does not allocate.
//
// A new key starts with the caller's OutSeq and In (zero: words start afresh).
// Storing the key already stored for aor with the same mechanism (a
// retransmitted registration success, opened again) keeps the stored OutSeq and
// In: starting them again under the same key would let old words be replayed
// and reuse p2t numbers.
func (t *SessionTable) Put(aor []byte, s *Session) error {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return ErrBadAOR
	}
	h, sh := t.locate(aor)
	if sh.put(t, h, aor, s) {
		return nil
	}
	now := time.Now().UnixNano()
	if sh.sweep(t, now) == 0 {
		t.sweepAllRateLimited(now)
	}
	if sh.put(t, h, aor, s) {
		return nil
	}
	return ErrTableFull
}

// sweepAllRateLimited sweeps the whole table unless another sweep for a full
// table ran less than fullSweepInterval ago.
func (t *SessionTable) sweepAllRateLimited(now int64) {
	last := t.lastFull.Load()
	if now-last < fullSweepInterval || !t.lastFull.CompareAndSwap(last, now) {
		return
	}
	t.Sweep(now)
}

// put stores the session, reporting false when neither an update nor a free
// entry within capacity is possible.
func (sh *sessionShard) put(t *SessionTable, h uint64, aor []byte, s *Session) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if pos := sh.find(h, aor); pos >= 0 {
		old := &sh.entries[sh.index[pos]].sess
		kept := *old
		same := old.Mech == s.Mech && subtle.ConstantTimeCompare(old.SK[:], s.SK[:]) == 1
		*old = *s
		if same {
			old.OutSeq, old.In, old.lastIn, old.lastInAt = kept.OutSeq, kept.In,
				kept.lastIn, kept.lastInAt
		}
		clear(kept.SK[:])
		clear(kept.WordKey[:])
		return true
	}
	if len(sh.free) == 0 {
		return false
	}
	if t.count.Add(1) > t.capacity {
		t.count.Add(-1)
		return false
	}
	e := sh.free[len(sh.free)-1]
	sh.free = sh.free[:len(sh.free)-1]
	ent := &sh.entries[e]
	ent.hash, ent.used, ent.aorLen = h, true, uint16(len(aor))
	copy(ent.aor[:], aor)
	ent.sess = *s
	sh.insert(h, e)
	return true
}

// Get returns the session stored for aor unless it is absent or expired at now
// (unix nanoseconds). It does not allocate.
func (t *SessionTable) Get(aor []byte, now int64) (Session, bool) {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return Session{}, false
	}
	h, sh := t.locate(aor)
	sh.mu.RLock()
	pos := sh.find(h, aor)
	var s Session
	if pos >= 0 {
		s = sh.entries[sh.index[pos]].sess
	}
	sh.mu.RUnlock()
	if pos < 0 || now >= s.Expires {
		return Session{}, false
	}
	return s, true
}

// NextOut takes the next p2t word number of aor's session (PROTOCOL.md §13.1):
// it increments OutSeq under the shard lock and returns the number with a copy
// of the session. It reports false when there is no live session at now (unix
// nanoseconds) or the numbers are used up (OutSeq at 2^32-1: numbers never
// wrap; a new registration starts them again). It does not allocate.
func (t *SessionTable) NextOut(aor []byte, now int64) (seq uint32, s Session, ok bool) {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return 0, Session{}, false
	}
	h, sh := t.locate(aor)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	pos := sh.find(h, aor)
	if pos < 0 {
		return 0, Session{}, false
	}
	e := &sh.entries[sh.index[pos]].sess
	if now >= e.Expires || e.OutSeq == math.MaxUint32 {
		return 0, Session{}, false
	}
	e.OutSeq++
	return e.OutSeq, *e, true
}

// AcceptIn checks seq against the t2p replay window of aor's session and
// records it (PROTOCOL.md §13.1). Call it only after the word's tag verified
// under that session's key, or a forger could fill the window. It reports false
// when there is no live session at now or seq is refused. It does not allocate.
//
// Limitation: the session is looked up again here, so a word verified under a
// key that a new registration replaced in between is checked against the new
// key's window and recorded there; the race is one message wide, and its cost is
// at most one of the new key's numbers refused later.
func (t *SessionTable) AcceptIn(aor []byte, seq uint32, now int64) bool {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return false
	}
	h, sh := t.locate(aor)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	pos := sh.find(h, aor)
	if pos < 0 {
		return false
	}
	e := &sh.entries[sh.index[pos]].sess
	return now < e.Expires && e.In.Accept(seq)
}

// AcceptInRetransmit is AcceptIn for a transport that retransmits a request
// unchanged (SIP over UDP, RFC 3261 §17.1): a number the window refuses still
// passes, with retransmit true, when it is the last number accepted here and
// less than ttl nanoseconds have passed since. Call it only after the word's
// tag verified, so the retransmission carries the same covered fields.
//
// Limitation: only the last number is remembered, so a retransmission of an
// earlier request after a later one was accepted is refused; and within ttl
// an identical copy sent by someone else passes as a retransmission.
func (t *SessionTable) AcceptInRetransmit(aor []byte, seq uint32, now, ttl int64) (ok, retransmit bool) {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return false, false
	}
	h, sh := t.locate(aor)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	pos := sh.find(h, aor)
	if pos < 0 {
		return false, false
	}
	e := &sh.entries[sh.index[pos]].sess
	switch {
	case now >= e.Expires:
		return false, false
	case e.In.Accept(seq):
		e.lastIn, e.lastInAt = seq, now
		return true, false
	case seq != 0 && seq == e.lastIn && now-e.lastInAt < ttl:
		return true, true
	}
	return false, false
}

// Delete removes the session of aor, if any, and wipes its key. It does not
// allocate.
func (t *SessionTable) Delete(aor []byte) {
	if len(aor) == 0 || len(aor) > MaxAOR {
		return
	}
	h, sh := t.locate(aor)
	sh.mu.Lock()
	if pos := sh.find(h, aor); pos >= 0 {
		sh.remove(t, pos)
	}
	sh.mu.Unlock()
}

// Sweep removes every session expired at now (unix nanoseconds) and returns how
// many it removed. It locks one shard at a time.
func (t *SessionTable) Sweep(now int64) int {
	n := 0
	for i := range t.shards {
		n += t.shards[i].sweep(t, now)
	}
	return n
}

// Len returns the number of stored sessions, expired ones included until swept.
func (t *SessionTable) Len() int { return int(t.count.Load()) }

// Cap returns the table's capacity.
func (t *SessionTable) Cap() int { return int(t.capacity) }

func (sh *sessionShard) sweep(t *SessionTable, now int64) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := 0
	for e := range sh.entries {
		ent := &sh.entries[e]
		if !ent.used || now < ent.sess.Expires {
			continue
		}
		sh.remove(t, sh.position(ent.hash, int32(e)))
		n++
	}
	return n
}

// find returns the index position holding aor, or -1.
func (sh *sessionShard) find(h uint64, aor []byte) int {
	mask := uint64(len(sh.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := sh.index[i]
		if e < 0 {
			return -1
		}
		ent := &sh.entries[e]
		if ent.hash == h && string(ent.aor[:ent.aorLen]) == string(aor) {
			return int(i)
		}
	}
}

// position returns the index position that points at entry e.
func (sh *sessionShard) position(h uint64, e int32) int {
	mask := uint64(len(sh.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if sh.index[i] == e {
			return int(i)
		}
	}
}

func (sh *sessionShard) insert(h uint64, e int32) {
	mask := uint64(len(sh.index) - 1)
	i := h & mask
	for sh.index[i] >= 0 {
		i = (i + 1) & mask
	}
	sh.index[i] = e
}

// remove frees the entry at index position pos, wipes it, and closes the gap in
// the probe sequence by shifting later entries back (no tombstones, so probe
// lengths never grow with churn).
func (sh *sessionShard) remove(t *SessionTable, pos int) {
	e := sh.index[pos]
	sh.entries[e] = sessionEntry{}
	sh.free = append(sh.free, e)
	t.count.Add(-1)
	mask := len(sh.index) - 1
	hole := pos
	for j := (pos + 1) & mask; sh.index[j] >= 0; j = (j + 1) & mask {
		home := int(sh.entries[sh.index[j]].hash & uint64(mask))
		// The entry at j may move into the hole unless its home lies cyclically
		// in (hole, j].
		if (j-home)&mask >= (j-hole)&mask {
			sh.index[hole] = sh.index[j]
			hole = j
		}
	}
	sh.index[hole] = -1
}

// String reports the size only.
func (t *SessionTable) String() string {
	return fmt.Sprintf("keystore.SessionTable{len:%d cap:%d [REDACTED]}", t.Len(), t.Cap())
}

// GoString is String.
func (t *SessionTable) GoString() string { return t.String() }

// Format writes String for every verb.
func (t *SessionTable) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

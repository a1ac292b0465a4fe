package proxy

import (
	"bytes"
	"errors"
	"hash/maphash"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Sizes of the fields a registration in progress keeps. A value longer than
// its field fails the registration with ReasonFieldTooLong rather than being
// cut, so the MAC is never computed over something other than what was sent.
const (
	// maxField bounds Call-ID, nonce, realm and identity: generous for
	// host-qualified random Call-IDs and 32 to 64 character nonces, and equal to
	// the AC's identity limit.
	maxField = 128
	// maxOffer bounds all Security-Client entries of one offer, concatenated.
	maxOffer = 512
	// pendingShards stripes the table's locks so event loops rarely meet.
	pendingShards = 64
	// sourceBuckets is how many per-source counters limit registrations in
	// progress: sources are hashed into them, so memory stays fixed whatever
	// the number of sources, at the price of sources sharing a bucket.
	sourceBuckets = 4096
)

// Pending-table errors.
var (
	errPendingFull  = errors.New("proxy: registration table full")
	errSourceBusy   = errors.New("proxy: too many registrations in progress from one source")
	errFieldTooLong = errors.New("proxy: registration field too long")
)

// Registration states between the first REGISTER and the 200 OK.
const (
	stateOffered    uint8 = iota + 1 // mechanism chosen, first REGISTER forwarded
	stateChallenged                  // 401 seen, nonce recorded
	stateVerified                    // second REGISTER checked and forwarded
	stateDone                        // 200 passed; kept for retransmissions
)

// pending is one registration in progress. It is fixed-size so entries can be
// recycled through a free list without allocating.
type pending struct {
	hash     uint64
	bucket   uint16 // per-source counter this entry holds, while counted
	counted  bool
	deadline int64
	state    uint8
	mech     skd.Mechanism
	chosen   uint8
	nEntries uint8

	callID   field
	nonce    field
	realm    field
	identity field
	offerLen int
	entries  [skd.MaxOffered][2]uint16
	offer    [maxOffer]byte
}

// field is a byte value of at most maxField bytes stored inline.
type field struct {
	b [maxField]byte
	n uint8
}

// set copies v into the field or reports errFieldTooLong.
func (f *field) set(v []byte) error {
	if len(v) > maxField {
		return errFieldTooLong
	}
	f.n = uint8(copy(f.b[:], v))
	return nil
}

// bytes returns the stored value; it aliases the entry.
func (f *field) bytes() []byte { return f.b[:f.n] }

// entry returns offered entry i.
func (p *pending) entry(i int) []byte {
	e := p.entries[i]
	return p.offer[e[0]:e[1]]
}

// chosenEntry is the offered entry the proxy chose: the Security-Server value.
func (p *pending) chosenEntry() []byte { return p.entry(int(p.chosen)) }

// setOffer stores the offered entries contiguously.
func (p *pending) setOffer(entries [][]byte) error {
	if len(entries) > skd.MaxOffered {
		return errFieldTooLong
	}
	n := 0
	for i, e := range entries {
		if n+len(e) > maxOffer {
			return errFieldTooLong
		}
		copy(p.offer[n:], e)
		p.entries[i] = [2]uint16{uint16(n), uint16(n + len(e))}
		n += len(e)
	}
	p.offerLen = n
	p.nEntries = uint8(len(entries))
	return nil
}

// sameOffer reports whether entries equal the stored offer, entry by entry.
func (p *pending) sameOffer(entries [][]byte) bool {
	if len(entries) != int(p.nEntries) {
		return false
	}
	for i, e := range entries {
		if !bytes.Equal(e, p.entry(i)) {
			return false
		}
	}
	return true
}

// pendingTable holds registrations in progress, keyed by Call-ID, striped
// over shards. Capacity is a hard limit; entries expire at their deadline.
type pendingTable struct {
	seed      maphash.Seed
	perShard  int
	perSource int32
	shards    [pendingShards]pendingShard
	sources   [sourceBuckets]atomic.Int32
}

type pendingShard struct {
	mu      sync.Mutex
	m       map[uint64]*pending
	free    []*pending
	sources *[sourceBuckets]atomic.Int32
}

func newPendingTable(capacity, perSource int) *pendingTable {
	t := &pendingTable{seed: maphash.MakeSeed(), perSource: int32(perSource)}
	t.perShard = (capacity + pendingShards - 1) / pendingShards
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]*pending, t.perShard)
		t.shards[i].sources = &t.sources
	}
	return t
}

func (t *pendingTable) shard(callID []byte) (uint64, *pendingShard) {
	h := maphash.Bytes(t.seed, callID)
	return h, &t.shards[h%pendingShards]
}

// lookup returns the live entry for callID with its shard locked; the caller
// must unlock s. p is nil when there is none.
func (t *pendingTable) lookup(callID []byte, now int64) (p *pending, s *pendingShard) {
	h, s := t.shard(callID)
	s.mu.Lock()
	p = s.m[h]
	if p == nil {
		return nil, s
	}
	if p.deadline < now || !bytes.Equal(p.callID.bytes(), callID) {
		if p.deadline < now {
			s.remove(p)
		}
		return nil, s
	}
	return p, s
}

// create returns a fresh entry for callID from src with its shard locked,
// replacing any previous one; the caller fills it and unlocks s. It refuses
// when the table or src's share of it is full.
func (t *pendingTable) create(callID []byte, src netip.Addr, now, deadline int64) (*pending, *pendingShard, error) {
	if len(callID) > maxField {
		return nil, nil, errFieldTooLong
	}
	h, s := t.shard(callID)
	bucket := t.sourceBucket(src)
	s.mu.Lock()
	if old := s.m[h]; old != nil {
		s.remove(old)
	}
	if len(s.m) >= t.perShard && s.sweep(now) == 0 {
		s.mu.Unlock()
		return nil, nil, errPendingFull
	}
	if t.sources[bucket].Add(1) > t.perSource {
		t.sources[bucket].Add(-1)
		s.mu.Unlock()
		return nil, nil, errSourceBusy
	}
	p := s.alloc()
	p.hash = h
	p.bucket, p.counted = bucket, true
	p.deadline = deadline
	_ = p.callID.set(callID)
	s.m[h] = p
	return p, s, nil
}

// sourceBucket hashes a source address onto its per-source counter.
func (t *pendingTable) sourceBucket(src netip.Addr) uint16 {
	b := src.Unmap().As16()
	return uint16(maphash.Bytes(t.seed, b[:]) % sourceBuckets)
}

// drop removes the entry for callID and reports whether there was one.
func (t *pendingTable) drop(callID []byte, now int64) bool {
	p, s := t.lookup(callID, now)
	if p != nil {
		s.remove(p)
	}
	s.mu.Unlock()
	return p != nil
}

// sweep removes expired entries from every shard and returns how many.
func (t *pendingTable) sweep(now int64) int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += s.sweep(now)
		s.mu.Unlock()
	}
	return n
}

// len returns the number of entries, expired ones included until swept.
func (t *pendingTable) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// alloc takes an entry from the free list, allocating only while the table
// grows to its high-water mark.
func (s *pendingShard) alloc() *pending {
	if n := len(s.free); n > 0 {
		p := s.free[n-1]
		s.free = s.free[:n-1]
		*p = pending{}
		return p
	}
	return new(pending)
}

func (s *pendingShard) remove(p *pending) {
	delete(s.m, p.hash)
	s.releaseSource(p)
	s.free = append(s.free, p)
}

// releaseSource stops counting p against its source: a finished registration
// kept for retransmissions is no longer in progress.
func (s *pendingShard) releaseSource(p *pending) {
	if p.counted {
		s.sources[p.bucket].Add(-1)
		p.counted = false
	}
}

func (s *pendingShard) sweep(now int64) int {
	n := 0
	for _, p := range s.m {
		if p.deadline < now {
			s.remove(p)
			n++
		}
	}
	return n
}

package authcenter

import (
	"sync"
	"time"
)

// vectorTable remembers issued nonces (nonce -> identity, expiry) so that a
// success report can be checked against a real vector. It is bounded: a ring of
// nonces in issue order evicts the oldest when full. Safe for concurrent use.
type vectorTable struct {
	mu      sync.Mutex
	byNonce map[string]issued
	ring    []string // issue order; entries may already be consumed
	head, n int
}

type issued struct {
	identity string
	expires  time.Time
}

func newVectorTable(max int) *vectorTable {
	return &vectorTable{byNonce: make(map[string]issued), ring: make([]string, max)}
}

// add records a nonce, forgetting the oldest when the table is full.
func (t *vectorTable) add(nonce, identity string, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == len(t.ring) {
		delete(t.byNonce, t.ring[t.head])
		t.ring[t.head] = ""
		t.head = (t.head + 1) % len(t.ring)
		t.n--
	}
	t.ring[(t.head+t.n)%len(t.ring)] = nonce
	t.n++
	t.byNonce[nonce] = issued{identity: identity, expires: expires}
}

// consume reports whether nonce was issued to identity and has not expired, and
// forgets it: a vector's success is counted once.
func (t *vectorTable) consume(nonce, identity string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, ok := t.byNonce[nonce]
	if !ok || rec.identity != identity {
		return false
	}
	delete(t.byNonce, nonce)
	return now.Before(rec.expires)
}

// len returns the number of nonces that can still be reported.
func (t *vectorTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byNonce)
}

// Success is one recorded terminal authentication success.
type Success struct {
	Identity string
	Nonce    string
	At       time.Time
}

// successLog counts successes and keeps the last few.
type successLog struct {
	mu     sync.Mutex
	total  int
	recent []Success // ring
	next   int
}

func (l *successLog) record(s Success, max int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if len(l.recent) < max {
		l.recent = append(l.recent, s)
		return
	}
	l.recent[l.next] = s
	l.next = (l.next + 1) % max
}

func (l *successLog) snapshot() (int, []Success) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Success, 0, len(l.recent))
	out = append(out, l.recent[l.next:]...)
	out = append(out, l.recent[:l.next]...)
	return l.total, out
}

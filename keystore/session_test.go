package keystore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func sess(b byte, expires int64) *Session {
	s := &Session{Mech: skd.MechHMACSHA256, Expires: expires}
	for i := range s.SK {
		s.SK[i] = b
	}
	return s
}

func future() int64 { return time.Now().Add(time.Hour).UnixNano() }

func TestSessionTableBasics(t *testing.T) {
	tb := NewSessionTable(10)
	now := time.Now().UnixNano()
	aor := []byte("sip:alice@sigproxy.test")
	if _, ok := tb.Get(aor, now); ok {
		t.Fatal("empty table returned a session")
	}
	if err := tb.Put(aor, sess(1, future())); err != nil {
		t.Fatal(err)
	}
	if err := tb.Put(aor, sess(2, future())); err != nil || tb.Len() != 1 {
		t.Fatalf("update: %v len %d", err, tb.Len())
	}
	s, ok := tb.Get(aor, now)
	if !ok || s.SK[0] != 2 || s.Mech != skd.MechHMACSHA256 {
		t.Fatalf("Get = %v %v", s, ok)
	}
	if _, ok := tb.Get(aor, s.Expires); ok {
		t.Fatal("session returned at its expiry instant")
	}
	if _, ok := tb.Get([]byte("sip:alice@sigproxy.tesT"), now); ok {
		t.Fatal("other AOR returned a session")
	}
	tb.Delete(aor)
	tb.Delete(aor)
	if _, ok := tb.Get(aor, now); ok || tb.Len() != 0 {
		t.Fatalf("after delete: ok=%v len=%d", ok, tb.Len())
	}
	for _, bad := range [][]byte{nil, []byte(strings.Repeat("a", MaxAOR+1))} {
		if err := tb.Put(bad, sess(1, future())); !errors.Is(err, ErrBadAOR) {
			t.Errorf("Put(%d bytes): %v", len(bad), err)
		}
		if _, ok := tb.Get(bad, now); ok {
			t.Error("Get of a bad AOR succeeded")
		}
		tb.Delete(bad)
	}
	if err := tb.Put([]byte(strings.Repeat("a", MaxAOR)), sess(1, future())); err != nil {
		t.Errorf("Put of MaxAOR bytes: %v", err)
	}
}

func TestSessionTableCapacity(t *testing.T) {
	tb := NewSessionTable(4)
	past := time.Now().Add(-time.Second).UnixNano()
	for i := 0; i < 4; i++ {
		exp := future()
		if i < 2 {
			exp = past
		}
		if err := tb.Put([]byte(fmt.Sprint("aor", i)), sess(byte(i), exp)); err != nil {
			t.Fatal(err)
		}
	}
	// Full: the two expired entries are evicted to make room.
	for i := 4; i < 6; i++ {
		if err := tb.Put([]byte(fmt.Sprint("aor", i)), sess(byte(i), future())); err != nil {
			t.Fatalf("put %d after expiry: %v", i, err)
		}
	}
	if tb.Len() != 4 {
		t.Fatalf("len %d", tb.Len())
	}
	if err := tb.Put([]byte("aor6"), sess(6, future())); !errors.Is(err, ErrTableFull) {
		t.Fatalf("put into a full table: %v", err)
	}
	// Updating an existing AOR still works when full.
	if err := tb.Put([]byte("aor5"), sess(9, future())); err != nil {
		t.Fatalf("update when full: %v", err)
	}
	tb.Delete([]byte("aor4"))
	if err := tb.Put([]byte("aor6"), sess(6, future())); err != nil {
		t.Fatalf("put after delete: %v", err)
	}
	if NewSessionTable(0).Cap() != 1 || NewSessionTable(-5).Cap() != 1 ||
		clampCapacity(MaxSessionCapacity+1) != MaxSessionCapacity {
		t.Fatal("capacity not clamped")
	}
}

func TestSessionTableSweep(t *testing.T) {
	tb := NewSessionTable(5000) // several shards
	if len(tb.shards) < 2 {
		t.Fatalf("want several shards, got %d", len(tb.shards))
	}
	base := time.Now().UnixNano()
	for i := 0; i < 3000; i++ {
		if err := tb.Put([]byte(fmt.Sprint("sip:u", i)), sess(1, base+int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := tb.Sweep(base + 1000); n != 1001 {
		t.Fatalf("Sweep removed %d, want 1001", n)
	}
	if tb.Len() != 1999 {
		t.Fatalf("len %d", tb.Len())
	}
	for i := 0; i < 3000; i++ {
		_, ok := tb.Get([]byte(fmt.Sprint("sip:u", i)), base)
		if ok != (i > 1000) {
			t.Fatalf("aor %d present=%v after sweep", i, ok)
		}
	}
}

// TestSessionTableModel drives one shard with random operations, many AORs
// sharing few hash values, and compares with a map.
func TestSessionTableModel(t *testing.T) {
	tb := NewSessionTable(64)
	sh := &tb.shards[0]
	model := map[string]byte{}
	r := rand.New(rand.NewPCG(5, 6))
	exp := future()
	for step := 0; step < 20000; step++ {
		n := r.IntN(100)
		aor := fmt.Sprint("sip:", n)
		// Four distinct hashes for 100 AORs: full-hash collisions on purpose, and
		// long probe runs for the backward-shift deletion.
		h := uint64(n%4) * 0x9e3779b97f4a7c15
		switch r.IntN(3) {
		case 0:
			b := byte(r.Uint32())
			ok := sh.put(tb, h, []byte(aor), sess(b, exp))
			_, had := model[aor]
			if ok {
				model[aor] = b
			} else if had || len(model) < 64 {
				t.Fatalf("step %d: put refused with %d entries", step, len(model))
			}
		case 1:
			if pos := sh.find(h, []byte(aor)); pos >= 0 {
				sh.remove(tb, pos)
			}
			delete(model, aor)
		case 2:
			pos := sh.find(h, []byte(aor))
			b, had := model[aor]
			if (pos >= 0) != had || (had && sh.entries[sh.index[pos]].sess.SK[0] != b) {
				t.Fatalf("step %d: %s found=%v model=%v", step, aor, pos >= 0, had)
			}
		}
		if tb.Len() != len(model) {
			t.Fatalf("step %d: len %d model %d", step, tb.Len(), len(model))
		}
	}
}

func TestSessionTableConcurrent(t *testing.T) {
	tb := NewSessionTable(4096)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				aor := []byte(fmt.Sprint("sip:", g, "-", i%300))
				switch i % 4 {
				case 0, 1:
					if err := tb.Put(aor, sess(byte(g), future())); err != nil {
						t.Error(err)
						return
					}
				case 2:
					if s, ok := tb.Get(aor, time.Now().UnixNano()); ok && s.SK[0] != byte(g) {
						t.Errorf("goroutine %d read another's key", g)
						return
					}
				case 3:
					tb.Delete(aor)
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			tb.Sweep(time.Now().UnixNano())
		}
	}()
	wg.Wait()
	if tb.Len() < 0 || tb.Len() > 4*300 {
		t.Fatalf("len %d", tb.Len())
	}
}

func TestSessionTableWords(t *testing.T) {
	tb := NewSessionTable(10)
	now := time.Now().UnixNano()
	aor := []byte("sip:alice@sigproxy.test")
	if _, _, ok := tb.NextOut(aor, now); ok {
		t.Fatal("NextOut without a session")
	}
	if tb.AcceptIn(aor, 1, now) {
		t.Fatal("AcceptIn without a session")
	}
	if err := tb.Put(aor, sess(1, future())); err != nil {
		t.Fatal(err)
	}
	for want := uint32(1); want <= 3; want++ {
		n, s, ok := tb.NextOut(aor, now)
		if !ok || n != want || s.OutSeq != want || s.SK[0] != 1 {
			t.Fatalf("NextOut = %d %v %v, want %d", n, s, ok, want)
		}
	}
	if !tb.AcceptIn(aor, 2, now) || !tb.AcceptIn(aor, 1, now) || tb.AcceptIn(aor, 2, now) {
		t.Fatal("window through the table")
	}
	// The same key stored again (a retransmitted success) keeps the counters.
	if err := tb.Put(aor, sess(1, future())); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := tb.NextOut(aor, now); n != 4 || tb.AcceptIn(aor, 2, now) {
		t.Fatalf("same key restored: next %d, replay of 2 accepted", n)
	}
	// A new key starts again, and a caller may preset OutSeq.
	fresh := sess(2, future())
	fresh.OutSeq = 1
	if err := tb.Put(aor, fresh); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := tb.NextOut(aor, now); n != 2 || !tb.AcceptIn(aor, 2, now) {
		t.Fatalf("new key: next %d, or its first number 2 refused", n)
	}
	s, _ := tb.Get(aor, now)
	if _, _, ok := tb.NextOut(aor, s.Expires); ok || tb.AcceptIn(aor, 3, s.Expires) {
		t.Fatal("words of an expired session")
	}
	tb.Delete(aor)
	if _, _, ok := tb.NextOut(aor, now); ok || tb.AcceptIn(aor, 3, now) {
		t.Fatal("words after Delete")
	}
	if _, _, ok := tb.NextOut(nil, now); ok || tb.AcceptIn(nil, 1, now) {
		t.Fatal("words for an empty AOR")
	}
}

func TestSessionTableOutSeqNeverWraps(t *testing.T) {
	tb := NewSessionTable(10)
	aor := []byte("sip:alice@sigproxy.test")
	s := sess(1, future())
	s.OutSeq = 1<<32 - 2
	_ = tb.Put(aor, s)
	now := time.Now().UnixNano()
	if n, _, ok := tb.NextOut(aor, now); !ok || n != 1<<32-1 {
		t.Fatalf("last number: %d %v", n, ok)
	}
	if n, _, ok := tb.NextOut(aor, now); ok {
		t.Fatalf("NextOut wrapped to %d", n)
	}
}

func TestSessionTableWordsConcurrent(t *testing.T) {
	tb := NewSessionTable(10)
	aor := []byte("sip:alice@sigproxy.test")
	_ = tb.Put(aor, sess(1, future()))
	now := time.Now().UnixNano()
	var mu sync.Mutex
	seen := map[uint32]bool{}
	accepted := 0
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				n, _, ok := tb.NextOut(aor, now)
				in := tb.AcceptIn(aor, uint32(i%64+1), now) // all within one window
				mu.Lock()
				if !ok || seen[n] {
					t.Errorf("NextOut gave %d twice or failed (%v)", n, ok)
				}
				seen[n] = true
				if in {
					accepted++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 2000 || accepted != 64 {
		t.Fatalf("%d distinct out numbers, %d in numbers accepted (want 2000, 64)",
			len(seen), accepted)
	}
}

func TestSessionTableRetransmit(t *testing.T) {
	tb := NewSessionTable(10)
	aor := []byte("sip:alice@sigproxy.test")
	_ = tb.Put(aor, sess(1, future()))
	now := time.Now().UnixNano()
	const ttl = int64(32 * time.Second)
	steps := []struct {
		seq      uint32
		at       int64
		ok, retx bool
		what     string
	}{
		{1, now, true, false, "first"},
		{1, now + 1e9, true, true, "retransmitted"},
		{3, now + 2e9, true, false, "next"},
		{1, now + 3e9, false, false, "earlier one after a later one"},
		{3, now + 2e9 + ttl, false, false, "retransmission too late"},
		{2, now + 4e9, true, false, "reordered"},
		{0, now + 5e9, false, false, "zero"},
	}
	for _, s := range steps {
		ok, retx := tb.AcceptInRetransmit(aor, s.seq, s.at, ttl)
		if ok != s.ok || retx != s.retx {
			t.Errorf("%s (%d): ok %v retransmit %v", s.what, s.seq, ok, retx)
		}
	}
	// A new key forgets the last number.
	_ = tb.Put(aor, sess(2, future()))
	if ok, retx := tb.AcceptInRetransmit(aor, 2, now+6e9, ttl); !ok || retx {
		t.Fatalf("first number under a new key: %v %v", ok, retx)
	}
	if ok, _ := tb.AcceptInRetransmit([]byte("sip:nobody"), 1, now, ttl); ok {
		t.Fatal("accepted without a session")
	}
}

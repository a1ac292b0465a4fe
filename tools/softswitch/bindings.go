package softswitch

import (
	"errors"
	"time"
)

// Errors of a binding update, mapped to responses by the handler.
var (
	// errOutOfOrder: same Call-ID with a CSeq not above the stored one (RFC 3261 §10.3
	// step 7 answers 500).
	errOutOfOrder = errors.New("softswitch: register out of order")
	// errTableFull: the binding table or the address of record is at its cap.
	errTableFull = errors.New("softswitch: binding table full")
)

// binding is one registered contact of an address of record.
type binding struct {
	contact string // the Contact URI as registered
	expires time.Time
	callID  string
	cseq    uint32
	path    []string // Path header values of the REGISTER that created it (RFC 3327)
}

// contactUpdate is one Contact of a REGISTER: a URI and the lifetime asked for.
type contactUpdate struct {
	uri     string
	expires int // seconds; 0 removes
}

// registration is what one REGISTER asks of the binding table.
type registration struct {
	aor      string
	user     string // the AOR's user part, which must be the digest username
	wildcard bool   // Contact: * (remove all)
	contacts []contactUpdate
	callID   string
	cseq     uint32
	path     []string
}

// bindingTable maps addresses of record to their contacts, bounded in total.
// Not safe for concurrent use; the Server's mutex guards it.
type bindingTable struct {
	max   int
	total int
	aors  map[string][]binding
}

func newBindingTable(max int) *bindingTable {
	return &bindingTable{max: max, aors: make(map[string][]binding)}
}

// apply carries out reg atomically: either every change is made or none is.
// It returns the address of record's live bindings afterwards.
func (t *bindingTable) apply(reg *registration, now time.Time) ([]binding, error) {
	cur := t.live(reg.aor, now)
	if reg.wildcard {
		for _, b := range cur {
			if b.callID == reg.callID && reg.cseq <= b.cseq {
				return cur, errOutOfOrder
			}
		}
		t.set(reg.aor, nil)
		return nil, nil
	}
	next, err := t.merge(cur, reg, now)
	if err != nil {
		return cur, err
	}
	if grow := len(next) - len(cur); grow > 0 && t.total+grow > t.max {
		t.sweep(now)
		if t.total+grow > t.max {
			return cur, errTableFull
		}
	}
	t.set(reg.aor, next)
	return next, nil
}

// merge computes an address of record's bindings after reg, without storing them.
func (t *bindingTable) merge(cur []binding, reg *registration, now time.Time) ([]binding, error) {
	next := append([]binding(nil), cur...)
	for _, c := range reg.contacts {
		i := indexOf(next, c.uri)
		if i >= 0 && next[i].callID == reg.callID && reg.cseq <= next[i].cseq {
			return nil, errOutOfOrder
		}
		switch {
		case c.expires == 0 && i >= 0:
			next = append(next[:i], next[i+1:]...)
		case c.expires == 0:
		case i >= 0:
			next[i] = newBinding(c, reg, now)
		default:
			if len(next) >= MaxContactsPerAOR {
				return nil, errTableFull
			}
			next = append(next, newBinding(c, reg, now))
		}
	}
	return next, nil
}

func newBinding(c contactUpdate, reg *registration, now time.Time) binding {
	return binding{contact: c.uri, expires: now.Add(time.Duration(c.expires) * time.Second),
		callID: reg.callID, cseq: reg.cseq, path: reg.path}
}

func indexOf(bs []binding, uri string) int {
	for i := range bs {
		if bs[i].contact == uri {
			return i
		}
	}
	return -1
}

// live returns the unexpired bindings of aor, dropping expired ones from the table.
func (t *bindingTable) live(aor string, now time.Time) []binding {
	bs := t.aors[aor]
	keep := bs[:0]
	for _, b := range bs {
		if now.Before(b.expires) {
			keep = append(keep, b)
		}
	}
	if len(keep) != len(bs) {
		t.set(aor, keep)
	}
	return t.aors[aor]
}

// lookup returns a copy of the live bindings of aor.
func (t *bindingTable) lookup(aor string, now time.Time) []binding {
	return append([]binding(nil), t.live(aor, now)...)
}

func (t *bindingTable) set(aor string, bs []binding) {
	t.total += len(bs) - len(t.aors[aor])
	if len(bs) == 0 {
		delete(t.aors, aor)
		return
	}
	t.aors[aor] = bs
}

// sweep drops every expired binding and returns how many it dropped.
func (t *bindingTable) sweep(now time.Time) int {
	before := t.total
	for aor := range t.aors {
		t.live(aor, now)
	}
	return before - t.total
}

func (t *bindingTable) len() int { return t.total }

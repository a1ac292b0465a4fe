package softswitch

import (
	"container/list"
	"time"
)

// fifoMap is a bounded map whose entries all live for the same time, so insertion
// order is expiry order: the oldest entry is both the first to expire and the one
// evicted when the map is full. Not safe for concurrent use; the Server's mutex
// guards it.
type fifoMap[V any] struct {
	cap     int
	ttl     time.Duration
	entries map[string]*list.Element
	order   *list.List // of *fifoEntry[V], oldest first
}

type fifoEntry[V any] struct {
	key     string
	expires time.Time
	val     V
}

func newFIFOMap[V any](capacity int, ttl time.Duration) *fifoMap[V] {
	return &fifoMap[V]{cap: capacity, ttl: ttl,
		entries: make(map[string]*list.Element), order: list.New()}
}

// put stores v under key, replacing an earlier value, and evicts the oldest entry
// when the map is full. It reports whether a live entry had to be evicted.
func (m *fifoMap[V]) put(key string, v V, now time.Time) (evicted bool) {
	m.delete(key)
	m.sweep(now)
	if len(m.entries) >= m.cap {
		m.removeElement(m.order.Front())
		evicted = true
	}
	e := &fifoEntry[V]{key: key, expires: now.Add(m.ttl), val: v}
	m.entries[key] = m.order.PushBack(e)
	return evicted
}

// get returns the live value under key.
func (m *fifoMap[V]) get(key string, now time.Time) (V, bool) {
	el, ok := m.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*fifoEntry[V])
	if !now.Before(e.expires) {
		m.removeElement(el)
		var zero V
		return zero, false
	}
	return e.val, true
}

// take returns and removes the live value under key.
func (m *fifoMap[V]) take(key string, now time.Time) (V, bool) {
	v, ok := m.get(key, now)
	if ok {
		m.delete(key)
	}
	return v, ok
}

func (m *fifoMap[V]) delete(key string) {
	if el, ok := m.entries[key]; ok {
		m.removeElement(el)
	}
}

// sweep removes expired entries from the front and returns how many it removed.
func (m *fifoMap[V]) sweep(now time.Time) int {
	n := 0
	for el := m.order.Front(); el != nil; el = m.order.Front() {
		if now.Before(el.Value.(*fifoEntry[V]).expires) {
			break
		}
		m.removeElement(el)
		n++
	}
	return n
}

func (m *fifoMap[V]) removeElement(el *list.Element) {
	e := m.order.Remove(el).(*fifoEntry[V])
	delete(m.entries, e.key)
}

func (m *fifoMap[V]) len() int { return len(m.entries) }

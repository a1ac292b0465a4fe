//go:build !race

package metrics

import "testing"

// TestObserveAllocatesNothing guards the contract that an event loop may
// feed the handling histogram per message.
func TestObserveAllocatesNothing(t *testing.T) {
	h := NewCollector(&fakeSource{}).HandlingLatency()
	v := 1e-6
	if n := testing.AllocsPerRun(1000, func() {
		h.Observe(v)
		v *= 1.01
	}); n != 0 {
		t.Errorf("Observe allocates %v times a call", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	h := NewCollector(&fakeSource{}).HandlingLatency()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(float64(i%1000) * 1e-6)
	}
}

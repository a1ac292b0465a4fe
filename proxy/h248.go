package proxy

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// h248State is the H.248 side's state shared by every event loop.
type h248State struct {
	mgc  netip.AddrPort
	self atomic.Pointer[h248Self]
}

// h248Self is the proxy's H.248 address and the mId it writes into the
// messages it builds (PROTOCOL.md §11.6).
type h248Self struct {
	addr netip.AddrPort
	mid  []byte // "[127.0.0.1]:2944"
}

func newH248State(cfg *Config) *h248State {
	return &h248State{mgc: cfg.H248Softswitch}
}

// sweep removes expired H.248 state.
func (st *h248State) sweep(now int64) {}

// setH248Addr records the bound H.248 address. A wildcard address is
// replaced in the mId by the advertised (or SIP listen) address.
func (h *Handler) setH248Addr(a netip.AddrPort) {
	ip := a.Addr()
	if ip.IsUnspecified() {
		switch {
		case h.cfg.Advertise.IsValid():
			ip = h.cfg.Advertise.Addr()
		case !h.cfg.Listen.Addr().IsUnspecified():
			ip = h.cfg.Listen.Addr()
		}
	}
	ip = ip.Unmap()
	mid := append([]byte{'['}, ip.String()...)
	mid = append(mid, "]:"...)
	mid = appendInt(mid, int(a.Port()))
	h.h248.self.Store(&h248Self{addr: a, mid: mid})
}

// h248Worker is one event loop's H.248 scratch space.
type h248Worker struct {
	msg h248.Message
	ed  h248.Editor
}

// StepH248 handles one H.248 datagram received from src on the H.248 socket
// (PROTOCOL.md §11). It appends the datagram to send to out[:0] and returns
// it with its destination; ok is false when the message is dropped. Like
// Step it never sends anything itself and allocates nothing in steady state.
func (w *Worker) StepH248(pkt []byte, src netip.AddrPort, out []byte) (res []byte, dst netip.AddrPort, ok bool) {
	c := &w.h.ctr
	c.in.Add(1)
	c.h248In.Add(1)
	st := w.h.h248
	if st == nil || st.self.Load() == nil {
		return w.drop(ReasonH248Disabled)
	}
	if w.hw == nil {
		w.hw = new(h248Worker)
	}
	w.now = time.Now().UnixNano()
	hw := w.hw
	if err := hw.msg.Parse(pkt); err != nil {
		return w.drop(ReasonH248Malformed)
	}
	if src == st.mgc {
		return w.drop(ReasonH248Unroutable)
	}
	out = append(out[:0], pkt...)
	return w.sentH248(out, st.mgc)
}

// sentH248 counts an H.248 datagram that StepH248 hands back for sending.
func (w *Worker) sentH248(out []byte, dst netip.AddrPort) ([]byte, netip.AddrPort, bool) {
	w.h.ctr.h248Out.Add(1)
	return w.sent(out, dst)
}

// txnLen returns the number of open gateway transactions.
func (st *h248State) txnLen() int { return 0 }

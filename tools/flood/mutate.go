package flood

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// Hostile configures a stream of mutated messages.
type Hostile struct {
	// Target is the proxy.
	Target *net.UDPAddr
	// Seeds are real messages to mutate (the fuzz corpora, the shared
	// protocol corpus). Each is also sent once unchanged.
	Seeds [][]byte
	// Duration bounds the run.
	Duration time.Duration
	// Rate paces the sending in datagrams per second (0: unpaced).
	Rate int
	// Sources is how many loopback addresses send (1 when zero).
	Sources int
	// Seed makes the mutations reproducible.
	Seed uint64
}

// maxMutated bounds a mutated datagram below the UDP payload limit.
const maxMutated = 65507

// Run sends the seeds, then mutations of them, until Duration has passed,
// and counts the answers.
func (h Hostile) Run(ctx context.Context) (Result, error) {
	if h.Target == nil || len(h.Seeds) == 0 || h.Duration <= 0 {
		return Result{}, errors.New("flood: need a target, seeds and a duration")
	}
	return runSources(ctx, max(h.Sources, 1), 200*time.Millisecond, h.send)
}

func (h Hostile) send(ctx context.Context, socks []*net.UDPConn) (int, error) {
	rng := rand.New(rand.NewPCG(h.Seed, h.Seed^0x9e3779b97f4a7c15))
	p := newPacer(h.Rate)
	end := time.Now().Add(h.Duration)
	n := 0
	for ; ctx.Err() == nil && time.Now().Before(end); n++ {
		msg := h.Seeds[n%len(h.Seeds)]
		if n >= len(h.Seeds) {
			msg = mutate(rng, msg, h.Seeds[rng.IntN(len(h.Seeds))])
		}
		if _, err := socks[n%len(socks)].WriteToUDP(msg, h.Target); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return n, err
			}
			// EMSGSIZE and transient refusals: the next one goes on.
			continue
		}
		p.wait()
	}
	if n == 0 {
		return 0, fmt.Errorf("flood: nothing sent")
	}
	return n, ctx.Err()
}

// mutate returns a changed copy of msg: one to four of bit flips, byte
// insertions and deletions, truncation, a duplicated line, a line spliced in
// from other, or a CRLF turned into a bare LF.
func mutate(rng *rand.Rand, msg, other []byte) []byte {
	out := bytes.Clone(msg)
	for range 1 + rng.IntN(4) {
		if len(out) == 0 {
			out = append(out, other...)
			continue
		}
		i := rng.IntN(len(out))
		switch rng.IntN(7) {
		case 0:
			out[i] ^= 1 << rng.IntN(8)
		case 1:
			out = append(out[:i], append([]byte{byte(rng.IntN(256))}, out[i:]...)...)
		case 2:
			out = append(out[:i], out[i+1:]...)
		case 3:
			out = out[:i]
		case 4:
			out = spliceLine(out, i, lineAt(out, rng.IntN(len(out))))
		case 5:
			if len(other) > 0 {
				out = spliceLine(out, i, lineAt(other, rng.IntN(len(other))))
			}
		case 6:
			if j := bytes.Index(out[i:], []byte("\r\n")); j >= 0 {
				out = append(out[:i+j], out[i+j+1:]...)
			}
		}
	}
	if len(out) > maxMutated {
		out = out[:maxMutated]
	}
	return out
}

// lineAt returns the line (with its end) that holds byte i of b.
func lineAt(b []byte, i int) []byte {
	s := bytes.LastIndexByte(b[:i], '\n') + 1
	e := bytes.IndexByte(b[i:], '\n')
	if e < 0 {
		return b[s:]
	}
	return b[s : i+e+1]
}

// spliceLine inserts line at the start of the line holding byte i.
func spliceLine(b []byte, i int, line []byte) []byte {
	s := bytes.LastIndexByte(b[:i], '\n') + 1
	out := make([]byte, 0, len(b)+len(line))
	out = append(out, b[:s]...)
	out = append(out, line...)
	return append(out, b[s:]...)
}

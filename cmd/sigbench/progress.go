package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	xterm "golang.org/x/term"
)

// progressEvery is how often the bar is redrawn: often enough to look live, rarely
// enough to cost nothing next to the load.
const progressEvery = 200 * time.Millisecond

// progress draws a live bar on a terminal: completed registrations out of --count,
// or elapsed time out of --duration, with the running rate and failures.
type progress struct {
	bar     *progressbar.ProgressBar
	byCount bool
	stop    chan struct{}
	done    chan struct{}
}

// wantProgress decides from --progress (auto, always, never) whether to draw.
func wantProgress(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	return ok && xterm.IsTerminal(int(f.Fd()))
}

// startProgress starts redrawing for the engine until stop is called.
func startProgress(w io.Writer, es []*engine, count int64, duration time.Duration) *progress {
	p := &progress{byCount: count > 0, stop: make(chan struct{}), done: make(chan struct{})}
	max := count * int64(len(es))
	if !p.byCount {
		max = int64(duration / time.Second)
	}
	p.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(progressEvery/2),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)
	go p.loop(es)
	return p
}

func (p *progress) loop(es []*engine) {
	defer close(p.done)
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-p.stop:
			p.draw(es, start)
			_ = p.bar.Finish()
			return
		case <-tick.C:
			p.draw(es, start)
		}
	}
}

func (p *progress) draw(es []*engine, start time.Time) {
	var ok, failed uint64
	var inflight int64
	for _, e := range es {
		ok, failed = ok+e.rec.succeeded.Load(), failed+e.rec.failed.Load()
		inflight += e.inflight.Load()
	}
	sec := time.Since(start).Seconds()
	rate := 0.0
	if sec > 0 {
		rate = float64(ok) / sec
	}
	unit := "registrations"
	if !p.byCount {
		unit = "seconds"
	}
	// The description first: Set64 redraws, and the line should show one moment.
	p.bar.Describe(fmt.Sprintf("%s: %d ok, %d failed, %.0f reg/s, %d in flight",
		unit, ok, failed, rate, inflight))
	if p.byCount {
		_ = p.bar.Set64(int64(ok + failed))
	} else {
		_ = p.bar.Set64(min(int64(sec), p.bar.GetMax64()))
	}
}

// close draws the final state and ends the line.
func (p *progress) close(w io.Writer) {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
	fmt.Fprintln(w)
}

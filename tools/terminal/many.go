package terminal

import (
	"context"
	"sync"
	"sync/atomic"
)

// Run registers one terminal built from cfg and closes it. A Config that New refuses
// gives a Report with Outcome "failed: bad config" (the detail is in Steps).
func Run(ctx context.Context, cfg Config) Report {
	t, err := New(cfg)
	if err != nil {
		return Report{
			Identity: cfg.Identity,
			Outcome:  OutcomeFailedPrefix + "bad config",
			Steps:    []string{err.Error()},
		}
	}
	defer t.Close()
	rep, _ := t.Register(ctx)
	return rep
}

// RunMany registers every config, at most concurrency at a time (< 1 means all at
// once), and returns the reports in the order of cfgs. Each terminal has its own
// socket, opened just before its registration and closed after it.
func RunMany(ctx context.Context, cfgs []Config, concurrency int) []Report {
	return RunEach(len(cfgs), concurrency, func(i int) Report { return Run(ctx, cfgs[i]) })
}

// RunEach runs fn(0) to fn(n-1), at most concurrency at a time (< 1 means all
// at once), and returns the reports in index order: RunMany with a choice of
// what each terminal does (Run, RunAndCall).
func RunEach(n, concurrency int, fn func(i int) Report) []Report {
	reports := make([]Report, n)
	if concurrency < 1 || concurrency > n {
		concurrency = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				reports[i] = fn(i)
			}
		})
	}
	wg.Wait()
	return reports
}

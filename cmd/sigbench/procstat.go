package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ). Linux
// fixes it at 100 per second on every architecture Go supports; reading it needs
// sysconf, which pure Go cannot call.
const clockTick = 10 * time.Millisecond

// ErrProcStat reports a /proc file that could not be read or understood.
var ErrProcStat = errors.New("sigbench: /proc")

// ProcUsage is what a measured process (e.g. sigproxy) spent during the run.
type ProcUsage struct {
	Name        string  `json:"name"`
	PID         int     `json:"pid"`
	CPUSec      float64 `json:"cpu_s"`
	CPUPerTxnUS float64 `json:"cpu_us_per_transaction"`
	CPUPerRegUS float64 `json:"cpu_us_per_registration"`
	PeakRSSKiB  int64   `json:"peak_rss_kib"` // VmHWM at the end of the run
	RSSKiB      int64   `json:"rss_kib"`      // VmRSS at the end of the run

	start time.Duration
}

// watched is a process named on the command line as name=pid.
type watched struct {
	name string
	pid  int
}

// parsePIDs reads "name=pid,name=pid" (a bare pid is named "pid<N>").
func parsePIDs(s string) ([]watched, error) {
	var out []watched
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, num, ok := strings.Cut(f, "=")
		if !ok {
			name, num = "pid"+f, f
		}
		pid, err := strconv.Atoi(num)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-pid: %q is not name=pid", f)
		}
		out = append(out, watched{name: name, pid: pid})
	}
	return out, nil
}

// cpuTime returns the CPU time pid's threads have run. It sums the first field of
// /proc/<pid>/task/*/schedstat, which the scheduler keeps in nanoseconds. utime and
// stime of /proc/<pid>/stat are sampled at each clock tick instead, and overcharge a
// process that wakes in step with the tick (any paced load does), so they are used
// only when the kernel keeps no schedstat.
func cpuTime(pid int) (time.Duration, error) {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if len(files) == 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrProcStat, err)
		}
		ticks, err := parseStatTicks(b)
		return time.Duration(ticks) * clockTick, err
	}
	var sum time.Duration
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited between the listing and the read
		}
		ns, err := parseSchedstat(b)
		if err != nil {
			return 0, err
		}
		sum += ns
	}
	return sum, nil
}

// parseSchedstat reads the run time (first field, nanoseconds) of a schedstat line.
func parseSchedstat(b []byte) (time.Duration, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%w: empty schedstat", ErrProcStat)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ns < 0 {
		return 0, fmt.Errorf("%w: schedstat run time not a number", ErrProcStat)
	}
	return time.Duration(ns), nil
}

// parseStatTicks reads fields 14 and 15 (utime, stime) of a /proc/<pid>/stat line.
// The command name (field 2) may hold spaces and parentheses, so fields are counted
// from the last ')'.
func parseStatTicks(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: stat without command name", ErrProcStat)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')' come field 3 (state) onwards: utime is field 14, so index 11.
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: stat has %d fields", ErrProcStat, len(f)+2)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%w: stat times not numbers", ErrProcStat)
	}
	return ut + st, nil
}

// memKiB returns VmHWM and VmRSS of pid in KiB.
func memKiB(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", ErrProcStat, err)
	}
	return parseStatusMem(b)
}

// parseStatusMem reads the VmHWM and VmRSS lines of /proc/<pid>/status.
func parseStatusMem(b []byte) (hwm, rss int64, err error) {
	found := 0
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: %s not a number", ErrProcStat, name)
		}
		if name == "VmHWM" {
			hwm = n
		} else {
			rss = n
		}
		found++
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("%w: status without VmHWM and VmRSS", ErrProcStat)
	}
	return hwm, rss, nil
}

// startUsage samples each watched process's CPU at the start of the measured run.
func startUsage(ws []watched) ([]ProcUsage, error) {
	out := make([]ProcUsage, len(ws))
	for i, w := range ws {
		t, err := cpuTime(w.pid)
		if err != nil {
			return nil, fmt.Errorf("%s (pid %d): %w", w.name, w.pid, err)
		}
		out[i] = ProcUsage{Name: w.name, PID: w.pid, start: t}
	}
	return out, nil
}

// finishUsage samples again and divides the CPU spent by the work done.
func finishUsage(us []ProcUsage, transactions, registrations uint64) error {
	for i := range us {
		u := &us[i]
		t, err := cpuTime(u.PID)
		if err != nil {
			return fmt.Errorf("%s (pid %d): %w", u.Name, u.PID, err)
		}
		u.CPUSec = (t - u.start).Seconds()
		if transactions > 0 {
			u.CPUPerTxnUS = u.CPUSec * 1e6 / float64(transactions)
		}
		if registrations > 0 {
			u.CPUPerRegUS = u.CPUSec * 1e6 / float64(registrations)
		}
		if u.PeakRSSKiB, u.RSSKiB, err = memKiB(u.PID); err != nil {
			return fmt.Errorf("%s (pid %d): %w", u.Name, u.PID, err)
		}
	}
	return nil
}

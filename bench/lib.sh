# Helpers of bench/run (sourced): starting and stopping the processes it owns,
# waiting for their sockets, and reading /proc and sigbench's JSON. Every
# process started here is tracked by its pid and stopped by that pid.

PIDS=()
LAST_PID=

say() { printf '%s\n' "$*" >&2; }

# stop_all ends every process this run started (the EXIT trap).
stop_all() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}

# pin CPU CMD...: runs CMD on one core when taskset exists (CPU "" = anywhere).
pin() {
  local cpu=$1
  shift
  if [ -n "$cpu" ] && [ -n "${TASKSET:-}" ]; then
    taskset -c "$cpu" "$@"
  else
    "$@"
  fi
}

# start NAME CPU CMD...: starts CMD in the background pinned to CPU, logging to
# $OUT/log/NAME.log; its pid is in LAST_PID. The command is run directly (not
# through a shell function), so LAST_PID is the process itself: taskset execs it.
start() {
  local name=$1 cpu=$2
  shift 2
  local cmd=("$@")
  if [ -n "$cpu" ] && [ -n "${TASKSET:-}" ]; then
    cmd=(taskset -c "$cpu" "$@")
  fi
  "${cmd[@]}" >"$OUT/log/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# stop PID: ends one process this run started and waits for it.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do
    [ "$p" = "$1" ] || keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

# wait_port udp|tcp PORT: waits up to 10 s for a socket bound on 127.0.0.1:PORT
# (read from /proc/net, so no extra tool is needed).
wait_port() {
  local proto=$1 hex
  hex=$(printf '%04X' "$2")
  for _ in $(seq 100); do
    if awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
      "/proc/net/$proto"; then
      return 0
    fi
    sleep 0.1
  done
  say "nothing bound $proto port $2 within 10 s (see $OUT/log)"
  return 1
}

# tree PID: the pid and all its descendants (Kamailio forks its workers).
tree() {
  local c
  echo "$1"
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    tree "$c"
  done
}

# cpu_ns PID...: CPU time the processes' threads have run, in nanoseconds: the
# first field of /proc/PID/task/*/schedstat, which the scheduler keeps exactly.
# utime+stime of /proc/PID/stat are sampled at the clock tick, and overcharge a
# process that wakes in step with the tick (paced load does), so they are only
# the fallback when the kernel has no schedstat.
cpu_ns() {
  local p s=0 t
  for p in "$@"; do
    if compgen -G "/proc/$p/task/*/schedstat" >/dev/null; then
      t=$(awk '{ s += $1 } END { printf "%.0f", s }' /proc/"$p"/task/*/schedstat 2>/dev/null || echo 0)
    else
      t=$(awk '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 10000000 }' /proc/"$p"/stat \
        2>/dev/null || echo 0)
    fi
    s=$((s + t))
  done
  echo "$s"
}

# mem_kib FIELD PID...: VmHWM or VmRSS summed over the processes, in KiB.
mem_kib() {
  local f=$1 p s=0 t
  shift
  for p in "$@"; do
    t=$(awk -v f="$f:" '$1 == f { print $2 }' /proc/"$p"/status 2>/dev/null || echo 0)
    s=$((s + ${t:-0}))
  done
  echo "$s"
}

# jnum FILE KEY [BLOCK]: a number from sigbench's indented JSON, optionally the
# one inside the object BLOCK.
jnum() {
  awk -v key="\"$2\":" -v blk="${3:+\"$3\":}" '
    blk != "" && index($0, blk) { inblk = 1; next }
    (blk == "" || inblk) && $1 == key { v = $2; gsub(/[,"]/, "", v); print v; exit }
  ' "$1"
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%.0f\", v; else printf \"%.1f\", v }"; }

# median_table FILES...: one markdown row per row name, each cell the median of
# the repetitions and, when there are several, their range.
median_table() {
  awk -F'\t' '
    function cell(name, c,   n, i, j, v, t, med) {
      n = 0
      for (i = 1; i <= reps[name]; i++) {
        v = val[name, i, c]
        if (v != "-" && v != "") { a[++n] = v + 0 }
      }
      if (n == 0) return "-"
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      if (n == 1 || a[1] == a[n]) return fmt(med)
      return fmt(med) " (" fmt(a[1]) "–" fmt(a[n]) ")"
    }
    function fmt(x,   m) {
      m = x < 0 ? -x : x
      if (x == int(x) || m >= 100) return sprintf("%.0f", x)
      return sprintf(m >= 10 ? "%.1f" : "%.2f", x)
    }
    {
      if (!($1 in reps)) { order[++rows] = $1 }
      r = ++reps[$1]
      if ($2 ~ /^skipped/) { skipped[$1] = $2; next }
      for (c = 2; c <= NF; c++) val[$1, r, c] = $c
    }
    END {
      for (k = 1; k <= rows; k++) {
        name = order[k]
        if (name in skipped) { printf "| %s | %s | | | | | | | | | |\n", name, skipped[name]; continue }
        line = "| " name
        for (c = 2; c <= 11; c++) line = line " | " cell(name, c)
        print line " |"
      }
    }' "$@"
}

# cpu_times: total and steal jiffies of all CPUs, from /proc/stat.
cpu_times() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat; }

# steal_pct "TOTAL0 STEAL0": the share of CPU time the hypervisor took since that
# sample, in percent. A virtual machine whose host is busy loses its CPUs for
# milliseconds at a time, which shows in latency tails and in nothing else.
steal_pct() {
  local t0 s0 t1 s1
  read -r t0 s0 <<<"$1"
  read -r t1 s1 <<<"$(cpu_times)"
  awk -v t="$((t1 - t0))" -v s="$((s1 - s0))" 'BEGIN { printf "%.0f", (t > 0 ? 100 * s / t : 0) }'
}

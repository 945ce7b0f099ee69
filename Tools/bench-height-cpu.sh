#!/usr/bin/env bash
# What a height costs the machine (docs/PERFORMANCE.md, "What a height costs the two cores"):
# runs `ratify bench finality` with four validators and, in the middle of the run,
#   1. the CPU time and context switches of the four validator processes over WINDOW seconds
#      (`perf stat -e task-clock,context-switches`), divided by the heights made meanwhile
#      (`ratify_consensus_height` from one validator's /metrics before and after);
#   2. how busy the machine's cores are while a height is in progress: `perf record -a` samples
#      every CPU at 2,999 Hz, each sample counts as busy unless the CPU was idle (`swapper`),
#      and the busy share is taken per millisecond; a run of milliseconds with any activity
#      (gaps of at most 2 ms, at least 4 ms long) is one height's activity window;
#   3. the wake-ups on the whole machine per height, by cause: `perf record -a -g -e
#      sched:sched_wakeup` for 2 s, each wake-up named by the innermost known function of the
#      kernel stack that made it (a device flush and its completion, socket data, an eventfd
#      write to an event loop, a futex, a timer, a pipe).
#
#   Tools/bench-height-cpu.sh [--binary PATH] [--window SECONDS] [-- BENCH ARGUMENTS...]
#
# The bench arguments default to one transfer at a time (`--rate 20 --clients 1`); the run
# lasts WINDOW (default 6) + 18 seconds. Needs perf (Debian: linux-perf) and python3, as root.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/ratify window=6
while (($#)); do
    case $1 in
        --binary) binary=${2:-}; shift 2 ;;
        --window) window=${2:-}; shift 2 ;;
        --) shift; break ;;
        *) echo "bench-height-cpu: unknown argument $1 (bench arguments go after --)" >&2; exit 2 ;;
    esac
done
bench_args=("$@")
((${#bench_args[@]})) || bench_args=(--rate 20 --clients 1)
[[ $window =~ ^[1-9][0-9]*$ ]] || { echo "bench-height-cpu: --window expects whole seconds, got '$window'" >&2; exit 2; }
[ -x "$binary" ] || { echo "bench-height-cpu: $binary not found; run: swift build -c release --product ratify" >&2; exit 2; }
for tool in perf python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench-height-cpu: $tool not found (Debian: linux-perf, python3, curl)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/bench-height-cpu.XXXXXX)
bench_pid=
cleanup() {
    [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$binary" bench finality --validators 4 "${bench_args[@]}" --duration $((window + 14)) --warmup 3 \
    --json-file "$work/bench.json" > "$work/bench.out" 2>&1 &
bench_pid=$!
sleep 8

# The validators are the bench's `ratify start` children.
mapfile -t nodes < <(pgrep -P "$bench_pid" -f ' start ' || true)
((${#nodes[@]} == 4)) || { echo "bench-height-cpu: expected 4 validator processes, found ${#nodes[@]}" >&2; cat "$work/bench.out" >&2; exit 1; }
home=$(tr '\0' '\n' < "/proc/${nodes[0]}/cmdline" | grep -A1 -- '^--home$' | tail -1)
metrics_port=$(grep prometheus_listen_address "$home/config/config.toml" | sed 's/.*:\([0-9]*\)".*/\1/')
height() { curl -sf "127.0.0.1:$metrics_port/metrics" | awk '$1 == "ratify_consensus_height" { print $2 }'; }

height_before=$(height)
perf stat -x, -e task-clock,context-switches -p "$(IFS=,; echo "${nodes[*]}")" -- sleep "$window" 2> "$work/stat.csv"
height_after=$(height)
perf record -q -a -F 2999 -o "$work/perf.data" -- sleep 4 2> /dev/null
perf record -q -a -g -e sched:sched_wakeup -o "$work/wake.data" -- sleep 2 2> /dev/null
perf script -i "$work/perf.data" -F comm,cpu,time 2> /dev/null > "$work/samples.txt"
perf script -i "$work/wake.data" -F comm,time,event,ip,sym 2> /dev/null > "$work/wakeups.txt"
wait "$bench_pid" || { echo "bench-height-cpu: the benchmark failed" >&2; cat "$work/bench.out" >&2; exit 1; }
bench_pid=

python3 - "$height_before" "$height_after" "$work/stat.csv" "$work/samples.txt" "$work/bench.json" \
    "$window" "$work/wakeups.txt" <<'PY'
import collections, json, re, statistics, sys
before, after, stat_path, samples_path, bench_path, window, wakeups_path = sys.argv[1:]
heights = float(after) - float(before)
if heights <= 0:
    sys.exit("bench-height-cpu: no height was made during the window")
counters = {}
for line in open(stat_path):
    fields = line.strip().split(',')
    if len(fields) >= 3 and fields[0] not in ('', '<not counted>'):
        counters[fields[2]] = float(fields[0])
print(f"heights in the window: {heights:.0f}")
print(f"four validators, per height: CPU {counters['task-clock'] / heights:.2f} ms, "
      f"context switches {counters['context-switches'] / heights:.1f}")

# Busy share of each CPU per millisecond: samples not in the idle task over all samples.
busy = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
cpus = set()
for line in open(samples_path):
    fields = line.split()
    if len(fields) < 3:
        continue
    # A thread's name may hold spaces: the CPU and the time are the last two fields.
    comm, cpu, stamp = ' '.join(fields[:-2]), int(fields[-2].strip('[]')), float(fields[-1].rstrip(':'))
    cpus.add(cpu)
    cell = busy[int(stamp * 1000)][cpu]
    cell[1] += 1
    if comm != 'swapper':
        cell[0] += 1
millis = sorted(busy)
share = {ms: sum(b / n for b, n in busy[ms].values() if n) for ms in millis}
windows, current = [], []
for ms in millis:
    if share[ms] <= 0:
        continue
    if current and ms - current[-1] > 2:
        windows.append(current)
        current = []
    current.append(ms)
windows.append(current)
windows = [w for w in windows if w and w[-1] - w[0] + 1 >= 4]
if windows:
    lengths = [w[-1] - w[0] + 1 for w in windows]
    cores = [sum(share.get(ms, 0) for ms in range(w[0], w[-1] + 1)) / (w[-1] - w[0] + 1) for w in windows]
    inside = [share.get(ms, 0) for w in windows for ms in range(w[0], w[-1] + 1)]
    full = sum(1 for s in inside if s >= len(cpus) - 0.01) / len(inside)
    overall = sum(share.values()) / (millis[-1] - millis[0] + 1)
    print(f"cores busy over 4 s: {overall:.2f} of {len(cpus)}")
    print(f"activity windows: {len(windows)}, {statistics.median(lengths)} ms long (p50); cores busy in a window "
          f"{statistics.median(cores):.2f} of {len(cpus)} (p50); every core busy in {full:.0%} of their milliseconds")

# Each wake-up is named by the innermost frame of the kernel stack that made it that a rule
# knows: an I/O completion that interrupts a socket write is the storage stack's, not TCP's.
rules = [
    (('eventfd_write',), 'a thread hands work to an event loop (eventfd)'),
    (('pipe_write',), 'a log line through a pipe'),
    (('tcp_',), 'socket data for its reader (TCP)'),
    (('udp_',), 'socket data for its reader (UDP)'),
    (('unix_',), 'socket data for its reader (Unix)'),
    (('blk_', 'folio_end_writeback', 'end_buffer_write_sync', 'ext4_'),
     'the storage stack: device flushes, their completions, written pages'),
    (('futex',), 'a semaphore or lock (futex): mostly a thread pool waking a worker'),
    (('hrtimer', 'timerfd'), 'a timer'),
]
causes, wakeups, stamps = collections.Counter(), 0, []
for block in open(wakeups_path).read().split('\n\n'):
    lines = block.strip().split('\n')
    # perf's own wake-ups (its start and stop) are not the chain's.
    if 'sched:sched_wakeup' not in lines[0] or lines[0].split()[0].startswith('perf'):
        continue
    wakeups += 1
    stamps.append(float(re.search(r'\s(\d+\.\d+):\s', lines[0]).group(1)))
    frames = [line.split()[1] for line in lines[1:] if len(line.split()) > 1]
    causes[next((name for frame in frames for keys, name in rules if any(key in frame for key in keys)), 'other')] += 1
# The heights of the traced span, at the rate of the first measurement's window.
wake_heights = (max(stamps) - min(stamps)) * heights / float(window) if stamps else 0
if wake_heights > 0:
    print(f"wake-ups on the machine per height: {wakeups / wake_heights:.1f} (over {wake_heights:.0f} heights)")
    for cause, count in causes.most_common():
        print(f"  {count / wake_heights:6.1f}  {cause}")
run = json.load(open(bench_path))['runs'][0]
final = run['latency_ms']['submit_to_final']
print(f"submit -> final: p50 {final['p50']:.2f} ms, p99 {final['p99']:.2f} ms; {run['blocks']['per_s']} blocks/s")
PY

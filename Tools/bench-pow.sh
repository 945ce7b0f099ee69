#!/usr/bin/env bash
# The proof-of-work hashing benchmark (docs/PERFORMANCE.md, "Proof of work"): builds the plain
# C reference loop (Benchmarks/baseline/pow_reference.c, gcc -O2) and `ratify` in release mode,
# then runs the two alternately, ROUNDS times for each thread count, and prints per-round
# figures with the load average beside them and a table of medians.
#
#   Tools/bench-pow.sh                 # 5 rounds of 5 s, 1 and 2 threads
#   Tools/bench-pow.sh 3 3 1 2         # ROUNDS SECONDS THREADS...
#
# Needs gcc, pkg-config and libssl-dev. The hashing rate needs every core: run it when the
# machine is otherwise quiet and keep the load figures with the results.
set -euo pipefail

rounds="${1:-5}"
seconds="${2:-5}"
shift $(( $# > 2 ? 2 : $# )) || true
thread_counts=("$@")
[ ${#thread_counts[@]} -gt 0 ] || thread_counts=(1 2)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output_dir="$root/Benchmarks/.build/baseline"
reference="$output_dir/pow_reference"

for tool in gcc pkg-config swift; do
    command -v "$tool" >/dev/null || { echo "bench-pow: $tool not found; install it" >&2; exit 1; }
done
flags="$(pkg-config --cflags --libs libcrypto 2>/dev/null)" || { echo "bench-pow: pkg-config cannot find libcrypto; install libssl-dev" >&2; exit 1; }

mkdir -p "$output_dir"
# shellcheck disable=SC2086 # pkg-config's flags are meant to split
gcc -O2 -Wall -Wextra -o "$reference" "$root/Benchmarks/baseline/pow_reference.c" $flags -lpthread
(cd "$root" && swift build -c release --product ratify >/dev/null)
ratify="$root/.build/release/ratify"

# "per-thread" and "total" lines of either program -> "PER TOTAL"
figures() { awk '/^per-thread/ { p = $2 } /^total/ { t = $2 } /^cancel/ { c = $3 " " $6 } END { print p, t, c }'; }
load() { awk '{ print $1 }' /proc/loadavg; }

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "round threads  side   per-thread  total      load   (MH/s; cancel median/max ms)"
for round in $(seq 1 "$rounds"); do
    for threads in "${thread_counts[@]}"; do
        c_load="$(load)"
        read -r c_per c_total _ < <("$reference" "$threads" "$seconds" | figures)
        s_load="$(load)"
        read -r s_per s_total s_cancel_median s_cancel_max < <("$ratify" pow bench --threads "$threads" --seconds "$seconds" | figures)
        printf "%5d %7d  C      %10s  %-9s  %s\n" "$round" "$threads" "$c_per" "$c_total" "$c_load"
        printf "%5d %7d  Swift  %10s  %-9s  %s   cancel %s/%s\n" "$round" "$threads" "$s_per" "$s_total" "$s_load" "$s_cancel_median" "$s_cancel_max"
        echo "$threads $c_per $c_total $s_per $s_total" >> "$results"
    done
done

echo
echo "medians over $rounds rounds of ${seconds} s"
echo "threads  C per-thread  C total  Swift per-thread  Swift total  Swift/C per-thread"
for threads in "${thread_counts[@]}"; do
    awk -v t="$threads" '$1 == t' "$results" | sort -k1 | awk '
        { c[NR] = $2; ct[NR] = $3; s[NR] = $4; st[NR] = $5 }
        function median(a, n,   i, j, x) {
            for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            n = NR; cm = median(c, n); ctm = median(ct, n); sm = median(s, n); stm = median(st, n)
            printf "%7d  %12.2f  %7.2f  %16.2f  %11.2f  %17.3f\n", $1, cm, ctm, sm, stm, sm / cm
        }'
done

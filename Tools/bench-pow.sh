#!/usr/bin/env bash
# The proof-of-work hashing benchmark (docs/PERFORMANCE.md, "Proof of work"): builds the plain
# C reference loop (Benchmarks/baseline/pow_reference.c, gcc -O2) and `ratify` in release mode,
# then runs the two alternately for each thread count and hashing core, ROUNDS times, and
# prints per-round figures with the load average beside them and a table of medians.
#
#   Tools/bench-pow.sh                      # 3 rounds of 5 s; 1 and 2 threads; both cores
#   Tools/bench-pow.sh 5 5 1 2              # ROUNDS SECONDS THREADS...
#   CORES=openssl Tools/bench-pow.sh        # one core only (openssl, sha-ni-x2)
#
# Needs gcc, pkg-config and libssl-dev. The hash rate needs every core of the machine: run it
# when the machine is otherwise quiet and keep the load figures with the results.
set -euo pipefail

rounds="${1:-3}"
seconds="${2:-5}"
shift $(( $# > 2 ? 2 : $# )) || true
thread_counts=("$@")
[ ${#thread_counts[@]} -gt 0 ] || thread_counts=(1 2)
read -r -a cores <<< "${CORES:-openssl sha-ni-x2}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output_dir="$root/Benchmarks/.build/baseline"
reference="$output_dir/pow_reference"

for tool in gcc pkg-config swift; do
    command -v "$tool" >/dev/null || { echo "bench-pow: $tool not found; install it" >&2; exit 1; }
done
flags="$(pkg-config --cflags --libs libcrypto 2>/dev/null)" || { echo "bench-pow: pkg-config cannot find libcrypto; install libssl-dev" >&2; exit 1; }

mkdir -p "$output_dir"
# shellcheck disable=SC2086 # pkg-config's flags are meant to split
gcc -O2 -Wall -Wextra -I"$root/Sources/CSHA256D/include" -o "$reference" \
    "$root/Benchmarks/baseline/pow_reference.c" "$root/Sources/CSHA256D/sha256d_ni.c" $flags -lpthread
(cd "$root" && swift build -c release --product ratify >/dev/null)
ratify="$root/.build/release/ratify"

# The "per-thread", "total" and "cancel" lines of either program -> "PER TOTAL [MEDIAN MAX]"
figures() { awk '/^per-thread/ { p = $2 } /^total/ { t = $2 } /^cancel/ { c = $3 " " $6 } END { print p, t, c }'; }
load() { awk '{ print $1 }' /proc/loadavg; }

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "round threads  core       side   per-thread  total   load  (MH/s; Swift: cancel median/max ms)"
for round in $(seq 1 "$rounds"); do
    for threads in "${thread_counts[@]}"; do
        for core in "${cores[@]}"; do
            c_load="$(load)"
            read -r c_per c_total _ < <("$reference" "$threads" "$seconds" "$core" | figures)
            s_load="$(load)"
            read -r s_per s_total s_median s_max < <("$ratify" pow bench --threads "$threads" --seconds "$seconds" --core "$core" | figures)
            printf "%5d %7d  %-9s  C      %10s  %6s  %5s\n" "$round" "$threads" "$core" "$c_per" "$c_total" "$c_load"
            printf "%5d %7d  %-9s  Swift  %10s  %6s  %5s  cancel %s/%s\n" "$round" "$threads" "$core" "$s_per" "$s_total" "$s_load" "$s_median" "$s_max"
            echo "$threads $core $c_per $c_total $s_per $s_total" >> "$results"
        done
    done
done

echo
echo "medians over $rounds rounds of ${seconds} s (MH/s)"
echo "threads  core       C per-thread  C total  Swift per-thread  Swift total  Swift/C"
for threads in "${thread_counts[@]}"; do
    for core in "${cores[@]}"; do
        awk -v t="$threads" -v c="$core" '$1 == t && $2 == c' "$results" | awk -v t="$threads" -v core="$core" '
            { cp[NR] = $3; ct[NR] = $4; sp[NR] = $5; st[NR] = $6 }
            function median(a, n,   i, j, x) {
                for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            END {
                a = median(cp, NR); b = median(ct, NR); c = median(sp, NR); d = median(st, NR)
                printf "%7d  %-9s  %12.2f  %7.2f  %16.2f  %11.2f  %7.3f\n", t, core, a, b, c, d, c / a
            }'
    done
done

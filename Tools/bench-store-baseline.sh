#!/usr/bin/env bash
# Builds and runs the C baseline for the storage benchmarks: liblmdb called directly, durable
# commits of one value (128 B, 4 KiB, a 1,000-transaction block's 160,486 B), the same 4 KiB
# commit with one and with no sync, a pwrite+fdatasync floor, and a transaction shaped like
# RatifyStore's block commit (docs/PERFORMANCE.md, "Storage"); then the durable write of one
# signature with four writers at once, as an LMDB commit and as one O_DSYNC append to a log of
# its own (Benchmarks/baseline/flush_baseline.c; "What a height costs the two cores").
#
#   Tools/bench-store-baseline.sh                 # data under Benchmarks/.build/baseline/, ~30 s
#   Tools/bench-store-baseline.sh DIR             # data in DIR/lmdb-baseline-XXXXXX (removed after)
#   Tools/bench-store-baseline.sh DIR 0.1         # a tenth of the samples, for a quick check
#
# DIR must be on the file system you mean to measure; a tmpfs makes every figure meaningless
# (the program prints the file system it found). Needs gcc, pkg-config and liblmdb-dev.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
baseline="$root/Benchmarks/baseline"
output_dir="$root/Benchmarks/.build/baseline"
parent="${1:-$output_dir}"
scale="${2:-1}"

for tool in gcc pkg-config; do
    command -v "$tool" >/dev/null || { echo "bench-store-baseline: $tool not found; install it (apt-get install $tool)" >&2; exit 1; }
done
if ! flags="$(pkg-config --cflags --libs lmdb 2>/dev/null)"; then
    echo "bench-store-baseline: pkg-config cannot find lmdb; install liblmdb-dev" >&2
    exit 1
fi

mkdir -p "$output_dir" "$parent"
# shellcheck disable=SC2086 # pkg-config's flags are meant to split
gcc -O2 -Wall -Wextra -o "$output_dir/lmdb_baseline" "$baseline/lmdb_baseline.c" $flags
# shellcheck disable=SC2086
gcc -O2 -Wall -Wextra -o "$output_dir/flush_baseline" "$baseline/flush_baseline.c" $flags -lpthread
data="$(mktemp -d "$parent/lmdb-baseline-XXXXXX")"
trap 'rm -rf "$data"' EXIT
echo "load: $(uptime)"
"$output_dir/lmdb_baseline" "$data" "$scale"
flush_samples=$(awk -v scale="$scale" 'BEGIN { samples = int(1000 * scale); print (samples < 10 ? 10 : samples) }')
"$output_dir/flush_baseline" "$data" 4 "$flush_samples"
echo "load: $(uptime)"

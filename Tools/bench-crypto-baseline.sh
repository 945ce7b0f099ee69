#!/usr/bin/env bash
# Builds and runs the C baseline for the crypto benchmarks: libsodium's Ed25519 and OpenSSL's
# SHA-256 called directly, on the inputs the Swift benchmarks use (docs/PERFORMANCE.md).
#
#   Tools/bench-crypto-baseline.sh          # full run, about 10 s
#   Tools/bench-crypto-baseline.sh 0.1      # a tenth of the samples, for a quick check
#
# Needs gcc, pkg-config, libsodium-dev and libssl-dev (Tools/ has the set-up script).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="$root/Benchmarks/baseline/crypto_baseline.c"
output_dir="$root/Benchmarks/.build/baseline"
binary="$output_dir/crypto_baseline"

for tool in gcc pkg-config; do
    command -v "$tool" >/dev/null || { echo "bench-crypto-baseline: $tool not found; install it (apt-get install $tool)" >&2; exit 1; }
done
if ! flags="$(pkg-config --cflags --libs libsodium libcrypto 2>/dev/null)"; then
    echo "bench-crypto-baseline: pkg-config cannot find libsodium or libcrypto; install libsodium-dev libssl-dev" >&2
    exit 1
fi

mkdir -p "$output_dir"
# shellcheck disable=SC2086 # pkg-config's flags are meant to split
gcc -O2 -Wall -Wextra -o "$binary" "$source_file" $flags
"$binary" "$@"

#!/usr/bin/env bash
# Compares RatifyCore's crypto wrappers with libsodium and OpenSSL called directly from C.
# Runs the Swift suite (Benchmarks/, ordo-one/benchmark, release build) and the C baseline
# (Tools/bench-crypto-baseline.sh) alternately ROUNDS times, then prints, per operation, the
# median over rounds of each run's p50 in ns/op and the Swift overhead in percent.
#
#   Tools/bench-crypto-compare.sh [ROUNDS]      # default 5 rounds, about 4 minutes
#
# Other builds on the machine skew both sides: run it at a quiet moment (check `uptime`).
# Raw outputs stay in Benchmarks/.build/compare/.
set -euo pipefail

rounds="${1:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/Benchmarks/.build/compare"
rm -rf "$out" && mkdir -p "$out"

echo "load before: $(uptime)" >&2
for round in $(seq 1 "$rounds"); do
    echo "round $round/$rounds" >&2
    (cd "$root/Benchmarks" && swift package --disable-sandbox benchmark --target RatifyCrypto \
        --metric wallClock --grouping metric --no-progress) >"$out/swift-$round.txt" 2>"$out/swift-$round.err"
    "$root/Tools/bench-crypto-baseline.sh" >"$out/c-$round.txt"
done
echo "load after: $(uptime)" >&2

python3 - "$out" "$rounds" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
swift, c = {}, {}
for r in range(1, rounds + 1):
    for line in open(f"{out}/swift-{r}.txt"):
        m = re.match(r"│ RatifyCrypto:(.+?) \(ns\) \*\s*│([^│]+)│([^│]+)│([^│]+)│", line)
        if m: swift.setdefault(m.group(1), []).append(float(m.group(4)))
    for line in open(f"{out}/c-{r}.txt"):
        m = re.match(r"(.+?)\s+p50\s+([\d.]+) ns/op", line)
        if m: c.setdefault(m.group(1), []).append(float(m.group(2)))
print("| Operation | Swift p50 (ns/op) | C p50 (ns/op) | Overhead |")
print("|---|---:|---:|---:|")
for name, values in c.items():
    if name not in swift:
        if "one-shot" in name:  # a C reference line with no Swift counterpart
            print(f"| {name} | | {statistics.median(values):,.0f} | |")
            continue
        sys.exit(f"bench-crypto-compare: no Swift result for '{name}'")
    s, b = statistics.median(swift[name]), statistics.median(values)
    print(f"| {name} | {s:,.0f} | {b:,.0f} | {100 * (s - b) / b:+.1f}% |")
print(f"\n(median over {rounds} rounds of each run's p50; per-round Swift p50s: "
      + "; ".join(f"{n}: {', '.join(f'{v:.0f}' for v in swift[n])}" for n in c if n in swift) + ")")
PY

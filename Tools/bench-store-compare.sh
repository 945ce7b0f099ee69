#!/usr/bin/env bash
# Runs RatifyStore's durable-write benchmarks (Benchmarks/, suite RatifyStorage, release build)
# and the C LMDB baseline (Tools/bench-store-baseline.sh) alternately ROUNDS times, then prints,
# per operation, the median over rounds of each run's p50 and p99, of the KiB written per commit
# and of the p50 CPU time per commit (thread CPU time: the commit without its disk waits),
# Ratify beside the C figure it is compared with (docs/PERFORMANCE.md, "Storage").
#
#   Tools/bench-store-compare.sh [ROUNDS] [DIR]     # default 5 rounds (about 10 minutes), DIR /var/tmp
#
# Both sides write under DIR, which must be on the file system to be measured (not a tmpfs).
# fsync latency depends on everything else using the disk: note `uptime` (printed before and
# after each round) and prefer a quiet moment. Raw outputs stay in Benchmarks/.build/store-compare/.
set -euo pipefail

rounds="${1:-5}"
directory="${2:-/var/tmp}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/Benchmarks/.build/store-compare"
rm -rf "$out" && mkdir -p "$out"

for round in $(seq 1 "$rounds"); do
    echo "round $round/$rounds, load before: $(uptime)" >&2
    (cd "$root/Benchmarks" && RATIFY_BENCH_STORE_DIR="$directory" swift package --disable-sandbox benchmark \
        --target RatifyStorage --grouping metric --no-progress) >"$out/swift-$round.txt" 2>"$out/swift-$round.err"
    "$root/Tools/bench-store-baseline.sh" "$directory" >"$out/c-$round.txt"
    echo "round $round/$rounds, load after: $(uptime)" >&2
done

python3 - "$out" "$rounds" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
swift, c = {}, {}  # name -> {"p50": [...], "p99": [...], "kib": [...], "cpu": [...], "rate": [...]}
def add(table, name, key, value):
    table.setdefault(name, {}).setdefault(key, []).append(value)
for r in range(1, rounds + 1):
    section = None
    for line in open(f"{out}/swift-{r}.txt"):
        if not line.startswith("│"):
            if line.strip() and not line.startswith(("╒", "╞", "├", "╘")): section = line.strip()
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        m = re.match(r"RatifyStorage:(.+?)(?: \((μs|ms)\) \*)?$", cells[0])
        if not m or len(cells) < 9: continue
        name, unit = m.group(1), m.group(2)
        p50, p99 = float(cells[3]), float(cells[6])
        if section == "Time (wall clock)":
            scale = 1000.0 if unit == "ms" else 1.0
            add(swift, name, "p50", p50 * scale); add(swift, name, "p99", p99 * scale)
        elif section == "KiB written per commit":
            add(swift, name, "kib", p50)
        elif section == "CPU µs per commit":
            add(swift, name, "cpu", p50)
        elif section == "Blocks per second":
            add(swift, name, "rate", p50)
    for line in open(f"{out}/c-{r}.txt"):
        m = re.match(r"(.+?)\s+p50\s+([\d.]+) us\s+p99\s+([\d.]+) us.*written\s+([\d.]+) KiB/op\s+cpu p50\s+([\d.]+) us", line)
        if m:
            add(c, m.group(1), "p50", float(m.group(2))); add(c, m.group(1), "p99", float(m.group(3)))
            add(c, m.group(1), "kib", float(m.group(4))); add(c, m.group(1), "cpu", float(m.group(5)))
        m = re.match(r"(.+?)\s+([\d.]+) blocks/s back to back", line)
        if m: add(c, m.group(1), "rate", float(m.group(2)))

def med(table, name, key):
    values = table.get(name, {}).get(key)
    if not values: sys.exit(f"bench-store-compare: no '{key}' for '{name}' in every round's output")
    return statistics.median(values)
def us(value): return f"{value / 1000:,.2f} ms" if value >= 1000 else f"{value:,.0f} µs"

pairs = [  # Ratify row, C row it is compared with
    ("Block commit, 1,000 tx, durable", "Ratify-shaped block, 1,000 tx (full txn)"),
    ("Block commit, 1,000 tx, durable, pre-encoded", "Ratify-shaped block, 1,000 tx (full txn)"),
    ("Signer-state update, durable", "Durable commit, 128 B value"),
    ("WAL append, vote record, durable", "Durable commit, 128 B value"),
]
print("| Operation | Ratify p50 / p99 | KiB written | CPU p50 | C LMDB baseline | C p50 / p99 | KiB written | CPU p50 |")
print("|---|---:|---:|---:|---|---:|---:|---:|")
for name, baseline in pairs:
    print(f"| {name} | {us(med(swift, name, 'p50'))} / {us(med(swift, name, 'p99'))} | {med(swift, name, 'kib'):,.0f} "
          f"| {us(med(swift, name, 'cpu'))} | {baseline} | {us(med(c, baseline, 'p50'))} / {us(med(c, baseline, 'p99'))} "
          f"| {med(c, baseline, 'kib'):,.0f} | {us(med(c, baseline, 'cpu'))} |")
burst = next(n for n in swift if n.startswith("Block commits back to back"))
print(f"| Blocks per second, back to back | {med(swift, burst, 'rate'):,.0f} /s | | | Ratify-shaped block, back to back "
      f"| {med(c, 'Ratify-shaped block, back to back', 'rate'):,.0f} /s | | |")
print()
print("C rows (median over rounds of p50 / p99, KiB written per commit, CPU p50):")
for name in c:
    if "p50" in c[name]:
        print(f"  {name}: {us(med(c, name, 'p50'))} / {us(med(c, name, 'p99'))}, {med(c, name, 'kib'):,.1f} KiB, "
              f"CPU {us(med(c, name, 'cpu'))}")
encode = "Block commit encoding only, 1,000 tx (no I/O)"
print(f"Ratify encoding only (no I/O): {us(med(swift, encode, 'p50'))} / {us(med(swift, encode, 'p99'))}")
print()
print("Per-round p50s:")
for name in swift:
    for key in ("p50", "cpu", "rate"):
        if key in swift[name]: print(f"  Ratify {name} {key}: " + ", ".join(f"{v:,.0f}" for v in swift[name][key]))
for name in c:
    for key in ("p50", "cpu", "rate"):
        if key in c[name]: print(f"  C {name} {key}: " + ", ".join(f"{v:,.1f}" for v in c[name][key]))
PY

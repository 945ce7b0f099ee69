#!/usr/bin/env bash
# Block sync speed: how many decided blocks (and transactions) per second a node that is
# behind applies.
#
#   Tools/bench-sync.sh [SECONDS_OF_CHAIN] [BINARY]
#   LOAD_RATE=1000 Tools/bench-sync.sh 60      # full blocks: ~1,000 transfers each
#
# Two validators with a 1 ms heartbeat and timeout_commit 0 build a chain of empty blocks for
# SECONDS_OF_CHAIN (default 20); then one of them stops, which halts the chain (the other alone
# lacks 2/3), and a fresh non-validator home of the same testnet syncs the whole chain from the
# survivor. The script prints the syncing node's applied blocks and transactions per second,
# from its own "finalized" log lines. BINARY defaults to .build/release/ratify (build it with
# `swift build -c release --product ratify`). With PERF_OUT=FILE the syncing node runs under
# `perf record -g -o FILE` for a profile of the per-block path (`perf report -i FILE`).
#
# With LOAD_RATE=R, `ratify bench finality --attach` sends R signed transfers a second to the two
# validators while the chain is built, and every height waits BLOCK_MS (default 1000) after its
# decision, so each block carries about R * BLOCK_MS / 1000 transfers. The wait is the genesis's
# timeout_commit_ms, which a node cuts short once every validator's precommit is in; a third
# validator with 1 % of the power that never starts keeps it whole.
set -euo pipefail

seconds=${1:-20}
load_rate=${LOAD_RATE:-0}
block_ms=${BLOCK_MS:-1000}
commit_ms=0 set_size=2
[ "$load_rate" = 0 ] || { commit_ms=$block_ms; set_size=3; }
sync_node=node$set_size
source "$(dirname "$0")/bench-lib.sh"
bench_init bench-sync "${2:-.build/release/ratify}"

"$ratify" testnet --validators $((set_size + 1)) --output "$work/net" --heartbeat-ms 1 --base-port 24600 >/dev/null
# The last home stays out of the validator set: it is the node that syncs. With a load, node2
# is a validator with 1 % of the power that never starts (see above).
python3 - "$work/net" "$commit_ms" "$set_size" <<'PY'
import json, sys, pathlib
root, commit_ms, set_size = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
genesis = json.loads((root / "genesis.json").read_text())
genesis["validators"] = genesis["validators"][:set_size]
if set_size == 3:
    genesis["validators"][2]["stake"] = genesis["validators"][0]["stake"] // 100
genesis["consensus"]["timeout_commit_ms"] = commit_ms
text = json.dumps(genesis, indent=2)
(root / "genesis.json").write_text(text)
for home in root.glob("node*"):
    (home / "config" / "genesis.json").write_text(text)
PY

"$ratify" start --home "$work/net/node0" >"$work/node0.log" 2>&1 & pids+=($!)
"$ratify" start --home "$work/net/node1" >"$work/node1.log" 2>&1 & node1=$!; pids+=($node1)
if [ "$load_rate" = 0 ]; then
    sleep "$seconds"
else
    sleep 2
    # The load: signed transfers from accounts the validators' keys fund (the homes' keys).
    "$ratify" bench finality --attach http://127.0.0.1:24601,http://127.0.0.1:24611 --homes "$work/net" \
        --rate "$load_rate" --duration "$seconds" --warmup 0 >"$work/load.log" 2>&1 \
        || { echo "bench-sync: the load generator failed:" >&2; tail -5 "$work/load.log" >&2; exit 1; }
fi
kill -TERM "$node1"; wait "$node1" 2>/dev/null || true
sleep 1
height=$(grep -c "finalized" "$work/node0.log" || true)
[ "${height:-0}" -gt 0 ] || { echo "bench-sync: the validators made no blocks; see their logs" >&2; exit 1; }
echo "chain built: $height blocks in ${seconds} s; syncing a fresh node from the survivor"

finalized_lines() { local n; n=$(grep -c "finalized" "$1" 2>/dev/null || true); echo "${n:-0}"; }
start_ns=$(date +%s%N)
if [ -n "${PERF_OUT:-}" ]; then
    perf record -g -F 2000 -o "$PERF_OUT" -- "$ratify" start --home "$work/net/$sync_node" >"$work/sync.log" 2>&1 & pids+=($!)
else
    "$ratify" start --home "$work/net/$sync_node" >"$work/sync.log" 2>&1 & pids+=($!)
fi
deadline=$((SECONDS + 120))
while [ "$(finalized_lines "$work/sync.log")" -lt "$height" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench-sync: the node did not sync $height blocks within 120 s" >&2; exit 1; }
    sleep 0.05
done
end_ns=$(date +%s%N)
# CPU seconds (user + system) each process used so far: which side sets the pace.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo "?"; }
echo "cpu: serving node $(cpu_seconds "${pids[0]}") s in all, syncing node $(cpu_seconds "${pids[2]}") s"

python3 - "$work/sync.log" "$height" "$start_ns" "$end_ns" <<'PY2'
import re, sys
log, height, start_ns, end_ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = {}
transactions = 0
for line in open(log):
    if "finalized" in line:
        run = re.search(r"stored_with=(\d+)", line)
        size = int(run.group(1)) if run else 1
        runs[size] = runs.get(size, 0) + 1
        txs = re.search(r"txs=(\d+)", line)
        transactions += int(txs.group(1)) if txs else 0
wall = (end_ns - start_ns) / 1e9
print(f"synced {height} blocks in {wall:.2f} s from process start: {height / wall:.0f} blocks/s")
if transactions:
    print(f"transactions applied: {transactions} ({transactions / height:.0f} a block): {transactions / wall:.0f} tx/s")
stored = sum(count // size for size, count in runs.items())
print(f"store transactions: {stored} for {sum(runs.values())} blocks (a run of consecutive blocks is stored at once)")
PY2

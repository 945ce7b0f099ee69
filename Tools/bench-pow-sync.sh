#!/usr/bin/env bash
# Proof-of-work headers-first sync: how many blocks per second a fresh node applies when it joins a
# chain of BLOCKS blocks.
#
#   Tools/bench-pow-sync.sh [BLOCKS] [BINARY]        # BLOCKS defaults to 10000
#
# Makes a 2-node `pow` testnet on regtest's target (207fffff) with one-second blocks and a
# genesis time BLOCKS + 600 seconds in the past, mines BLOCKS empty blocks into node0's store with
# `ratify pow make-chain` (a running miner would be held to about six blocks a second by the
# median-time-past rule), starts node0 with mining off, then a fresh node1, and times node1 from
# its start until its tip is node0's. Prints blocks per second and the CPU each side used.
# BINARY defaults to .build/release/ratify (`swift build -c release --product ratify`).
set -euo pipefail

blocks=${1:-10000}
source "$(dirname "$0")/bench-lib.sh"
bench_init bench-pow-sync "${2:-.build/release/ratify}"

"$ratify" testnet --mode pow --validators 2 --output "$work/net" --base-port 24800 \
    --pow-initial-bits 207fffff --target-block-ms 1000 >/dev/null
python3 - "$work/net" "$blocks" <<'PY'
import json, sys, pathlib, datetime
root, blocks = pathlib.Path(sys.argv[1]), int(sys.argv[2])
genesis = json.loads((root / "genesis.json").read_text())
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=blocks + 600)
genesis["genesis_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
text = json.dumps(genesis, indent=2)
(root / "genesis.json").write_text(text)
for home in root.glob("node*"):
    (home / "config" / "genesis.json").write_text(text)
    config = home / "config" / "config.toml"
    config.write_text(config.read_text().replace("mining_threads = 1", "mining_threads = 0"))
PY

"$ratify" pow make-chain --home "$work/net/node0" --blocks "$blocks"

status_height() {
    curl -s --max-time 1 "http://127.0.0.1:$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sync_info"]["latest_block_height"])' 2>/dev/null || echo 0
}
"$ratify" start --home "$work/net/node0" >"$work/node0.log" 2>&1 & pids+=($!)
deadline=$((SECONDS + 60))
until [ "$(status_height 24801)" = "$blocks" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench-pow-sync: node0 did not come up at height $blocks; see its log" >&2; exit 1; }
    sleep 0.2
done

start_ns=$(date +%s%N)
"$ratify" start --home "$work/net/node1" >"$work/node1.log" 2>&1 & pids+=($!)
deadline=$((SECONDS + 600))
while [ "$(status_height 24811)" != "$blocks" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench-pow-sync: node1 did not reach height $blocks within 600 s (at $(status_height 24811))" >&2; exit 1; }
    sleep 0.05
done
end_ns=$(date +%s%N)
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo "?"; }
echo "cpu: serving node $(cpu_seconds "${pids[0]}") s in all, syncing node $(cpu_seconds "${pids[1]}") s"
python3 -c "
blocks, wall = $blocks, ($end_ns - $start_ns) / 1e9
print(f'synced {blocks} blocks in {wall:.2f} s from process start: {blocks / wall:.0f} blocks/s')"

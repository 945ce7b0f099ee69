#!/usr/bin/env bash
# State sync against block sync: how long a fresh node takes to reach the tip of a chain of
# HEIGHTS heights with ACCOUNTS funded accounts, restoring a snapshot or replaying from genesis.
#
#   Tools/bench-statesync.sh [HEIGHTS] [BINARY]        # HEIGHTS defaults to 100000
#
# Makes a 5-home testnet whose genesis keeps one validator (node0) and funds ACCOUNTS (default
# 1000) more accounts, with heartbeat_ms 1 and timeout_commit_ms 0 so that empty blocks follow
# each other as fast as the validator decides them, and snapshot_interval SNAPSHOT_INTERVAL
# (default 1000); every home keeps all its blocks (retain_blocks 0). node0, node1 and node2 run until the chain passes HEIGHTS + 300; node0 stops,
# which halts the chain, and node1 and node2 serve it. Then node3 joins by block sync from the
# genesis, and node4 by state sync (rpc_servers node1 and node2, trust height 1,000 below the
# newest snapshot, its hash from node1), each timed from process start until its height is the
# halted tip. Prints both times and the state-sync steps from node4's log.
# BINARY defaults to .build/release/ratify (`swift build -c release --product ratify`).
set -euo pipefail

heights=${1:-100000}
accounts=${ACCOUNTS:-1000}
interval=${SNAPSHOT_INTERVAL:-1000}
source "$(dirname "$0")/bench-lib.sh"
bench_init bench-statesync "${2:-.build/release/ratify}"

"$ratify" testnet --validators 5 --output "$work/net" --heartbeat-ms 1 --base-port 24900 >/dev/null
python3 - "$work/net" "$accounts" "$interval" <<'PY'
import json, sys, pathlib, hashlib
root, accounts, interval = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
genesis = json.loads((root / "genesis.json").read_text())
genesis["validators"] = genesis["validators"][:1]
genesis["consensus"]["timeout_commit_ms"] = 0
template = dict(genesis["accounts"][0])
for index in range(accounts):
    account = dict(template)
    account["address"] = hashlib.sha256(b"bench-statesync %d" % index).hexdigest()[:40]
    genesis["accounts"].append(account)
text = json.dumps(genesis, indent=2)
(root / "genesis.json").write_text(text)
for home in root.glob("node*"):
    (home / "config" / "genesis.json").write_text(text)
    config = home / "config" / "config.toml"
    settings = config.read_text().replace("snapshot_interval = 1000", f"snapshot_interval = {interval}")
    # Archive nodes: with the default retain_blocks (100,000) a longer chain has no height 1 left
    # anywhere, and block sync from the genesis cannot even start.
    config.write_text(settings.replace("retain_blocks = 100000", "retain_blocks = 0"))
PY

status_field() {
    curl -s --max-time 1 "http://127.0.0.1:$1/status" | python3 -c "import json,sys; print(json.load(sys.stdin)['sync_info']['$2'])" 2>/dev/null || echo 0
}
for n in 0 1 2; do "$ratify" start --home "$work/net/node$n" >"$work/node$n.log" 2>&1 & pids+=($!); done
node0=${pids[0]}
built_start=$SECONDS
until [ "$(status_field 24911 latest_block_height)" -ge $((heights + 300)) ]; do
    [ $((SECONDS - built_start)) -lt 3600 ] || { echo "bench-statesync: the chain did not reach $heights in an hour" >&2; exit 1; }
    sleep 2
done
kill -TERM "$node0"; wait "$node0" 2>/dev/null || true
sleep 2
tip=$(status_field 24911 latest_block_height)
echo "chain built: $tip heights in $((SECONDS - built_start)) s; $accounts funded accounts; node0 stopped"
snapshot=$(curl -s "http://127.0.0.1:24911/snapshots" | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshots"][0]["height"])')
trust=$((snapshot - 1000))
trust_hash=$(curl -s "http://127.0.0.1:24911/block?height=$trust" | python3 -c 'import json,sys; print(json.load(sys.stdin)["block_id"]["hash"])')
python3 - "$work/net/node4/config/config.toml" "$trust" "$trust_hash" <<'PY'
import sys, pathlib
config, trust, trust_hash = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
text = config.read_text().replace("enable = false", "enable = true")
text = text.replace('rpc_servers = ""', 'rpc_servers = "127.0.0.1:24911,127.0.0.1:24921"')
text = text.replace("trust_height = 0", f"trust_height = {trust}").replace('trust_hash = ""', f'trust_hash = "{trust_hash}"')
config.write_text(text)
PY

# Times `ratify start` of home $1 (RPC port $2) until its height is the tip.
join() {
    local start_ns end_ns pid
    start_ns=$(date +%s%N)
    "$ratify" start --home "$work/net/$1" >"$work/$1.log" 2>&1 & pid=$!; pids+=($pid)
    local deadline=$((SECONDS + 1800))
    until [ "$(status_field "$2" latest_block_height)" -ge "$tip" ]; do
        [ $SECONDS -lt $deadline ] || { echo "bench-statesync: $1 did not reach $tip in 30 min" >&2; exit 1; }
        sleep 0.05
    done
    end_ns=$(date +%s%N)
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    python3 -c "print(f'$1 ($3): at the tip ($tip) {($end_ns - $start_ns) / 1e9:.2f} s after process start')"
}
join node3 24931 "block sync from genesis"
join node4 24941 "state sync, snapshot $snapshot, trust height $trust"
grep -E "state sync" "$work/node4.log" | sed 's/^[^ ]* //'

#!/usr/bin/env bash
# A testnet whose validators share no loopback: each runs in its own network namespace
# (Tools/netns.sh) with its own address, every p2p, UDP, RPC and metrics listener on that
# address, and peers dialled by it. Waits until every validator has finalized --height blocks,
# printing each node's height as its RPC reports it to a client in a fifth namespace, checks
# that all report the same block hash at one shared height and that each received votes over
# UDP (its metrics endpoint, with curl), and removes everything on exit.
# With --partition-seconds S it then cuts the last validator off for S seconds (Tools/netns.sh
# partition), heals, and reports how long that validator took to catch up.
#
#   Tools/netns-testnet.sh [--validators 4] [--seconds 60] [--height 10] [--binary PATH]
#                          [--partition-seconds S]
#                          [--keep]   leave the node homes and logs in place after the run
#
# Uses .build/release/ratify (or .build/debug/ratify) if built, else builds release. Needs root;
# exits 3 with the reason when namespaces cannot be made here. Ports: 38000 + 0/1/2/4 on each
# validator's own address (p2p TCP, RPC, p2p UDP, Prometheus).
set -euo pipefail
cd "$(dirname "$0")/.."

validators=4 seconds=60 target_height=10 binary="" keep=0 partition_seconds=0
readonly BASE_PORT=38000 SUBNET_PREFIX=10.77.0 CHAIN_ID=netns-testnet
while (($#)); do
    case $1 in
        --validators) validators=${2:-}; shift 2 ;;
        --seconds) seconds=${2:-}; shift 2 ;;
        --height) target_height=${2:-}; shift 2 ;;
        --binary) binary=${2:-}; shift 2 ;;
        --partition-seconds) partition_seconds=${2:-}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "netns-testnet: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
done
for value in "$validators" "$seconds" "$target_height"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "netns-testnet: expected positive whole numbers, got '$value'" >&2; exit 2; }
done
[[ $partition_seconds =~ ^[0-9]+$ ]] || { echo "netns-testnet: --partition-seconds: expected whole seconds, got '$partition_seconds'" >&2; exit 2; }
((partition_seconds == 0 || validators >= 4)) ||
    { echo "netns-testnet: --partition-seconds needs at least 4 validators, so the rest keep a quorum" >&2; exit 2; }

Tools/netns.sh check >/dev/null || exit $?

if [[ -z $binary ]]; then
    for candidate in .build/release/ratify .build/debug/ratify; do
        [[ -x $candidate ]] && { binary=$candidate; break; }
    done
fi
if [[ -z $binary ]]; then
    echo "building ratify (release; the first build takes several minutes)..." >&2
    swift build -c release --product ratify
    binary=.build/release/ratify
fi
binary=$(realpath "$binary")

work=$(mktemp -d /tmp/ratify-netns-testnet.XXXXXX)
finish() {
    local status=$?
    Tools/netns.sh down >/dev/null 2>&1 || true
    if ((status != 0 || keep)); then
        echo "node homes and logs kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

Tools/netns.sh up "$validators" --subnet "$SUBNET_PREFIX.0/24" >/dev/null
hosts=() rpc=()
for ((index = 0; index < validators; index++)); do
    hosts+=("$SUBNET_PREFIX.$((10 + index))")
    rpc+=("http://$SUBNET_PREFIX.$((10 + index)):$((BASE_PORT + 1))")
done
"$binary" testnet --validators "$validators" --output "$work/net" --chain-id "$CHAIN_ID" \
    --hosts "$(IFS=,; echo "${hosts[*]}")" --base-port "$BASE_PORT" --heartbeat-ms 500 >/dev/null
for ((index = 0; index < validators; index++)); do
    Tools/netns.sh exec "$index" "$binary" start --home "$work/net/node$index" >"$work/net/node$index/node.log" 2>&1 &
done
echo "started $validators validators at ${hosts[*]} (p2p :$BASE_PORT, rpc :$((BASE_PORT + 1))); logs in $work/net/node*/node.log"

# One field of `ratify query ... --json` run from the client namespace, empty on failure.
query() {
    local url=$1 field=$2
    shift 2
    Tools/netns.sh exec client "$binary" query "$@" --node "$url" --json 2>/dev/null |
        grep -o "\"$field\": *[\"0-9a-f]*" | head -1 | sed 's/.*: *//; s/"//g' || true
}

# heights[i]: validator i's latest height from its RPC, 0 when it does not answer.
read_heights() {
    heights=()
    local url height
    for url in "${rpc[@]}"; do
        height=$(query "$url" latest_block_height status)
        heights+=("${height:-0}")
    done
}

deadline=$((SECONDS + seconds))
heights=()
while :; do
    read_heights
    echo "heights: ${heights[*]}"
    lowest=$(printf '%s\n' "${heights[@]}" | sort -n | head -1)
    ((lowest >= target_height)) && break
    if ((SECONDS >= deadline)); then
        echo "netns-testnet: not every validator reached height $target_height in ${seconds}s (heights ${heights[*]})" >&2
        for ((index = 0; index < validators; index++)); do
            echo "--- node$index log tail:" >&2
            tail -5 "$work/net/node$index/node.log" >&2
        done
        exit 1
    fi
    sleep 2
done

hashes=()
for url in "${rpc[@]}"; do
    hashes+=("$(query "$url" hash block --height "$target_height")")
done
distinct=$(printf '%s\n' "${hashes[@]}" | sort -u | wc -l)
if ((distinct != 1)) || [[ -z ${hashes[0]} ]]; then
    echo "netns-testnet: validators disagree on block $target_height: ${hashes[*]}" >&2
    exit 1
fi
echo "ok: $validators validators in separate namespaces finalized height $target_height with block ${hashes[0]:0:16}...; heights ${heights[*]}"

# Votes also travel as UDP datagrams, addressed from the peers' TCP addresses: each validator's
# Prometheus endpoint (on its own address too) must count some.
if command -v curl >/dev/null; then
    datagrams=()
    for ((index = 0; index < validators; index++)); do
        count=$(Tools/netns.sh exec client curl -s -m 5 "http://$SUBNET_PREFIX.$((10 + index)):$((BASE_PORT + 4))/metrics" |
            awk '/^ratify_p2p_messages_received_total\{channel="udp"\}/ { print $2 }')
        datagrams+=("${count:-0}")
        ((${count:-0} > 0)) || { echo "netns-testnet: validator $index received no UDP datagrams (metrics: '${count:-unreachable}')" >&2; exit 1; }
    done
    echo "ok: UDP messages received per validator: ${datagrams[*]}"
else
    echo "curl not installed: skipped the UDP check through the metrics endpoints"
fi

((partition_seconds > 0)) || exit 0
last=$((validators - 1))
Tools/netns.sh partition "$(seq -s, 0 $((last - 1)))|$last" >/dev/null
read_heights
echo "cut validator $last off for ${partition_seconds}s at heights ${heights[*]}"
sleep "$partition_seconds"
read_heights
cut_height=${heights[$last]}
target=$(printf '%s\n' "${heights[@]:0:$last}" | sort -n | tail -1)
Tools/netns.sh heal >/dev/null
healed=$EPOCHREALTIME heal_deadline=$((SECONDS + 120))
echo "healed at heights ${heights[*]}"
while :; do
    read_heights
    ((heights[last] >= target)) && break
    if ((SECONDS >= heal_deadline)); then
        echo "netns-testnet: validator $last did not catch up to $target within 120 s of the heal (at ${heights[$last]})" >&2
        exit 1
    fi
    sleep 0.2
done
elapsed=$(awk -v now="$EPOCHREALTIME" -v then="$healed" 'BEGIN { printf "%.1f", now - then }')
echo "ok: validator $last caught up from $cut_height to $target in ${elapsed}s after a ${partition_seconds}s partition"

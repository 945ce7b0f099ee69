#!/usr/bin/env bash
# The baseline Ratify's finality is compared with (docs/PERFORMANCE.md): a 3-member etcd cluster
# (Raft, every commit fsynced by each member, as etcd always does) on this machine's loopback,
# and the latency of one put at a time through etcd's HTTP gateway on a kept-alive connection.
# Run it right before or after `ratify bench finality` so both see the same machine.
#
#   Tools/bench-etcd.sh [--puts 2000] [--output FILE]
#
# Needs etcd and etcdctl (Debian: apt-get install etcd-server etcd-client); installs them when
# missing and run as root.
# Prints p50/p90/p99/max in milliseconds; --output writes them as JSON too.
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."

puts=2000 output=
while (($#)); do
    case $1 in
        --puts) puts=${2:-}; shift 2 ;;
        --output) output=${2:-}; [[ -z $output || $output == /* ]] || output=$caller_dir/$output; shift 2 ;;
        *) echo "bench-etcd: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $puts =~ ^[1-9][0-9]*$ ]] || { echo "bench-etcd: --puts expects a positive count, got '$puts'" >&2; exit 2; }

# etcd-server runs the members; etcd-client's etcdctl checks that the cluster is healthy.
if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
    else
        echo "bench-etcd: etcd or etcdctl is missing; install them with 'apt-get install etcd-server etcd-client'" >&2; exit 1
    fi
fi

# Ports below Linux's ephemeral range (32768-60999), so outgoing connections never hold them.
base_port=23790
work=$(mktemp -d /tmp/bench-etcd.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cluster=
for member in 0 1 2; do
    cluster+="${cluster:+,}m$member=http://127.0.0.1:$((base_port + 10 + member))"
done
for member in 0 1 2; do
    etcd --name "m$member" --data-dir "$work/m$member" \
        --listen-client-urls "http://127.0.0.1:$((base_port + member))" \
        --advertise-client-urls "http://127.0.0.1:$((base_port + member))" \
        --listen-peer-urls "http://127.0.0.1:$((base_port + 10 + member))" \
        --initial-advertise-peer-urls "http://127.0.0.1:$((base_port + 10 + member))" \
        --initial-cluster "$cluster" --initial-cluster-state new \
        --log-level error >"$work/m$member.log" 2>&1 &
    pids+=($!)
done

endpoints="127.0.0.1:$base_port,127.0.0.1:$((base_port + 1)),127.0.0.1:$((base_port + 2))"
for _ in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break
    sleep 0.1
done
ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 \
    || { echo "bench-etcd: the cluster did not become healthy; logs in $work" >&2; trap - EXIT; exit 1; }

python3 - "$base_port" "$puts" "$output" <<'PY'
import base64, http.client, json, sys, time
port, puts, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
connection = http.client.HTTPConnection("127.0.0.1", port)
latencies_ms = []
for index in range(puts):
    body = json.dumps({"key": base64.b64encode(b"bench-%d" % index).decode(),
                       "value": base64.b64encode(b"x" * 100).decode()})
    started = time.perf_counter_ns()
    connection.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"bench-etcd: put {index} answered HTTP {answer.status}")
    latencies_ms.append((time.perf_counter_ns() - started) / 1e6)
latencies_ms.sort()
def quantile(q):
    return latencies_ms[min(len(latencies_ms) - 1, int(q * len(latencies_ms)))]
summary = {"system": "etcd 3-member cluster, loopback, one put at a time", "puts": puts,
           "p50_ms": round(quantile(0.50), 3), "p90_ms": round(quantile(0.90), 3),
           "p99_ms": round(quantile(0.99), 3), "max_ms": round(latencies_ms[-1], 3)}
print("etcd put latency: p50 %(p50_ms).2f ms, p90 %(p90_ms).2f ms, p99 %(p99_ms).2f ms, max %(max_ms).2f ms (%(puts)d puts)" % summary)
if output:
    with open(output, "w") as file:
        json.dump(summary, file, indent=2)
        file.write("\n")
PY

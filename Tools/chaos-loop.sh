#!/usr/bin/env bash
# Chaos runs with random seeds, one after another, until the time is up; stops at the first
# failing run and prints its seed (rerun it with `ratify chaos --seed N`). Each run's report
# goes to DIR/chaos-SEED.json, and a summary line per run to DIR/summary.txt.
#
#   Tools/chaos-loop.sh [--hours 1] [--run-seconds 300] [--dir chaos-runs] [--netns] [ratify chaos options...]
#
# Uses .build/release/ratify (build it first: swift build -c release --product ratify).
# --netns runs each through Tools/chaos-netns.sh (root; partitions and shaping too).
set -euo pipefail
cd "$(dirname "$0")/.."

hours=1 run_seconds=300 dir=chaos-runs netns=0
args=()
while (($#)); do
    case $1 in
        --hours) hours=${2:-}; shift 2 ;;
        --run-seconds) run_seconds=${2:-}; shift 2 ;;
        --dir) dir=${2:-}; shift 2 ;;
        --netns) netns=1; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
binary=.build/release/ratify
[[ -x $binary ]] || { echo "chaos-loop: $binary is missing; run 'swift build -c release --product ratify'" >&2; exit 1; }
mkdir -p "$dir"
deadline=$(($(date +%s) + $(awk -v h="$hours" 'BEGIN { printf "%d", h * 3600 }')))
runs=0
while (($(date +%s) + run_seconds <= deadline)); do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    report="$dir/chaos-$seed.json"
    echo "run $((runs + 1)): seed $seed, $run_seconds s"
    status=0
    if ((netns)); then
        Tools/chaos-netns.sh --binary "$binary" --seed "$seed" --duration "$run_seconds" --json-file "$report" "${args[@]}" >"$dir/chaos-$seed.txt" || status=$?
    else
        "$binary" chaos --seed "$seed" --duration "$run_seconds" --json-file "$report" "${args[@]}" >"$dir/chaos-$seed.txt" || status=$?
    fi
    runs=$((runs + 1))
    echo "seed $seed: $(grep -E '^RESULT' "$dir/chaos-$seed.txt" || echo "no result (exit $status)")" | tee -a "$dir/summary.txt"
    if ((status != 0)); then
        echo "chaos-loop: seed $seed failed after $runs run(s); report $report, output $dir/chaos-$seed.txt" >&2
        exit 1
    fi
done
echo "chaos-loop: $runs run(s) passed"

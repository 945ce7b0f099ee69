# Sourced by the sync benchmarks (bench-sync.sh, bench-pow-sync.sh, bench-statesync.sh).
# `bench_init NAME BINARY` checks the binary and sets `ratify` to its absolute path, makes the
# work directory `work`, and arranges that on exit every process in `pids` is stopped, the
# logs are copied to $KEEP_LOGS when it is set, and the work directory is removed.
bench_init() {
    ratify=$2
    [ -x "$ratify" ] || { echo "$1: $ratify not found; run: swift build -c release --product ratify" >&2; exit 2; }
    ratify=$(realpath "$ratify")
    work=$(mktemp -d "/tmp/ratify-$1.XXXXXX")
    pids=()
    trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${KEEP_LOGS:-}" ] && cp "$work"/*.log "$KEEP_LOGS"/ 2>/dev/null
    rm -rf "$work"
}

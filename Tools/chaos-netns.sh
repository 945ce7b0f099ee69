#!/usr/bin/env bash
# `ratify chaos --netns`: the validators in network namespaces (Tools/netns.sh), so partitions
# (minority and split) and link shaping are injected too. Brings the namespaces up, runs the
# chaos runner inside the client namespace (the only place that reaches every validator's
# address), and takes everything down on exit, Ctrl-C included.
#
#   Tools/chaos-netns.sh [--binary PATH] [ratify chaos options...]
#
# Needs root. Exits 3 with the reason when namespaces cannot be made here (callers skip).
# Uses .build/release/ratify, else .build/debug/ratify.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="" validators=4
args=()
while (($#)); do
    case $1 in
        --binary) binary=${2:-}; shift 2 ;;
        --validators) validators=${2:-}; args+=("$1" "$validators"); shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
[[ $validators =~ ^[1-9][0-9]*$ ]] || { echo "chaos-netns: --validators expects a positive number, got '$validators'" >&2; exit 2; }
if [[ -z $binary ]]; then
    for candidate in .build/release/ratify .build/debug/ratify; do
        [[ -x $candidate ]] && { binary=$candidate; break; }
    done
fi
[[ -n $binary && -x $binary ]] || { echo "chaos-netns: no ratify binary; run 'swift build -c release --product ratify' or pass --binary" >&2; exit 1; }
binary=$(realpath "$binary")

Tools/netns.sh check >/dev/null || exit $?
Tools/netns.sh up "$validators" >/dev/null
trap 'Tools/netns.sh down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
Tools/netns.sh exec client "$binary" chaos --netns "${args[@]}"

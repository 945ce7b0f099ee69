#!/usr/bin/env bash
# The README's main command: installs missing system libraries, builds ratify (release), and
# runs the 4-validator localnet from Genesis/localnet.json and Validators/ on temporary copies
# of the homes, printing each height as every validator finalizes it. Ctrl-C stops it and
# prints a summary. Extra arguments go to `ratify localnet` (e.g. --duration 30).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/install-deps.sh
echo "building ratify (release; the first build takes several minutes)..." >&2
swift build -c release --product ratify
exec .build/release/ratify localnet --fresh --genesis Genesis/localnet.json --homes Validators "$@"

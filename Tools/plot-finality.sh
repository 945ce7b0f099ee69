#!/usr/bin/env bash
# Renders a `ratify bench finality --json` report to PNG: latency over time and its
# distribution for a single run or a saturation search, finality and throughput against the
# validator count for a sweep.
#
#   Tools/plot-finality.sh report.json report.png
#
# Installs matplotlib from PyPI into a virtualenv under .build/plot-venv on first use.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: Tools/plot-finality.sh REPORT.json OUT.png" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RATIFY_PLOT_VENV:-$root/.build/plot-venv}"
if ! "$venv/bin/python" -c "import matplotlib" 2>/dev/null; then
    echo "plot-finality: installing matplotlib into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "matplotlib>=3.7" >&2
fi
exec "$venv/bin/python" "$root/Tools/plot-finality.py" "$1" "$2"

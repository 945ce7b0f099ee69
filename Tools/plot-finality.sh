#!/usr/bin/env bash
# Renders a `ratify bench finality` JSON report (--json-file) to PNG: latency over time and its
# distribution for a single run or a saturation search, finality and throughput against the
# validator count for a sweep.
#
#   Tools/plot-finality.sh report.json report.png
#   Tools/plot-finality.sh --prepare     # only make sure it can plot; `bench finality --plot` runs this first
#
# Installs matplotlib from PyPI into a virtualenv under .build/plot-venv on first use
# (RATIFY_PLOT_VENV names another).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RATIFY_PLOT_VENV:-$root/.build/plot-venv}"

fail() { echo "plot-finality: $*" >&2; exit 1; }

prepare() {
    "$venv/bin/python" -c "import matplotlib" 2>/dev/null && return 0
    command -v python3 >/dev/null || fail "python3 not found; install it (Debian: apt-get install python3 python3-venv)"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" >&2 || fail "cannot create a virtualenv at $venv (Debian: apt-get install python3-venv)"
    fi
    echo "plot-finality: installing matplotlib into $venv" >&2
    "$venv/bin/pip" install --quiet "matplotlib>=3.7" >&2 ||
        fail "cannot install matplotlib from PyPI into $venv; install it there by hand, or set RATIFY_PLOT_VENV to a virtualenv that has it"
}

if [ $# -eq 1 ] && [ "$1" = "--prepare" ]; then
    prepare
    exit 0
fi
[ $# -eq 2 ] || { echo "usage: Tools/plot-finality.sh REPORT.json OUT.png | --prepare" >&2; exit 2; }
prepare
exec "$venv/bin/python" "$root/Tools/plot-finality.py" "$1" "$2"

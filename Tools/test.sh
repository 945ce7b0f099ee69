#!/usr/bin/env bash
# The README's test command: installs missing system libraries, then builds and runs the
# whole test suite (unit, simulator, store crash, network and integration tests with real
# processes).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/install-deps.sh
swift build --build-tests
# Serially: the simulator sweep's long synchronous runs would otherwise hold both threads
# of Swift's cooperative pool, starving the socket tests' servers past their timeouts.
swift test --skip-build --no-parallel

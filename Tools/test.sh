#!/usr/bin/env bash
# The README's test command: installs missing system libraries, then builds and runs the
# whole test suite (unit, simulator, store, and integration tests with real processes).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/install-deps.sh
swift build --build-tests
swift test --skip-build

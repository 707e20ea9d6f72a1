#!/usr/bin/env bash
# Quick start, all tests: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build-linux.sh"
build=${CREDWATCH_BUILD_DIR:-$root/build/linux}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300

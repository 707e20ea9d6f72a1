#!/usr/bin/env bash
# Configures and builds credwatch for Linux into build/linux (or $CREDWATCH_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/linux-deps.sh"
build=${CREDWATCH_BUILD_DIR:-$root/build/linux}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"

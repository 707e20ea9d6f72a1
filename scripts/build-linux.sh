#!/usr/bin/env bash
# Configures and builds credwatch for Linux into build/linux (or $CREDWATCH_BUILD_DIR).
# CREDWATCH_WARNINGS_AS_ERRORS=ON/OFF turns warnings into errors (default ON when $CI is set).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/linux-deps.sh"
build=${CREDWATCH_BUILD_DIR:-$root/build/linux}
# Warnings as errors: CREDWATCH_WARNINGS_AS_ERRORS=ON/OFF, else ON when $CI is set (as in
# cmake/CredwatchOptions.cmake). Passed on every configure: an existing build dir keeps its
# cached value otherwise.
case "${CI:-}" in ''|0|false|FALSE|no|NO) werror_default=OFF ;; *) werror_default=ON ;; esac
WERROR=${CREDWATCH_WARNINGS_AS_ERRORS:-$werror_default}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCREDWATCH_WARNINGS_AS_ERRORS="$WERROR" >/dev/null
cmake --build "$build" -j"$(nproc)"

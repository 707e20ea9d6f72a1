#!/usr/bin/env bash
# Quick start, all tests: installs what is missing, builds, and runs the whole test suite:
# the Linux build under CTest, the sanitizer build and the fuzz targets (scripts/fuzz.sh;
# CREDWATCH_SKIP_FUZZ=1 skips it), then the Windows cross build under Wine (unit tests and the
# real service under Wine's service manager; see docs/windows-build.md). CREDWATCH_SKIP_WINDOWS=1
# runs the Linux half only. Then scripts/check-format.sh: an unformatted C++ file fails the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build-linux.sh"
build=${CREDWATCH_BUILD_DIR:-$root/build/linux}
linux_status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300 || linux_status=$?
fuzz_status=0
if [[ ${CREDWATCH_SKIP_FUZZ:-0} != 1 ]]; then
    "$root/scripts/fuzz.sh" || fuzz_status=$?
fi
windows_status=0
if [[ ${CREDWATCH_SKIP_WINDOWS:-0} != 1 ]]; then
    "$root/scripts/test-windows.sh" || windows_status=$?
fi
# Formatting last, so that an unformatted file never hides a test result.
format_status=0
"$root/scripts/check-format.sh" || format_status=$?
echo "credwatch tests: linux exit ${linux_status}, fuzz exit ${fuzz_status}, windows exit ${windows_status}, format exit ${format_status}"
(( linux_status == 0 && fuzz_status == 0 && windows_status == 0 && format_status == 0 ))

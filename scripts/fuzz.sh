#!/usr/bin/env bash
# The sanitizer build (clang, ASan + UBSan) in its own tree outside the source tree: runs the
# unit tests of the common libraries under the sanitizers, then each libFuzzer target of
# tests/fuzz for a bounded time. A crash, leak, timeout or sanitizer report keeps the input as
# tests/fuzz/regressions/<target>/<kind>-<sha1> (replayed by CTest in every build from then on)
# and fails the run. Run by scripts/test.sh after ctest; needs clang, libclang-rt-14-dev and
# llvm (scripts/linux-deps.sh).
#
#   CREDWATCH_FUZZ_BUILD_DIR  the build tree (default ~/.cache/credwatch/build-fuzz)
#   CREDWATCH_FUZZ_SECONDS    seconds per fuzz target (default 30; 0 skips the fuzzing)
#   CREDWATCH_FUZZ_TARGETS    the targets to fuzz (default: all, space separated)
#   CREDWATCH_FUZZ_UNIT_TESTS the unit test programs to run under the sanitizers ("" none)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDWATCH_FUZZ_BUILD_DIR:-${HOME:-/root}/.cache/credwatch/build-fuzz}
seconds=${CREDWATCH_FUZZ_SECONDS:-30}
read -r -a targets <<<"${CREDWATCH_FUZZ_TARGETS:-cert_reader pass_file catalog site ipc_request}"
read -r -a unit_tests <<<"${CREDWATCH_FUZZ_UNIT_TESTS-test_error test_strings test_files \
test_civil_time test_rules test_reminders test_matching test_certificate test_store \
test_protocol test_mail test_exports test_metrics test_catalog test_site_edit}"
started=$SECONDS

launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# One cache for every checkout: a tree configured from another source folder is started again.
if [[ -f $build/CMakeCache.txt ]] &&
    ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$build/CMakeCache.txt"; then
    echo "fuzz: $build was configured for another checkout; starting it again"
    rm -rf "$build"
fi
echo "fuzz: configuring the sanitizer build in $build"
# Warnings are the GCC build's business (-Werror in CI); this tree looks for memory errors.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
    -DCREDWATCH_FUZZ=ON -DCREDWATCH_BUILD_TRAY=OFF -DCREDWATCH_WARNINGS_AS_ERRORS=OFF >/dev/null
build_targets=(fuzz_make_seeds "${unit_tests[@]}")
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j"$(nproc)" --target "${build_targets[@]}"
echo "fuzz: built in $((SECONDS - started)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if command -v llvm-symbolizer >/dev/null; then
    export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}
fi
export TZ=Asia/Tokyo  # as the unit tests run under CTest

failed=()
unit_started=$SECONDS
for t in "${unit_tests[@]}"; do
    program=$(find "$build/tests" -maxdepth 1 -type f -name "$t" | head -n 1)
    log="$build/$t.log"
    if "$program" --gtest_brief=1 >"$log" 2>&1; then
        echo "fuzz: $t under ASan+UBSan: passed"
    else
        echo "fuzz: $t under ASan+UBSan: FAILED (log: $log)"
        tail -n 40 "$log"
        failed+=("$t")
    fi
done
echo "fuzz: unit tests under the sanitizers took $((SECONDS - unit_started)) s"

seeds="$build/tests/fuzz/seeds"
rm -rf "$seeds"
"$build/tests/fuzz/fuzz_make_seeds" "$seeds" "$root" >/dev/null
if ((seconds > 0)); then
    for t in "${targets[@]}"; do
        corpus="$build/fuzz-corpus/$t"  # grows from run to run in this tree
        artifacts="$build/fuzz-artifacts/$t"
        regressions="$root/tests/fuzz/regressions/$t"
        mkdir -p "$corpus" "$artifacts"
        rm -f "$artifacts"/*
        inputs=("$corpus" "$seeds/$t")
        [[ -d $regressions ]] && inputs+=("$regressions")
        log="$build/fuzz_$t.log"
        status=0
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$artifacts/" "${inputs[@]}" >"$log" 2>&1 ||
            status=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        crashes=0
        shopt -s nullglob
        for input in "$artifacts"/*; do
            mkdir -p "$regressions"
            cp "$input" "$regressions/"
            crashes=$((crashes + 1))
        done
        shopt -u nullglob
        echo "fuzz: $t: ${rate:-?} exec/s, $seconds s, ${runs:-?} runs, $crashes crashes"
        if ((status != 0 || crashes > 0)); then
            echo "fuzz: $t FAILED (exit $status); input kept in $regressions (log: $log)"
            grep -m 1 -A 30 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error" \
                "$log" || tail -n 40 "$log"
            failed+=("fuzz_$t")
        fi
    done
fi
echo "fuzz: finished in $((SECONDS - started)) s"
if ((${#failed[@]})); then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all passed"

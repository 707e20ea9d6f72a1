# shellcheck shell=bash
# Check helpers shared by scripts/test-windows.sh and scripts/test-msi.sh; sourced, not run:
#   . "$ROOT/scripts/lib-test.sh"
# Each check prints "  ok    name" or "  FAIL  name" (and up to a few lines of detail); `finish`
# prints the failed checks on stderr, then the last line "N passed, M failed", and exits non-zero
# on any failure (or when nothing passed). Log lines go to stderr, tagged with LOG_TAG: the name
# of the sourcing script without .sh ("test-msi").

PASS=0
FAIL=0
FAILED_CHECKS=()
LOG_TAG=$(basename "$0" .sh)

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
ok() { PASS=$((PASS + 1)); printf '  ok    %s\n' "$1"; }
ko() { FAIL=$((FAIL + 1)); FAILED_CHECKS+=("$1"); printf '  FAIL  %s\n' "$1"; [ $# -gt 1 ] && printf '        %s\n' "${@:2}"; }
check() {  # check "name" command...
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$(printf '%s' "$out" | tail -n 5)"; fi
}
finish() {
    if [ "$FAIL" -gt 0 ] && [ "${#FAILED_CHECKS[@]}" -gt 0 ]; then
        printf 'failed checks:\n' >&2
        printf '  %s\n' "${FAILED_CHECKS[@]}" >&2
    fi
    printf '%d passed, %d failed\n' "$PASS" "$FAIL"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}

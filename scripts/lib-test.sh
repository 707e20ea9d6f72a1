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

# The services (and Wine's services.exe, which starts them) inherit it: no test sends a packet
# beyond loopback through the service's prerequisite checks (docs/doctor.md).
export CREDWATCH_SERVICE_CHECKS=${CREDWATCH_SERVICE_CHECKS:-off}

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

# Wine helpers shared by both Windows scripts.
W() { timeout "${T:-60}" wine "$@"; }  # every wine command is bounded in time (T seconds, 60)
service_state() { W sc query credwatch 2>/dev/null | tr -d '\r' | awk '/STATE/ {print $4}'; }
wait_state() {  # wait_state RUNNING|STOPPED seconds
    local i
    for ((i = 0; i < $2; i++)); do
        [ "$(service_state)" = "$1" ] && return 0
        sleep 1
    done
    echo "state is '$(service_state)', not $1 after $2 s"
    return 1
}
json_check() {  # json_check FILE python-expression-on-d
    python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval(sys.argv[2])
if not ok:
    print("not true:", sys.argv[2]); print(json.dumps(d, ensure_ascii=False)[:800])
sys.exit(0 if ok else 1)
PY
}

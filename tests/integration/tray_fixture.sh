# Shared by the tray's GUI tests (tray_smoke.sh, tray_gui.sh); sourced, not run.
# Gives a private Xvfb display, a real credwatch-service on its own data directory with a
# fixture, and a HOME holding two of the user's own certificates. Everything lives in $work
# and is stopped by the EXIT trap.
#   tray_fixture_start SERVICE_EXE   sets: work, data, display (exported as DISPLAY), HOME,
#                                    service_pid, check_port (exported as
#                                    CREDWATCH_TEST_CHECK_PORT: tcp-mio-443 checks it);
#                                    pids[] collects what the trap kills
#   ipc METHOD JSON_PARAMS           one request to the service; prints the result as JSON

# shellcheck source=wait_for_socket.sh
source "$(dirname "${BASH_SOURCE[0]}")/wait_for_socket.sh"
# shellcheck source=tray_checks_site.sh
source "$(dirname "${BASH_SOURCE[0]}")/tray_checks_site.sh"

for tool in Xvfb openssl python3; do
    command -v "$tool" >/dev/null || { echo "tray fixture: $tool missing (scripts/linux-deps.sh)"; exit 1; }
done

work=$(mktemp -d /tmp/cw-tray.XXXXXX)
pids=()
tray_fixture_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap tray_fixture_cleanup EXIT

ipc() {
    python3 - "$data/credwatch.sock" "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
request = {"v": 1, "id": 1, "method": sys.argv[2], "params": json.loads(sys.argv[3])}
f.write((json.dumps(request) + "\n").encode()); f.flush()
reply = json.loads(f.readline())
if "error" in reply: sys.exit(f"{sys.argv[2]}: {reply['error']}")
print(json.dumps(reply.get("result")))
PY
}

tray_fixture_start() {
    local service_exe=$1 n
    # A private display that Xvfb chooses itself (-displayfd): two fixtures started at once
    # (ctest -j) never pick the same free number.
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [[ -s $work/display ]] && break; sleep 0.1; done
    [[ -s $work/display ]] || { echo "tray fixture: Xvfb gave no display"; cat "$work/xvfb.log"; exit 1; }
    display=:$(tr -dc 0-9 <"$work/display")
    export DISPLAY=$display

    # The service with its own data directory.
    data=$work/data
    mkdir -p "$data"
    # The service's own checks stay on loopback (tray_checks_site.sh).
    check_port=$(free_loopback_port)
    export CREDWATCH_TEST_CHECK_PORT=$check_port
    tray_checks_site "$data/site.toml" "$check_port"
    CREDWATCH_SERVICE_CHECKS=on "$service_exe" --data-dir "$data" --quiet >"$work/service.log" 2>&1 &
    service_pid=$!
    pids+=($service_pid)
    wait_for_socket "$data/credwatch.sock" "" 100 || { echo "tray fixture: the service did not start"; cat "$work/service.log"; exit 1; }

    # A password changed 50 days ago (due soon), one 65 days ago (expired), 5 of 6
    # certificates issued. Sent over the IPC like the CLI does.
    local today
    today=$(date +%s)
    ipc record_renewal "{\"credential\": \"cancer-registry/user-password\", \"on\": \"$(date -d "@$((today - 50 * 86400))" +%F)\"}" >/dev/null
    ipc record_renewal "{\"credential\": \"gtol/user-password\", \"on\": \"$(date -d "@$((today - 65 * 86400))" +%F)\"}" >/dev/null
    ipc record_issuance '{"credential": "cancer-registry/certificate-issuance", "total": 5}' >/dev/null

    # The user's own certificates, reported by the tray (POSIX: ~/.credwatch/certificates).
    export HOME=$work/home
    local certs=$HOME/.credwatch/certificates
    mkdir -p "$certs"
    openssl req -x509 -newkey rsa:2048 -nodes -utf8 -subj "/CN=山田 太郎/O=テスト病院" -days 200 \
        -keyout "$work/staff.key" -out "$certs/staff.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=ca" -days 3650 \
        -keyout "$work/ca.key" -out "$certs/ca.crt" 2>/dev/null
    export NO_AT_BRIDGE=1 GTK_A11Y=none
}

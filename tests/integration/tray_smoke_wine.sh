#!/usr/bin/env bash
# GUI smoke test of credwatch-tray.exe (wxMSW) under Wine, against a real credwatch-service.exe
# in console mode (it serves the named pipe), on a private Xvfb display with Wine's virtual
# desktop (taskbar + notification area) and Noto Sans CJK JP replacing the Windows UI fonts:
#   - a password change is recorded with credwatch.exe (50 days ago: due soon);
#   - --dump-menu prints the Japanese menu built from the service's data;
#   - --screenshot captures the status window, the inventory tab and the open menu into PNGs
#     that are not blank (distinct colours counted with ImageMagick);
#   - with GUI_TEST_EXE (tests/gui/test_tray_gui.exe): the status window's buttons clicked
#     through Wine's input (SendInput), after the fixture of tests/integration/tray_fixture.sh
#     (a password 65 days old, 5 of 6 issuances, the user's own certificate in CurrentUser\My).
# Usage: tray_smoke_wine.sh SERVICE_EXE CLI_EXE TRAY_EXE [SCREENSHOT_DIR [GUI_TEST_EXE]]
# Uses $WINEPREFIX when it is set (scripts/test-windows.sh), otherwise makes its own.
# Bounded: every Wine command has a timeout; about 40-60 s on a loaded 2-core machine.
set -euo pipefail

service_exe=$1
cli_exe=$2
tray_exe=$3
out=${4:-}
gui_test_exe=${5:-}

for tool in wine wineserver winepath Xvfb convert openssl; do
    command -v "$tool" >/dev/null || { echo "tray_smoke_wine: $tool missing"; exit 1; }
done

work=$(mktemp -d /tmp/cw-tray-wine.XXXXXX)
own_prefix=0
if [[ -z ${WINEPREFIX:-} ]]; then
    export WINEPREFIX=$work/prefix
    own_prefix=1
fi
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
pids=()
cleanup() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done  # Xvfb last
    if ((own_prefix)); then wineserver -k >/dev/null 2>&1 || true; fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
[[ -n $out ]] || out=$work/shots
mkdir -p "$out"
W() { timeout "${T:-60}" wine "$@"; }

if ((own_prefix)); then
    timeout 180 wineboot -i >/dev/null 2>&1 || { echo "tray_smoke_wine: wineboot -i failed"; exit 1; }
fi

# A private display: the first free :N from 141. Before anything runs in Wine: with the
# virtual desktop configured, the first Wine program (even regedit) opens it on $DISPLAY.
display=
for n in $(seq 141 190); do
    if [[ ! -e /tmp/.X11-unix/X$n && ! -e /tmp/.X$n-lock ]]; then display=:$n; break; fi
done
[[ -n $display ]] || { echo "tray_smoke_wine: no free X display"; exit 1; }
Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=$display
for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done

# Japanese in the wxMSW controls: the UI fonts replaced by Noto Sans CJK JP
# (shared/windows-under-wine.md), and Wine's virtual desktop for every program of the prefix.
cat >"$work/tray.reg" <<'EOF'
REGEDIT4

[HKEY_CURRENT_USER\Software\Wine\Fonts\Replacements]
"MS Shell Dlg"="Noto Sans CJK JP"
"MS Shell Dlg 2"="Noto Sans CJK JP"
"Tahoma"="Noto Sans CJK JP"
"Segoe UI"="Noto Sans CJK JP"
"MS UI Gothic"="Noto Sans CJK JP"
"Meiryo UI"="Noto Sans CJK JP"

[HKEY_CURRENT_USER\Software\Wine\Explorer]
"Desktop"="credwatch"

[HKEY_CURRENT_USER\Software\Wine\Explorer\Desktops]
"credwatch"="1024x768"
EOF
T=60 W regedit "$(winepath -w "$work/tray.reg")" >/dev/null 2>&1 || { echo "tray_smoke_wine: regedit failed"; exit 1; }

# The service in console mode on its own data directory (C:\cw-tray-smoke-<pid>).
data="C:\\cw-tray-smoke-$$"
# The service's own checks stay on loopback (tray_checks_site.sh).
# shellcheck source=tray_checks_site.sh
source "$(dirname "$0")/tray_checks_site.sh"
mkdir -p "$(winepath -u "$data")"
check_port=$(free_loopback_port)
export CREDWATCH_TEST_CHECK_PORT=$check_port
tray_checks_site "$(winepath -u "$data")/site.toml" "$check_port"
CREDWATCH_SERVICE_CHECKS=on wine "$service_exe" --data-dir "$data" --quiet >"$work/service.log" 2>&1 </dev/null &
pids+=($!)
up=0
for _ in $(seq 60); do
    if T=20 W "$cli_exe" --data-dir "$data" status >/dev/null 2>&1; then up=1; break; fi
    sleep 1
done
((up)) || { echo "tray_smoke_wine: the service did not answer on its pipe"; cat "$work/service.log"; exit 1; }

# Fixture: a password changed 50 days ago (90-day rule: due soon).
on=$(date -d '50 days ago' +%F)
T=60 W "$cli_exe" --data-dir "$data" password-changed cancer-registry/user-password --on "$on" \
    >"$work/fixture.log" 2>&1 || { echo "tray_smoke_wine: password-changed failed"; cat "$work/fixture.log"; exit 1; }

fail=0
# 1. Screenshots (status window, inventory tab, the open menu, the icons). First: the first
# GUI program of the session starts Wine's virtual desktop on this display.
rm -f "$out"/status.png "$out"/inventory.png "$out"/menu.png
T=80 W "$tray_exe" --data-dir "$data" --lang ja --screenshot "$(winepath -w "$out")" \
    >"$work/shots.log" 2>&1 </dev/null || {
    echo "tray_smoke_wine: --screenshot failed (the screen then: $out/failure.png)"; cat "$work/shots.log"
    xwd -root -silent | convert xwd:- "$out/failure.png" || true
    exit 1; }
for png in status inventory menu icon-amber; do
    f=$out/$png.png
    if [[ ! -s $f ]]; then echo "tray_smoke_wine: $png.png missing"; fail=1; continue; fi
    colours=$(convert "$f" -format %k info:)
    echo "tray_smoke_wine: $png.png $(identify -format '%wx%h' "$f"), $colours colours"
    min=40; [[ $png == icon-* ]] && min=2
    ((colours > min)) || { echo "tray_smoke_wine: $png.png looks blank ($colours colours)"; fail=1; }
    # The tray writes uncompressed PNG (no zlib in the dfsg wxMSW): recompress what is kept.
    convert "$f" -define png:compression-level=9 "$f.tmp.png" && mv "$f.tmp.png" "$f"
done

# 2. The menu, as the view model builds it (stdout of a GUI .exe reaches us through Wine).
T=60 W "$tray_exe" --data-dir "$data" --lang ja --dump-menu >"$work/menu.txt" 2>"$work/tray-menu.log" </dev/null || {
    echo "tray_smoke_wine: --dump-menu failed"; cat "$work/tray-menu.log"; exit 1; }
cp "$work/menu.txt" "$out/menu.txt"
for label in "状況を表示" "パスワードを変更しました" "手続きを開く" "終了" "利用者パスワード"; do
    grep -q -- "$label" "$work/menu.txt" || { echo "tray_smoke_wine: the menu lacks \"$label\""; fail=1; }
done

# 3. The buttons, clicked (tests/gui/test_tray_gui.cpp; same cases as tray_gui on Linux).
if [[ -n $gui_test_exe ]]; then
    T=60 W "$cli_exe" --data-dir "$data" password-changed gtol/user-password --on "$(date -d '65 days ago' +%F)" \
        >>"$work/fixture.log" 2>&1 || { echo "tray_smoke_wine: password-changed gtol failed"; cat "$work/fixture.log"; exit 1; }
    T=60 W "$cli_exe" --data-dir "$data" issued cancer-registry/certificate-issuance --total 5 \
        >>"$work/fixture.log" 2>&1 || { echo "tray_smoke_wine: issued --total 5 failed"; cat "$work/fixture.log"; exit 1; }
    openssl req -x509 -newkey rsa:2048 -nodes -utf8 -subj "/CN=山田 太郎/O=テスト病院" -days 200 \
        -keyout "$work/staff.key" -outform DER -out "$work/staff.der" 2>/dev/null
    if CREDWATCH_TEST_DATA_DIR=$data CREDWATCH_TEST_USER_CERT=$(winepath -w "$work/staff.der") \
        T=200 W "$gui_test_exe" >"$work/gui.log" 2>&1 </dev/null; then
        grep -E "^\[  (PASSED|SKIPPED) " "$work/gui.log" | sed 's/^/tray_smoke_wine: test_tray_gui /'
    else
        echo "tray_smoke_wine: test_tray_gui.exe failed (the screen then: $out/gui-failure.png)"
        grep -v -E "^(\[ RUN|\[       OK)" "$work/gui.log" | tail -n 60
        xwd -root -silent | convert xwd:- "$out/gui-failure.png" || true
        fail=1
    fi
fi

((fail == 0)) && echo "tray_smoke_wine: OK"
exit $fail

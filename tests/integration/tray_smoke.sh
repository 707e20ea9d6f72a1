#!/usr/bin/env bash
# GUI smoke test of credwatch-tray (wxGTK) against a real credwatch-service with a fixture
# database, on a private Xvfb display:
#   - the menu (from the view model, --dump-menu) has the expected Japanese entries;
#   - --screenshot captures the status window, the inventory tab and the open menu into PNGs
#     that are not blank (distinct colours counted with ImageMagick);
#   - the tray running normally stays under 40 MB resident (VmRSS, shared pages counted in full)
#     once start-up is over and after the service pushed a change; PSS is printed too.
# Usage: tray_smoke.sh SERVICE_EXE TRAY_EXE [SCREENSHOT_DIR]
# Bounded: every step has a timeout; the whole test takes ~30 s.
set -euo pipefail

service_exe=$1
tray_exe=$2
out=${3:-}
max_rss_kb=${CREDWATCH_TRAY_MAX_RSS_KB:-40960}

command -v convert >/dev/null || { echo "tray_smoke: ImageMagick missing (scripts/linux-deps.sh)"; exit 1; }
# shellcheck source=tray_fixture.sh
source "$(dirname "$0")/tray_fixture.sh"
tray_fixture_start "$service_exe"
[[ -n $out ]] || out=$work/shots
mkdir -p "$out"

export LANG=ja_JP.UTF-8
fail=0

# 1. The menu, as the view model builds it.
timeout 40 "$tray_exe" --data-dir "$data" --lang ja --dump-menu >"$work/menu.txt" 2>"$work/tray-menu.log" || {
    echo "tray_smoke: --dump-menu failed"; cat "$work/tray-menu.log"; exit 1; }
cp "$work/menu.txt" "$out/menu.txt"
for label in "状況を表示" "接続チェック" "パスワードを変更しました" "証明書を発行しました" "手続きを開く" "終了" \
    "利用者パスワード" "5/6" "期限切れ"; do
    grep -q -- "$label" "$work/menu.txt" || { echo "tray_smoke: the menu lacks \"$label\""; fail=1; }
done

# 2. Screenshots.
timeout 50 "$tray_exe" --data-dir "$data" --lang ja --screenshot "$out" >"$work/shots.log" 2>&1 || {
    echo "tray_smoke: --screenshot failed"; cat "$work/shots.log"; exit 1; }
for png in status inventory menu icon-red; do
    f=$out/$png.png
    if [[ ! -s $f ]]; then echo "tray_smoke: $png.png missing"; fail=1; continue; fi
    colours=$(convert "$f" -format %k info:)
    echo "tray_smoke: $png.png $(identify -format '%wx%h' "$f"), $colours colours"
    min=40; [[ $png == icon-* ]] && min=2
    ((colours > min)) || { echo "tray_smoke: $png.png looks blank ($colours colours)"; fail=1; }
done

# 3. Resident memory of the tray running normally (subscribed, idle), the issue's target being
#    under 40 MB resident: sampled at start-up, once the tray has given back its start-up pages
#    (5 s after its first snapshot), and after the service pushed a change that recolours the
#    icon. The last figure is the steady state and is what is asserted.
"$tray_exe" --data-dir "$data" --lang ja >"$work/tray.log" 2>&1 &
tray_pid=$!
pids+=($tray_pid)
memory() { echo "VmRSS $(awk '/^VmRSS/ {print $2}' "/proc/$tray_pid/status") kB, PSS $(awk '/^Pss:/ {print $2}' "/proc/$tray_pid/smaps_rollup") kB"; }
sleep 3
if kill -0 "$tray_pid" 2>/dev/null; then
    echo "tray_smoke: memory at start-up: $(memory)"
    sleep 7
    echo "tray_smoke: memory when idle: $(memory)"
    ipc record_renewal "{\"credential\": \"gtol/user-password\", \"on\": \"$(date +%F)\"}" >/dev/null
    sleep 3
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$tray_pid/status")
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$tray_pid/smaps_rollup")
    echo "tray_smoke: memory after a pushed change: VmRSS ${rss} kB, PSS ${pss} kB (limit ${max_rss_kb} kB resident)"
    ((rss < max_rss_kb)) || { echo "tray_smoke: the tray uses too much memory"; fail=1; }
    # A second instance for the same data directory exits at once.
    timeout 10 "$tray_exe" --data-dir "$data" >/dev/null 2>&1 || true
    kill -0 "$tray_pid" 2>/dev/null || { echo "tray_smoke: a second instance stopped the first"; fail=1; }
    kill "$tray_pid"
else
    echo "tray_smoke: the tray exited early"; cat "$work/tray.log"; fail=1
fi

((fail == 0)) && echo "tray_smoke: OK"
exit $fail

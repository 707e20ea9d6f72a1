#!/usr/bin/env bash
# Installs the Debian 12 packages that build and test credwatch on Linux. Idempotent; as root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git
    clang-format  # scripts/check-format.sh, run by scripts/test.sh
    clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: libFuzzer, ASan/UBSan, llvm-symbolizer
    libboost1.81-dev libboost-json1.81-dev
    libssl-dev openssl libsqlite3-dev sqlite3
    libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev
    libgtest-dev libgmock-dev libcurl4-openssl-dev
    libsystemd-dev  # sd_notify: Type=notify and WatchdogSec in config/credwatch.service
    tzdata locales faketime  # faketime: the clock-jump fault test
    python3 python3-aiosmtpd python3-icalendar prometheus
    python3-dnslib  # tests/checks: the DNS server on loopback that the doctor test starts
    prometheus-alertmanager prometheus-node-exporter
    # tray companion (tray/) and its GUI smoke test (tests/integration/tray_smoke.sh)
    libwxgtk3.2-dev gettext xvfb x11-apps imagemagick fonts-noto-cjk xdotool
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "credwatch: these packages are missing and installing them needs root: ${missing[*]}" >&2
        exit 1
    fi
    echo "credwatch: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

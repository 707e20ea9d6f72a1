#!/usr/bin/env bash
# Runs tests/gui/test_tray_gui (the tray app whose buttons are clicked through the X server)
# on a private Xvfb display against a real credwatch-service with the tray fixture
# (tray_fixture.sh). Usage: tray_gui.sh SERVICE_EXE TEST_EXE [gtest arguments]
set -euo pipefail
service_exe=$1
test_exe=$2
shift 2
# shellcheck source=tray_fixture.sh
source "$(dirname "$0")/tray_fixture.sh"
tray_fixture_start "$service_exe"
export CREDWATCH_TEST_DATA_DIR=$data CREDWATCH_TEST_SERVICE_PID=$service_pid LANG=C.UTF-8
status=0
timeout 180 "$test_exe" "$@" || status=$?
if ((status != 0)); then
    echo "tray_gui: the test program failed ($status); the service's log:"
    tail -n 40 "$work/service.log"
fi
exit $status

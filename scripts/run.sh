#!/usr/bin/env bash
# Quick start, main job: builds credwatch and runs the service in the foreground on the bundled
# catalog and site configuration, with its SQLite database in ./demo-data. It prints the status
# of every tracked credential and the reminders it raises, then serves the CLI until Ctrl-C:
#   build/linux/service/credwatch --data-dir demo-data status
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build-linux.sh" >/dev/null
build=${CREDWATCH_BUILD_DIR:-$root/build/linux}
data=${CREDWATCH_DATA_DIR:-$root/demo-data}
echo "credwatch: data directory $data (Ctrl-C stops the service)"
exec "$build/service/credwatch-service" --data-dir "$data" --log-level warn "$@"

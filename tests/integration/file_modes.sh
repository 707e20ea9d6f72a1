#!/usr/bin/env bash
# Linux: the real service on a temporary data directory, started with umask 000 (the most
# permissive a caller can give it), keeps its records to itself:
#   - the data directory is 0711 (the socket group reaches the socket, nobody lists the folder);
#   - credwatch.db, its -wal and -shm and credwatch.lock have no group or other bits;
#   - the socket is 0660 and belongs to socket_group;
#   - files left 0666 by an older version (and a 0755 directory) are restricted on the next start.
# Usage: file_modes.sh SERVICE_EXE
set -uo pipefail
# shellcheck source=wait_for_socket.sh
source "$(dirname "$0")/wait_for_socket.sh"

service_exe=$1
work=$(mktemp -d /tmp/cw-modes.XXXXXX)
data=$work/data
group=$(id -gn)
service_pid=
fail=0
cleanup() {
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
printf '[service]\nsocket_group = "%s"\n' "$group" >"$work/site.toml"

start() {
    (umask 000; exec "$service_exe" --data-dir "$data" --config "$work/site.toml" --quiet) \
        >>"$work/service.log" 2>&1 &
    service_pid=$!
    wait_for_socket "$data/credwatch.sock" "$service_pid" 300 && return 0
    echo "file_modes: the service did not serve $data/credwatch.sock"; tail -n 20 "$work/service.log"
    exit 1
}
stop() {
    kill "$service_pid"; wait "$service_pid" 2>/dev/null; service_pid=
}
expect_mode() {  # expect_mode PATH MODE
    local got
    got=$(stat -c %a "$1")
    if [[ $got == "$2" ]]; then echo "  ok    $1: $got"; else echo "  FAIL  $1: mode $got, expected $2"; fail=1; fi
}
expect_owner_only() {  # expect_owner_only PATH (absent is fine for -wal and -shm)
    [[ -e $1 ]] || { echo "  -     $1: absent"; return; }
    local got
    got=$(stat -c %a "$1")
    if (( (8#$got & 8#077) == 0 )); then echo "  ok    $1: $got"; else echo "  FAIL  $1: mode $got has group or other bits"; fail=1; fi
}
check_all() {
    expect_mode "$data" 711
    for f in credwatch.db credwatch.db-wal credwatch.db-shm credwatch.lock; do expect_owner_only "$data/$f"; done
    [[ -e $data/credwatch.db ]] || { echo "  FAIL  no credwatch.db"; fail=1; }
    expect_mode "$data/credwatch.sock" 660
    local g
    g=$(stat -c %G "$data/credwatch.sock")
    [[ $g == "$group" ]] || { echo "  FAIL  the socket belongs to group $g, not $group"; fail=1; }
}

echo "file_modes: a new data directory"
start
sleep 1  # past the first evaluation: the database has been written
check_all
stop

echo "file_modes: files left 0666 and a 0755 directory by an older version"
chmod 0755 "$data"
for f in credwatch.db credwatch.db-wal credwatch.db-shm credwatch.lock; do
    [[ -e $data/$f ]] && chmod 0666 "$data/$f"
done
start
sleep 1
check_all
stop
exit $fail

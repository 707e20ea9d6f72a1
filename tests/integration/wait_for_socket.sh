# shellcheck shell=bash
# Sourced, not run (file_modes.sh, service_without_libcurl.sh, tray_fixture.sh).
#   wait_for_socket PATH PID TRIES   polls every 0.1 s, at most TRIES times, for the Unix socket
#                                    PATH; returns 0 once it exists, 1 when the process PID has
#                                    exited (an empty PID is not watched), 2 when the tries ran out
# Every service these scripts start runs no prerequisite checks: no test sends a packet beyond
# loopback (docs/doctor.md).
export CREDWATCH_SERVICE_CHECKS=${CREDWATCH_SERVICE_CHECKS:-off}

wait_for_socket() {
    local path=$1 pid=$2 tries=$3 i
    for ((i = 0; i < tries; i++)); do
        [[ -S $path ]] && return 0
        [[ -z $pid ]] || kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    [[ -S $path ]] && return 0
    return 2
}

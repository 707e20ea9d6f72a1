#!/usr/bin/env bash
# Linux: credwatch-service loads libcurl only when it sends an e-mail (common/notify/posix/
# curl_library.cpp), so that an idle service does not map curl's dependency tree:
#   - libcurl is neither among its ELF NEEDED entries nor among its dependencies (ldd);
#   - a service started on an empty data directory, with no e-mail configured, has no libcurl
#     mapped once it serves its IPC endpoint;
#   - that idle service stays under MAX_RSS_KB resident (VmRSS; docs/benchmarks.md: 12 MB,
#     10,000 kB) when it is given (optimised builds); CREDWATCH_SERVICE_MAX_RSS_KB overrides it.
# That mail still goes out is proven by tests/integration/test_notifications.py.
# Usage: service_without_libcurl.sh SERVICE_EXE [MAX_RSS_KB]
set -euo pipefail
# shellcheck source=wait_for_socket.sh
source "$(dirname "$0")/wait_for_socket.sh"

service_exe=$1
max_rss_kb=${CREDWATCH_SERVICE_MAX_RSS_KB:-${2:-0}}
for tool in readelf ldd; do
    command -v "$tool" >/dev/null || { echo "service_without_libcurl: $tool missing"; exit 1; }
done

fail=0
needed=$(readelf -d "$service_exe" | awk '/\(NEEDED\)/ {print $NF}' | tr -d '[]')
echo "service_without_libcurl: NEEDED $(echo $needed)"
if grep -q libcurl <<<"$needed"; then
    echo "service_without_libcurl: libcurl is an ELF NEEDED entry of $service_exe"; fail=1
fi
if ldd "$service_exe" | grep libcurl; then
    echo "service_without_libcurl: libcurl is among the dependencies of $service_exe (ldd)"; fail=1
fi

work=$(mktemp -d /tmp/cw-nocurl.XXXXXX)
service_pid=
cleanup() {
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data"
"$service_exe" --data-dir "$work/data" --quiet >"$work/service.log" 2>&1 &
service_pid=$!
wait_for_socket "$work/data/credwatch.sock" "$service_pid" 300 || {
    if (($? == 1)); then echo "service_without_libcurl: the service exited"
    else echo "service_without_libcurl: no IPC endpoint after 30 s"; fi
    cat "$work/service.log"; exit 1
}
sleep 1  # past the first evaluation and reminder pass
if grep -q libcurl "/proc/$service_pid/maps"; then
    echo "service_without_libcurl: the idle service has libcurl mapped"; fail=1
fi
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$service_pid/status")
echo "service_without_libcurl: idle VmRSS $rss_kb kB, $(grep -c '\.so' "/proc/$service_pid/maps") shared-object mappings"
if ((max_rss_kb > 0 && rss_kb >= max_rss_kb)); then
    echo "service_without_libcurl: the idle service uses $rss_kb kB resident, limit $max_rss_kb kB"
    fail=1
fi
exit $fail

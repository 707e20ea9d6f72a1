#!/usr/bin/env bash
# scripts/check-format.sh fails on an unformatted file, names it, and passes a formatted one.
set -uo pipefail
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$(cd "$(dirname "$script")/.." && pwd)
printf 'int  main( ){return 0;}\n' >"$tmp/unformatted.cpp"
clang-format --style="file:$root/.clang-format" "$tmp/unformatted.cpp" >"$tmp/formatted.cpp"
status=0

out=$("$script" "$tmp/unformatted.cpp" "$tmp/formatted.cpp")
rc=$?
if [[ $rc != 1 ]]; then echo "FAIL: exit $rc on an unformatted file, expected 1"; status=1; fi
if ! grep -q "unformatted.cpp" <<<"$out"; then echo "FAIL: unformatted file not named: $out"; status=1; fi
if grep -q "formatted.cpp" <<<"${out//unformatted.cpp/}"; then echo "FAIL: formatted file named: $out"; status=1; fi

out=$("$script" "$tmp/formatted.cpp")
rc=$?
if [[ $rc != 0 ]]; then echo "FAIL: exit $rc on a formatted file, expected 0: $out"; status=1; fi
exit $status

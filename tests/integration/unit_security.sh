#!/usr/bin/env bash
# The systemd unit's sandbox: `systemd-analyze security --offline=true` rates config/
# credwatch.service; its overall exposure must stay at or below MAX (2.5 by default: "OK").
# Exit code 77 (skipped) when systemd-analyze is missing or too old for --offline.
# Usage: unit_security.sh UNIT_FILE [MAX]
set -uo pipefail

unit=$1
max=${2:-2.5}
if ! command -v systemd-analyze >/dev/null; then
    echo "unit_security: SKIPPED: systemd-analyze is not installed"
    exit 77
fi
work=$(mktemp -d /tmp/cw-unit-security.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$unit" "$work/credwatch.service"
out=$(cd "$work" && systemd-analyze security --offline=true --no-pager credwatch.service 2>&1)
rc=$?
if grep -qiE "unrecognized option|unknown option" <<<"$out"; then
    echo "unit_security: SKIPPED: this systemd-analyze has no --offline ($(systemd-analyze --version | head -n 1))"
    exit 77
fi
score=$(sed -n 's/.*Overall exposure level for credwatch.service: \([0-9.]*\).*/\1/p' <<<"$out")
if [[ -z $score ]]; then
    echo "unit_security: no exposure level in the output of systemd-analyze (exit code $rc):"
    echo "$out" | tail -n 20
    exit 1
fi
echo "unit_security: exposure $score (limit $max)"
grep '✗' <<<"$out" | sed 's/^/  /'
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
    echo "unit_security: the unit's exposure $score is above $max"
    exit 1
fi

#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions called through check and trap, not directly
# `credwatch.exe doctor` and `credwatch.exe scan` under Wine: the Windows implementations of the
# doctor's checks (common/checks/windows, docs/doctor.md) against what the test puts in place
# with Windows' own APIs, and the certificate readers on .p7b (DER, PEM) and a .p12 whose .pass
# is UTF-16 LE with a BOM.
#
#   tests/integration/doctor_wine.sh [BUILD_DIR]      (default build/windows)
#
# BUILD_DIR must hold service/credwatch.exe and credwatch-check-fixture.exe:
#   cmake --build --preset windows --target credwatch-cli credwatch-check-fixture
# Called by scripts/test-windows.sh as a step of its own (CREDWATCH_SKIP_DOCTOR=1 skips it).
# Makes its own WINEPREFIX under /tmp (CREDWATCH_KEEP_PREFIX=1 keeps it) and kills its
# wineserver at the end. No packet leaves loopback: the site file disables the checks that
# resolve or connect to the manuals' servers, and the only name looked up is localhost.
# The last line is "N passed, M failed" (scripts/lib-test.sh); non-zero exit on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build/windows}" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib-test.sh
. "$ROOT/scripts/lib-test.sh"

CLI_EXE=$BUILD/service/credwatch.exe
FIXTURE=$(find "$BUILD" -name credwatch-check-fixture.exe -print -quit 2>/dev/null)
if [ ! -f "$CLI_EXE" ] || [ -z "$FIXTURE" ]; then
    ko "credwatch.exe and credwatch-check-fixture.exe are built in $BUILD"
    finish
fi

export WINEPREFIX=${CREDWATCH_DOCTOR_WINEPREFIX:-/tmp/credwatch-doctor-wine.$$}
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
# Wine's WinHTTP falls back to $http_proxy: the test sets every proxy itself.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
TMP=$(mktemp -d /tmp/credwatch-doctor-wine.XXXXXX)
cleanup() {
    wineserver -k >/dev/null 2>&1 || true
    if [ "${CREDWATCH_KEEP_PREFIX:-0}" = 1 ]; then log "Wine prefix kept: $WINEPREFIX, files: $TMP"
    else rm -rf "$WINEPREFIX" "$TMP"; fi
}
trap cleanup EXIT
rm -rf "$WINEPREFIX"
log "creating the Wine prefix $WINEPREFIX (wineboot -i)"
timeout 180 wineboot -i >/dev/null 2>&1 || { ko "wineboot -i"; finish; }
timeout 60 wineserver -w || true
wineserver -p 120
T=120 W cmd /c exit >/dev/null 2>&1 </dev/null || true

WIN_USER=$(W cmd /c 'echo %USERNAME%' 2>/dev/null | tr -d '\r\n')
fixture() { W "$FIXTURE" "$@"; }

# ---- the site file: the manuals' servers off, the test's own checks on ---------------------------
SITE=$TMP/site.toml
cat >"$SITE" <<EOF
[checks."cancer-registry".resolve-mio]
enabled = false
[checks."cancer-registry".resolve-sec]
enabled = false
[checks."cancer-registry".tcp-mio-443]
enabled = false
[checks."cancer-registry".tcp-sec-443]
enabled = false
[checks."online-eligibility".proxy-distribution-base]
enabled = true
# The catalog checks these in OqsComApp's session; here the test's user plays that part.
[checks."online-eligibility".credential-login-key]
session_user = "$WIN_USER"
[checks."online-eligibility".credential-institution-code]
session_user = "$WIN_USER"
[[check]]
system = "online-eligibility"
id = "credential-other-session"
kind = "credential_present"
target = "OQS_LOGIN_KEY"
session_user = "OqsComApp"
title_ja = "別のユーザーのセッションのチェック"
title_en = "A check of another user's session"
fix_ja = "-"
fix_en = "-"
manual = "site"
[[check]]
system = "online-eligibility"
id = "account-wine-user"
kind = "account"
name = "$WIN_USER"
group = "Administrators"
title_ja = "テストのアカウント"
title_en = "The test's account"
fix_ja = "-"
fix_en = "-"
manual = "site"
[[check]]
system = "online-eligibility"
id = "resolve-localhost"
kind = "resolve"
severity = "recommended"
host = "localhost"
title_ja = "localhost"
title_en = "localhost"
fix_ja = "-"
fix_en = "-"
manual = "site"
[[check]]
system = "orca-cloud"
id = "client-certificate"
kind = "certificate_present"
store = 'CurrentUser\\My'
subject_contains = "credwatch doctor client"
exactly = 1
title_ja = "クライアント証明書が 1 枚"
title_en = "Exactly one client certificate"
fix_ja = "-"
fix_en = "-"
manual = "site"
[[check]]
system = "orca-cloud"
id = "ca-certificate"
kind = "certificate_present"
store = 'CurrentUser\\Root'
issuer_contains = "credwatch doctor CA"
title_ja = "CA 証明書"
title_en = "The CA certificate"
fix_ja = "-"
fix_en = "-"
manual = "site"
EOF
SITE_WIN=$(winepath -w "$SITE")

RUN=0
doctor() {  # doctor NAME: doctor --json of every system into $TMP/NAME.json (stderr: NAME.err)
    RUN=$((RUN + 1))
    T=120 W "$CLI_EXE" doctor cancer-registry online-eligibility orca-cloud --site "$SITE_WIN" \
        --json --lang en >"$TMP/$1.json" 2>"$TMP/$1.err"
    echo $? >"$TMP/$1.rc"
}
check_of() {  # check_of NAME "python condition on c (the check with id ID)" ID
    json_check "$TMP/$1.json" "any(c['id'] == '$3' and ($2) for c in d['checks'])"
}

# ---- 1. conflicting software: Uninstall keys ---------------------------------------------------------
UNINSTALL='SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
doctor clean
check "doctor --json runs under Wine and its stdout is JSON" json_check "$TMP/clean.json" "'checks' in d"
check "conflicting-software ok on a fresh prefix" check_of clean "c['state'] == 'ok'" conflicting-software
check "a check of OqsComApp's session does not apply in the test user's, and says whose it is" \
    check_of clean "c['state'] == 'not_applicable' and 'OqsComApp' in c['evidence']" credential-other-session
W reg add "HKLM\\$UNINSTALL\\CwTestOpenVPN" /v DisplayName /d "OpenVPN 2.6.8-I001 amd64" /f >/dev/null 2>&1
W reg add "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\CwTestVBox" \
    /v DisplayName /d "Oracle VM VirtualBox 7.0.12" /f >/dev/null 2>&1
# Harmless, though it holds "eset" and "vpn" inside words: patterns match whole words.
W reg add "HKCU\\$UNINSTALL\\CwTestHarmless" /v DisplayName /d "Network Reset Helper" /f >/dev/null 2>&1
doctor conflicts
check "conflicting-software failed naming OpenVPN (HKLM) and VirtualBox (WOW6432Node)" check_of conflicts \
    "c['state'] == 'failed' and 'OpenVPN 2.6.8' in c['evidence'] and 'VirtualBox 7.0.12' in c['evidence']" conflicting-software
check "the harmless program is not named (word match: 'ESET' is not in 'Reset')" check_of conflicts \
    "'Network Reset Helper' not in c['evidence']" conflicting-software
check "doctor exits 1 when a required check failed" test "$(cat "$TMP/conflicts.rc")" = 1
W reg add "HKCU\\$UNINSTALL\\CwTestBonjour" /v DisplayName /d "Bonjour" /f >/dev/null 2>&1
W reg delete "HKLM\\$UNINSTALL\\CwTestOpenVPN" /f >/dev/null 2>&1
W reg delete "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\CwTestVBox" /f >/dev/null 2>&1
doctor bonjour
check "a per-user (HKCU) Bonjour is found too" check_of bonjour \
    "c['state'] == 'failed' and 'Bonjour' in c['evidence'] and 'OpenVPN' not in c['evidence']" conflicting-software
W reg delete "HKCU\\$UNINSTALL\\CwTestBonjour" /f >/dev/null 2>&1
doctor removed
check "conflicting-software ok again after reg delete" check_of removed "c['state'] == 'ok'" conflicting-software

# ---- 2. Credential Manager: names only, the secret never shown ----------------------------------------
SECRET="Cw-Doctor-Secret-$$-Zq7"
check "credential checks fail while the entries are missing" check_of removed \
    "c['state'] == 'failed' and 'OQS_LOGIN_KEY' in c['evidence']" credential-login-key
check "CredWriteW OQS_LOGIN_KEY (user R0...)" fixture cred-write OQS_LOGIN_KEY R012345678 "$SECRET"
check "CredWriteW OQS_MEDICAL_INSTITUTION_CODE (user OQS_Admin)" \
    fixture cred-write OQS_MEDICAL_INSTITUTION_CODE OQS_Admin "${SECRET}-code"
doctor credentials
check "credential-login-key ok, user name shown" check_of credentials \
    "c['state'] == 'ok' and 'R012345678' in c['evidence']" credential-login-key
check "credential-institution-code ok" check_of credentials "c['state'] == 'ok'" credential-institution-code
no_secret() {  # the secret, as UTF-8 and as UTF-16 LE, in none of the files given
    local utf16
    utf16=$(printf '%s' "$SECRET" | iconv -f UTF-8 -t UTF-16LE | xxd -p | tr -d '\n')
    for f in "$@"; do
        grep -qF "$SECRET" "$f" && { echo "the secret is in $f"; return 1; }
        xxd -p "$f" | tr -d '\n' | grep -q "$utf16" && { echo "the secret (UTF-16) is in $f"; return 1; }
    done
    return 0
}
mapfile -t LOGS < <(find "$WINEPREFIX/drive_c" -name '*.log' -newer "$SITE" -type f 2>/dev/null)
check "the secret is not in the doctor's stdout, stderr or any log (UTF-8 and UTF-16)" \
    no_secret "$TMP/credentials.json" "$TMP/credentials.err" "${LOGS[@]}"
check "CredWriteW OQS_LOGIN_KEY with a user not starting R0/R1" fixture cred-write OQS_LOGIN_KEY X99999 "$SECRET"
doctor wrong_user
check "credential-login-key failed naming the user and the expected prefixes" check_of wrong_user \
    "c['state'] == 'failed' and 'X99999' in c['evidence'] and 'R0' in c['evidence']" credential-login-key
check "no secret in the failing run's output either" no_secret "$TMP/wrong_user.json" "$TMP/wrong_user.err"

# ---- 3. scheduled tasks and accounts, as far as Wine implements them ----------------------------------
check "scheduled-tasks: a state with evidence, no crash" check_of clean \
    "c['state'] in ('ok', 'warning', 'failed', 'cannot_check') and c['evidence']" scheduled-tasks
SCHTASKS_OK=0
cat >"$TMP/task.xml" <<EOF
<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <Principals><Principal id="Author"><UserId>$WIN_USER</UserId><LogonType>InteractiveToken</LogonType></Principal></Principals>
  <Settings><Enabled>true</Enabled></Settings>
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Actions Context="Author"><Exec><Command>cmd.exe</Command><Arguments>/c exit 0</Arguments></Exec></Actions>
</Task>
EOF
iconv -f UTF-8 -t UTF-16 "$TMP/task.xml" >"$TMP/task16.xml"
if W schtasks /create /tn OQS_exec_distroappstart /xml "$(winepath -w "$TMP/task16.xml")" /f >"$TMP/schtasks.out" 2>&1; then
    SCHTASKS_OK=1
fi
log "schtasks /create under Wine: $([ $SCHTASKS_OK = 1 ] && echo works || echo "fails: $(tr -d '\r' <"$TMP/schtasks.out" | head -n 2)")"
doctor tasks
if [ $SCHTASKS_OK = 1 ]; then
    check "scheduled-tasks failed: the four tasks not created are named, the created one is not" check_of tasks \
        "c['state'] in ('failed', 'cannot_check') and 'OQS_exec_comappstart' in c['evidence'] and 'OQS_exec_distroappstart is not registered' not in c['evidence']" scheduled-tasks
fi
check "account-oqscomapp: failed (no such account) or cannot_check with a reason" check_of clean \
    "(c['state'] == 'failed' and 'OqsComApp' in c['evidence']) or (c['state'] == 'cannot_check' and c['evidence'])" account-oqscomapp
# Wine's NetUserGetInfo knows the user Wine runs as, a member of Administrators (found by the
# SID S-1-5-32-544's local name).
check "account of the Wine user ($WIN_USER): exists and is a member of Administrators" check_of clean \
    "c['state'] == 'ok' and 'Administrators' in c['evidence']" account-wine-user

# ---- 4. certificates in the user's stores ----------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.der" -outform DER \
    -days 400 -subj "/CN=credwatch doctor CA/O=credwatch test" >/dev/null 2>&1
cert() {  # cert NAME CN: a certificate valid 30 days
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/$1.key" -out "$TMP/$1.der" -outform DER \
        -days 30 -subj "/CN=$2/O=credwatch test" >/dev/null 2>&1
}
cert client1 "credwatch doctor client 1"
cert client2 "credwatch doctor client 2"
cert nokey "credwatch doctor client without key"
check "certificate checks fail while the stores hold none" check_of clean \
    "c['state'] == 'failed' and '0 found' in c['evidence']" client-certificate
check "add the CA to CurrentUser\\Root" fixture add-cert "$(winepath -w "$TMP/ca.der")" Root
check "add a client certificate with a key provider to CurrentUser\\My" fixture add-cert "$(winepath -w "$TMP/client1.der")" My --key
check "add a matching certificate without a key to CurrentUser\\My" fixture add-cert "$(winepath -w "$TMP/nokey.der")" My
doctor certs
check "client-certificate ok: exactly one usable, the keyless one listed as not usable" check_of certs \
    "c['state'] == 'ok' and 'credwatch doctor client 1' in c['evidence'] and 'no private key' in c['evidence']" client-certificate
check "ca-certificate ok (issuer found in CurrentUser\\Root)" check_of certs "c['state'] == 'ok'" ca-certificate
check "add a second usable client certificate" fixture add-cert "$(winepath -w "$TMP/client2.der")" My --key
doctor two_certs
check "client-certificate failed with two usable ones, both named" check_of two_certs \
    "c['state'] == 'failed' and '2 found' in c['evidence'] and 'client 2' in c['evidence']" client-certificate
check "no key material in the output" bash -c "! grep -q 'PRIVATE KEY' '$TMP/two_certs.json'"

# ---- 5. WinHTTP's default proxy --------------------------------------------------------------------
check "proxy-distribution-base failed while no proxy is set (direct)" check_of clean \
    "c['state'] == 'failed' and 'direct' in c['evidence']" proxy-distribution-base
check "set WinHTTP's proxy (WinHttpSetDefaultProxyConfiguration), bypass <local>" \
    fixture winhttp-proxy proxy.base.oqs-pdl.org:8080 "<local>"
doctor winhttp
check "proxy-distribution-base ok, the source named WinHTTP" check_of winhttp \
    "c['state'] == 'ok' and 'WinHTTP' in c['evidence']" proxy-distribution-base
check "resolve localhost: no proxy note (bypassed by <local>)" check_of winhttp \
    "c['state'] == 'ok' and 'proxy' not in c['evidence']" resolve-localhost
check "set WinHTTP's proxy without a bypass list" fixture winhttp-proxy proxy.base.oqs-pdl.org:8080 ""
doctor winhttp_all
check "resolve localhost: a warning that the WinHTTP proxy applies" check_of winhttp_all \
    "c['state'] == 'warning' and 'WinHTTP' in c['evidence']" resolve-localhost
check "the environment comes first (https_proxy)" bash -c \
    "https_proxy=http://user:pw@envproxy.test:3128 timeout 120 wine '$CLI_EXE' doctor online-eligibility --site '$SITE_WIN' --json --lang en >'$TMP/env.json' 2>/dev/null; python3 -c \"import json,sys; d=json.load(open('$TMP/env.json')); c=[c for c in d['checks'] if c['id']=='proxy-distribution-base'][0]; sys.exit(0 if 'https_proxy' in c['evidence'] and 'envproxy.test:3128' in c['evidence'] and 'pw' not in c['evidence'] else 1)\""
# The user's Internet Settings: the DefaultConnectionSettings value inetcpl writes (version 0x46,
# a counter, flags 2 = a named proxy, then the proxy and the bypass list, each length-prefixed).
ie_settings() {  # ie_settings PROXY BYPASS: the value's hex
    python3 -c 'import struct,sys
p, b = sys.argv[1].encode(), sys.argv[2].encode()
blob = struct.pack("<III", 0x46, 1, 2) + struct.pack("<I", len(p)) + p + struct.pack("<I", len(b)) + b + struct.pack("<I", 0) + bytes(32)
print(blob.hex())' "$1" "$2"
}
W reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' \
    /v DefaultConnectionSettings /t REG_BINARY /d "$(ie_settings ieproxy.test:8081 '<local>')" /f >/dev/null 2>&1
doctor ie_settings
check "Internet Settings' proxy applies before WinHTTP's (still set), the source named" check_of ie_settings \
    "'ieproxy.test:8081' in c['evidence'] and 'WinHTTP' not in c['evidence'] and 'Internet Settings' in c['evidence']" proxy-distribution-base
# A bypass in one source does not hide another's proxy: WinHTTP's (no bypass) still applies.
check "localhost bypassed by Internet Settings still gets WinHTTP's proxy note" check_of ie_settings \
    "c['state'] == 'warning' and 'WinHTTP' in c['evidence']" resolve-localhost
fixture winhttp-proxy direct "" >/dev/null 2>&1
doctor ie_bypass
check "Internet Settings' bypass list <local> applies to localhost (WinHTTP direct)" check_of ie_bypass \
    "c['state'] == 'ok' and 'proxy' not in c['evidence']" resolve-localhost
W reg delete 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' \
    /v DefaultConnectionSettings /f >/dev/null 2>&1
fixture winhttp-proxy direct "" >/dev/null 2>&1

# ---- 6. scan: .p7b in DER and PEM, a .p12 with a UTF-16 LE .pass (BOM) ------------------------------
SCAN=$TMP/scan
mkdir -p "$SCAN"
openssl crl2pkcs7 -nocrl -certfile <(openssl x509 -inform DER -in "$TMP/client1.der") \
    -certfile <(openssl x509 -inform DER -in "$TMP/client2.der") -outform DER -out "$SCAN/bundle-der.p7b" 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile <(openssl x509 -inform DER -in "$TMP/ca.der") \
    -certfile <(openssl x509 -inform DER -in "$TMP/nokey.der") -outform PEM -out "$SCAN/bundle-pem.p7b" 2>/dev/null
P12_PASS="パス-Wörd-$$"
openssl x509 -inform DER -in "$TMP/client1.der" -out "$TMP/client1.pem"
openssl pkcs12 -export -in "$TMP/client1.pem" -inkey "$TMP/client1.key" -passout "pass:$P12_PASS" \
    -out "$SCAN/client.p12" 2>/dev/null
{ printf '\xff\xfe'; printf '%s' "$P12_PASS" | iconv -f UTF-8 -t UTF-16LE; } >"$SCAN/client.pass"
fp() { openssl x509 -inform DER -in "$TMP/$1.der" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
T=120 W "$CLI_EXE" scan "$(winepath -w "$SCAN")" --json >"$TMP/scan.json" 2>"$TMP/scan.err"
check "scan: the DER .p7b gives one record per certificate" json_check "$TMP/scan.json" \
    "sorted(r.get('sha256') for r in d if r['path'].endswith('bundle-der.p7b')) == sorted(['$(fp client1)', '$(fp client2)'])"
check "scan: the PEM .p7b gives one record per certificate" json_check "$TMP/scan.json" \
    "sorted(r.get('sha256') for r in d if r['path'].endswith('bundle-pem.p7b')) == sorted(['$(fp ca)', '$(fp nokey)'])"
check "scan: the .p12 opens with its UTF-16 LE .pass (BOM)" json_check "$TMP/scan.json" \
    "any(r['path'].endswith('client.p12') and r.get('sha256') == '$(fp client1)' and 'error' not in r for r in d)"
check "scan: the .p12 password is not printed" bash -c \
    "! grep -qF '$P12_PASS' '$TMP/scan.json' '$TMP/scan.err'"

finish

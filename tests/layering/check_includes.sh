#!/usr/bin/env bash
# What the link lists cannot forbid (Boost's headers are one package): the domain layer
# includes no SQLite, JSON, OpenSSL, TOML or curl, and no library includes a higher one's
# headers. Prints each offending line; exits 1 when there is one.
set -euo pipefail
common=$(cd "$(dirname "$0")/../../common" && pwd)
status=0
# layer: the credwatch headers and third-party headers it must not include
declare -A forbidden=(
    [base]='credwatch/(platform|domain|certs|store|ipc|notify|catalog|checks)/|sqlite3|boost/json|openssl/|toml\+\+|curl/'
    [platform]='credwatch/(domain|certs|store|ipc|notify|catalog|checks)/|sqlite3|boost/json|openssl/|toml\+\+|curl/'
    [domain]='credwatch/(platform|certs|store|ipc|notify|catalog|checks)/|sqlite3|boost/json|openssl/|toml\+\+|curl/|spdlog'
    [certs]='credwatch/(store|ipc|notify|catalog)/|sqlite3|boost/json|toml\+\+|curl/'
    [store]='credwatch/(certs|ipc|notify|catalog)/|boost/json|openssl/|toml\+\+|curl/'
    [ipc]='credwatch/(certs|store|notify|catalog)/|sqlite3|openssl/|toml\+\+|curl/'
    [notify]='credwatch/(certs|store|ipc|catalog)/|boost/json|sqlite3|openssl/|toml\+\+'
    [catalog]='credwatch/(certs|store|ipc|checks)/|sqlite3|boost/json|openssl/|curl/'
    [checks]='credwatch/(certs|store|ipc|notify|catalog)/|sqlite3|boost/json|openssl/|toml\+\+|curl/'
)
for layer in "${!forbidden[@]}"; do
    if hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](${forbidden[$layer]})" \
        "$common/$layer" 2>/dev/null); then
        echo "common/$layer includes what its layer may not:"
        echo "$hits" | sed "s#^$common/#  common/#"
        status=1
    fi
done
((status == 0)) && echo "layering: every library includes only the layers below it"
exit $status

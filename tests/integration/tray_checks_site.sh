# The site file of the tray's GUI tests (sourced by tray_fixture.sh and tray_smoke_wine.sh):
# the bundled config/site.toml with every network check of the catalog tuned to loopback or
# disabled, so that the service's own check runs send no packet beyond 127.0.0.1.
#   tray_checks_site FILE PORT   writes FILE; tcp-mio-443 checks 127.0.0.1:PORT (the GUI test
#                                opens and closes a listener there); one check of the user's
#                                session (user-certificate-tray), which the tray reports
# A check added to the catalog that reaches the network must be tuned here too. The service is
# then started with CREDWATCH_SERVICE_CHECKS=on (the tests' default is off).

tray_checks_site() {
    local file=$1 port=$2
    cat "$(dirname "${BASH_SOURCE[0]}")/../../config/site.toml" >"$file"
    cat >>"$file" <<TOML

# --- tests: no check leaves loopback ---
[checks]
first_run_after_minutes = 0
[checks."cancer-registry".resolve-mio]
enabled = false
[checks."cancer-registry".resolve-sec]
enabled = false
[checks."cancer-registry".tcp-mio-443]
host = "127.0.0.1"
port = $port
timeout_ms = 2000
[checks."cancer-registry".tcp-sec-443]
enabled = false
[checks."cancer-registry".udp-sec-500]
enabled = false
[checks."cancer-registry".udp-sec-4500]
enabled = false
[checks."online-eligibility".proxy-distribution-base]
enabled = false
[checks."online-eligibility".clock-distribution-base]
enabled = false
# A check of the user's own session (the tray runs it and reports it); none has this subject.
[[check]]
system = "cancer-registry"
id = "user-certificate-tray"
kind = "certificate_present"
severity = "recommended"
store = 'CurrentUser\My'
subject_contains = "credwatch tray test"
title_ja = "利用者の証明書（テスト）"
title_en = "The user's certificate (test)"
fix_ja = "-"
fix_en = "-"
manual = "test"
TOML
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_loopback_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

#!/usr/bin/env python3
"""The real credwatch-service runs the machine-level prerequisite checks; the real CLI reads them
(`credwatch checks --run --json`). Every network check is tuned to servers this test starts on
127.0.0.1 (DNS with dnslib, SNTP, a TCP listener, a closed port); as root the whole test runs in
a network namespace of its own (unshare), where only loopback exists, and an address added to
its loopback is the network change that makes the service run the checks again (netlink).

usage: test_service_checks.py --service EXE --cli EXE CASE   (run_json, network_change)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "checks"))
import cwtest as cw  # noqa: E402

try:
    import dnslib  # noqa: F401
except ImportError:
    print("SKIP: python3-dnslib is not installed (scripts/linux-deps.sh)")
    sys.exit(cw.SKIP)
from test_doctor_loopback import closed_port, start_dns, start_sntp, start_tcp_listener  # noqa: E402

IN_NAMESPACE = "CREDWATCH_TEST_IN_NETNS"


def in_private_network():
    """Re-runs this test in a new network namespace (root, unshare present): only loopback."""
    if os.environ.get(IN_NAMESPACE) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return True
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    env = dict(os.environ, **{IN_NAMESPACE: "1"})
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "--net", sys.executable] + sys.argv, env)
    return False  # not reached


def site_text(metrics, dns_port, tcp_port, closed, sntp_port):
    return f"""
[service]
systems = ["cancer-registry", "online-eligibility"]
language = "en"

[metrics]
textfile = '{metrics}'

[checks]
first_run_after_minutes = 0
network_change_quiet_seconds = 1

[checks."cancer-registry".resolve-mio]
resolver = "127.0.0.1:{dns_port}"
timeout_ms = 2000
[checks."cancer-registry".resolve-sec]
resolver = "127.0.0.1:{dns_port}"
timeout_ms = 2000
[checks."cancer-registry".tcp-mio-443]
host = "127.0.0.1"
port = {tcp_port}
timeout_ms = 2000
[checks."cancer-registry".tcp-sec-443]
host = "127.0.0.1"
port = {closed}
timeout_ms = 2000
[checks."online-eligibility".clock-distribution-base]
enabled = true
server = "127.0.0.1"
port = {sntp_port}
timeout_ms = 2000
"""


def expect(condition, message, detail=""):
    if not condition:
        print("FAIL:", message)
        if detail:
            print(detail)
        sys.exit(1)


def by_id(reply):
    return {c["id"]: c for c in reply["checks"]}


def main():
    rest = cw.parse_args()
    case = rest[0] if rest else "run_json"
    private = in_private_network()
    if case == "network_change" and not private:
        print("SKIP: a network change needs root and unshare (a namespace of the test's own)")
        sys.exit(cw.SKIP)
    with tempfile.TemporaryDirectory() as folder:
        dns, dns_port = start_dns({"mio.ccr.ncc.go.jp": "133.162.82.105",
                                   "sec.ccr.ncc.go.jp": "219.97.232.64"})
        sntp, sntp_port = start_sntp(1)
        tcp, tcp_port = start_tcp_listener()
        metrics = os.path.join(folder, "credwatch.prom")
        site = os.path.join(folder, "site.toml")
        with open(site, "w", encoding="utf-8") as f:
            f.write(site_text(metrics, dns_port, tcp_port, closed_port(), sntp_port))
        data = os.path.join(folder, "data")
        env = cw.child_env(CREDWATCH_SERVICE_CHECKS="on")
        env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
        service = cw.site_service(data, site, env=env)
        service.start()
        try:
            r = cw.cli(data, "checks", "--run", "--json", text=True, timeout=60, env=env)
            expect(r.returncode == 1, "tcp-sec-443 failed: exit 1",
                   f"exit {r.returncode}\n{r.stdout}\n{r.stderr}\n{service.output()}")
            reply = json.loads(r.stdout)  # pure JSON on stdout
            checks = by_id(reply)
            detail = json.dumps(reply, indent=1, ensure_ascii=False)
            expect(checks["resolve-mio"]["state"] == "ok"
                   and "133.162.82.105" in checks["resolve-mio"]["evidence_en"],
                   "mio resolves through the test's DNS server", detail)
            expect(checks["tcp-mio-443"]["state"] == "ok", "the listener accepts", detail)
            expect(checks["tcp-sec-443"]["state"] == "failed"
                   and checks["tcp-sec-443"]["failing_since"], "the closed port fails", detail)
            expect(checks["clock-distribution-base"]["state"] == "ok", "1 s offset is fine", detail)
            expect(checks["udp-sec-500"]["state"] == "cannot_check", "UDP cannot be proven", detail)
            expect("credential-login-key" not in checks,
                   "user-session kinds are not the service's", detail)
            expect(reply["last_run"] and reply["running"] is False, "a finished run", detail)
            expect(reply["throttled"] is False, "the first run is not throttled", detail)
            again = json.loads(cw.cli(data, "checks", "--run", "--json", text=True,
                                      env=env).stdout)
            expect(again["throttled"] is True, "a second run within 30 s is throttled")
            with open(metrics, encoding="utf-8") as f:
                text = f.read()
            expect('credwatch_check_ok{system="cancer-registry",check="tcp-sec-443"' in text
                   and any(line.startswith('credwatch_check_ok{system="cancer-registry",'
                                           'check="tcp-sec-443"') and line.endswith(" 0")
                           for line in text.splitlines()),
                   "the metrics file has the failed gauge", text)
            human = cw.cli(data, "checks", text=True, env=env)
            expect("[FAILED]" in human.stdout and "tcp-sec-443" in human.stdout,
                   "the human output shows the failure", human.stdout)
            log = service.output()
            expect("check failing: cancer-registry/tcp-sec-443" in log,
                   "the service logged the reminder", log)

            if case == "network_change":
                runs_before = log.count("checks: running")
                # An address added to loopback (RTM_NEWADDR): needs no module, unlike a dummy
                # link, and exists only in this namespace.
                subprocess.run(["ip", "addr", "add", "127.0.0.77/8", "dev", "lo"], check=True)
                ok = cw.wait_until(lambda: "(network change)" in service.output(), 15)
                expect(ok, "a link change makes the service run the checks again",
                       service.output())
                expect(service.output().count("checks: running") > runs_before,
                       "one more run")
        finally:
            service.stop()
            dns.stop()
            sntp.close()
            tcp.close()
    print("ok")


if __name__ == "__main__":
    main()

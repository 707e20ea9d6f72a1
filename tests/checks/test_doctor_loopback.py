#!/usr/bin/env python3
"""credwatch doctor against servers this test starts on 127.0.0.1: a DNS server (dnslib) that
answers the manual's names, an SNTP responder with a chosen offset, a TCP listener and a closed
port. The site file points every network check at loopback; no packet leaves the machine.

usage: test_doctor_loopback.py CREDWATCH_CLI CASE   (all_ok, failures, json_pure, dns_server_down)
"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

try:
    from dnslib import A, QTYPE, RCODE, RR
    from dnslib.server import BaseResolver, DNSServer
except ImportError:
    print("SKIP: python3-dnslib is not installed (scripts/linux-deps.sh)")
    sys.exit(0)

NTP_TO_UNIX = 2208988800


class ManualNames(BaseResolver):
    def __init__(self, names):
        self.names = names

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        if name in self.names and request.q.qtype == QTYPE.A:
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(self.names[name]), ttl=60))
        elif name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def start_dns(names):
    server = DNSServer(ManualNames(names), port=0, address="127.0.0.1")
    server.start_thread()
    return server, server.server.server_address[1]


def start_sntp(offset_seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                data, peer = sock.recvfrom(512)
            except OSError:
                return
            if len(data) < 48:
                continue
            now = time.time() + offset_seconds + NTP_TO_UNIX
            ts = struct.pack("!II", int(now), int((now % 1) * (1 << 32)))
            reply = bytes([(0 << 6) | (4 << 3) | 4, 2, 6, 0xEC]) + bytes(20)
            reply += data[40:48] + ts + ts  # originate = the client's transmit
            sock.sendto(reply, peer)

    threading.Thread(target=serve, daemon=True).start()
    return sock, sock.getsockname()[1]


def start_tcp_listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
                conn.close()
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    return sock, sock.getsockname()[1]


def closed_port(kind=socket.SOCK_STREAM):
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def site_file(folder, dns_port, mio_port, sec_port, sntp_port, min_mb=1):
    text = f"""
[checks."cancer-registry".resolve-mio]
resolver = "127.0.0.1:{dns_port}"
timeout_ms = 2000
[checks."cancer-registry".resolve-sec]
resolver = "127.0.0.1:{dns_port}"
timeout_ms = 2000
[checks."cancer-registry".tcp-mio-443]
host = "127.0.0.1"
port = {mio_port}
timeout_ms = 2000
[checks."cancer-registry".tcp-sec-443]
host = "127.0.0.1"
port = {sec_port}
timeout_ms = 2000
[checks."online-eligibility".clock-distribution-base]
enabled = true
server = "127.0.0.1"
port = {sntp_port}
timeout_ms = 2000
[[check]]
system = "gtol"
id = "disk-here"
kind = "disk_free"
path = "{folder}"
min_mb = {min_mb}
title_ja = "空き容量"
title_en = "Free space here"
fix_ja = "空けてください。"
fix_en = "Free some space."
manual = "site"
[[check]]
system = "gtol"
id = "direct-portal"
kind = "proxy"
severity = "recommended"
host = "portal.internal.gtol.ncc.go.jp"
expect = "direct"
title_ja = "ポータルへ直接"
title_en = "Portal reached directly"
fix_ja = "no_proxy に入れてください。"
fix_en = "Add it to no_proxy."
manual = "site"
"""
    path = os.path.join(folder, "site.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run_doctor(cli, site, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(env_extra or {})
    started = time.monotonic()
    p = subprocess.run([cli, "doctor", "--site", site, *args], capture_output=True, text=True,
                       env=env, timeout=45)
    return p, time.monotonic() - started


def expect(condition, message, p=None):
    if not condition:
        print("FAIL:", message)
        if p is not None:
            print("--- exit", p.returncode, "\n--- stdout\n" + p.stdout + "\n--- stderr\n" + p.stderr)
        sys.exit(1)


def block_of(text, check_id):
    """The lines of one check in the human output (its title line to the next check)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(f"({check_id})"):
            block = [line]
            for nxt in lines[i + 1:]:
                if not nxt.startswith("    "):
                    break
                block.append(nxt)
            return "\n".join(block)
    return ""


def main():
    cli, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as folder:
        tcp, tcp_port = start_tcp_listener()
        if case == "all_ok":
            dns, dns_port = start_dns({"mio.ccr.ncc.go.jp": "133.162.82.105",
                                       "sec.ccr.ncc.go.jp": "127.0.0.2"})
            sntp, sntp_port = start_sntp(2)
            site = site_file(folder, dns_port, tcp_port, tcp_port, sntp_port)
            p, _ = run_doctor(cli, site, "--lang", "en")
            expect(p.returncode == 0, "nothing failed: exit 0", p)
            out = p.stdout
            expect("[ok]" in block_of(out, "resolve-mio") and "133.162.82.105" in out,
                   "mio resolves through the test's DNS server", p)
            sec = block_of(out, "resolve-sec")
            expect("[ok]" in sec and "127.0.0.2" in sec and "219.97.232.64" in sec
                   and "may change" in sec, "a different address is shown with the manual's", p)
            expect("[ok]" in block_of(out, "tcp-mio-443"), "the listener accepts", p)
            expect("[ok]" in block_of(out, "clock-distribution-base"), "2 s is within 60 s", p)
            expect("[cannot check]" in block_of(out, "udp-sec-500") and "IKE" in out,
                   "UDP 500 is 'cannot check' with the reason", p)
            expect("[ok]" in block_of(out, "disk-here") and "MB" in block_of(out, "disk-here"),
                   "a site's own disk_free check", p)
            expect("[ok]" in block_of(out, "direct-portal"), "no proxy: direct", p)
            expect("[not applicable]" in block_of(out, "scheduled-tasks"),
                   "the Windows-only checks do not apply here", p)
            ja, _ = run_doctor(cli, site, "--lang", "ja")
            expect(ja.returncode == 0 and "[正常] mio.ccr.ncc.go.jp の名前解決" in ja.stdout
                   and "確認不可" in ja.stdout, "Japanese output", ja)
            # Without systems on the command line, the ones the site uses.
            with open(site, encoding="utf-8") as f:
                text = f.read()
            used = os.path.join(folder, "site-gtol.toml")
            with open(used, "w", encoding="utf-8") as f:
                f.write('[service]\nsystems = ["gtol"]\n' + text)
            only, _ = run_doctor(cli, used, "--lang", "en")
            expect(only.returncode == 0 and "(disk-here)" in only.stdout
                   and "(resolve-mio)" not in only.stdout,
                   "[service] systems chooses the systems checked", only)
        elif case in ("failures", "json_pure"):
            dns, dns_port = start_dns({"mio.ccr.ncc.go.jp": "133.162.82.105"})
            sntp, sntp_port = start_sntp(600)
            site = site_file(folder, dns_port, closed_port(), tcp_port, sntp_port,
                             min_mb=100000000)
            proxy = {"https_proxy": "http://staff:pr0xy-secret@127.0.0.1:3128"}
            if case == "failures":
                p, _ = run_doctor(cli, site, "--lang", "en", env_extra=proxy)
                expect(p.returncode == 1, "a failed check: exit 1", p)
                out = p.stdout
                sec = block_of(out, "resolve-sec")
                expect("[FAILED]" in sec and "NXDOMAIN" in sec and "HOSTS file" in sec
                       and "manual:" in sec, "sec does not resolve: failed, with the fix", p)
                mio = block_of(out, "resolve-mio")
                expect("[warning]" in mio and "127.0.0.1:3128" in mio and "https_proxy" in mio,
                       "a proxy that applies to mio is reported", p)
                expect("pr0xy-secret" not in p.stdout + p.stderr and "staff" not in p.stdout,
                       "the proxy's user and password are never shown", p)
                expect("[FAILED]" in block_of(out, "tcp-mio-443")
                       and "refused" in block_of(out, "tcp-mio-443").lower(),
                       "a closed port fails with the reason", p)
                clock = block_of(out, "clock-distribution-base")
                expect("[FAILED]" in clock and "+600" in clock and "ntp.base.oqs-pdl.org" in clock,
                       "600 s off fails, with the manual's fix", p)
                expect("[FAILED]" in block_of(out, "disk-here")
                       and "not enough free space" in block_of(out, "disk-here"),
                       "100 TB needed: failed", p)
                expect("[warning]" in block_of(out, "direct-portal")
                       and "127.0.0.1:3128" in block_of(out, "direct-portal"),
                       "a recommended check that finds a proxy: warning", p)
                expect("summary: FAILED 4, warning 2," in out, "the summary counts them", p)
            else:
                p, _ = run_doctor(cli, site, "--json", "--lang", "ja", env_extra=proxy)
                expect(p.returncode == 1, "a failed check: exit 1 with --json too", p)
                try:
                    doc = json.loads(p.stdout)
                except ValueError as e:
                    expect(False, f"stdout is pure JSON ({e})", p)
                states = {(c["system"], c["id"]): c["state"] for c in doc["checks"]}
                expect(states[("cancer-registry", "resolve-sec")] == "failed", "sec failed", p)
                expect(states[("cancer-registry", "resolve-mio")] == "warning", "mio warning", p)
                expect(states[("cancer-registry", "tcp-sec-443")] == "ok", "listener ok", p)
                expect(states[("cancer-registry", "udp-sec-4500")] == "cannot_check", "udp", p)
                expect(states[("online-eligibility", "clock-distribution-base")] == "failed",
                       "clock failed", p)
                expect(doc["failed"] is True and doc["summary"]["failed"] == 4, "summary", p)
                expect(doc["lang"] == "ja" and "VPN" in
                       next(c["fix"] for c in doc["checks"] if c["id"] == "resolve-sec"),
                       "Japanese fix text", p)
                expect("pr0xy-secret" not in p.stdout, "no proxy password in JSON", p)
                only, _ = run_doctor(cli, site, "--json", "online-eligibility")
                ids = {c["system"] for c in json.loads(only.stdout)["checks"]}
                expect(ids == {"online-eligibility"}, "SYSTEM selects the checks", only)
                bad, _ = run_doctor(cli, site, "no-such-system")
                expect(bad.returncode == 2 and "no-such-system" in bad.stderr,
                       "an unknown system is a usage error naming it", bad)
        elif case == "dns_server_down":
            site = site_file(folder, closed_port(socket.SOCK_DGRAM), tcp_port, tcp_port,
                             closed_port(socket.SOCK_DGRAM))
            p, took = run_doctor(cli, site, "--lang", "en")
            expect(p.returncode == 1, "no DNS server: exit 1", p)
            expect("[FAILED]" in block_of(p.stdout, "resolve-mio")
                   and "127.0.0.1" in block_of(p.stdout, "resolve-mio"),
                   "the resolve check names the DNS server that did not answer", p)
            expect("[FAILED]" in block_of(p.stdout, "clock-distribution-base"),
                   "no time server: failed", p)
            expect(took < 15, f"bounded by the timeouts (took {took:.1f} s)", p)
        elif case == "silent_servers":
            # Bound but never answering: each wait ends at its timeout_ms (2 s).
            quiet_dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            quiet_dns.bind(("127.0.0.1", 0))
            quiet_ntp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            quiet_ntp.bind(("127.0.0.1", 0))
            site = site_file(folder, quiet_dns.getsockname()[1], tcp_port, tcp_port,
                             quiet_ntp.getsockname()[1])
            p, took = run_doctor(cli, site, "--lang", "en", "cancer-registry",
                                 "online-eligibility")
            expect(p.returncode == 1, "silent servers: exit 1", p)
            for check_id in ("resolve-mio", "resolve-sec", "clock-distribution-base"):
                block = block_of(p.stdout, check_id)
                expect("[FAILED]" in block and "no answer within 2000 ms" in block,
                       f"{check_id} fails at its timeout", p)
            expect(6 <= took < 12, f"three 2 s timeouts, one after another (took {took:.1f} s)", p)
        else:
            expect(False, "unknown case " + case)
    print("ok:", case)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How many series a fleet of clinics makes, and what Prometheus needs in memory for them.

    bench_fleet_scale.py --service PATH --cli PATH [--clinics 1000] [--scrapes 6]
                         [--prometheus prometheus] [--node-exporter prometheus-node-exporter]

1. A real credwatch-service runs on the bundled site configuration (config/site.toml: one
   credential of each kind of the four systems) with a metrics textfile; the status is set with
   the real CLI so that every kind of series is present (a password change, issuances).
2. Its textfile is the template of one clinic: it is copied N times with site_id clinic-0001...
   and an `instance` label (each clinic has its own exporter in reality; here one node_exporter
   serves all files and Prometheus keeps their instance with honor_labels).
3. One Prometheus with config/credwatch-alerts.yml scrapes the node_exporter every 5 s; after
   the given number of scrapes, the figures are read from Prometheus' own /metrics:
   process_resident_memory_bytes, go_memstats_heap_inuse_bytes, prometheus_tsdb_head_series,
   compared with the same Prometheus before the first scrape.

Loopback only; the temporary folder is removed at the end. Standard library only. Prints the
figures (docs/deployment.md has a run of it).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.2):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")
    except OSError:
        return ""


def gauges(text, names):
    out = {}
    for name in names:
        m = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, flags=re.M)
        out[name] = float(m.group(1)) if m else float("nan")
    return out


def env():
    e = dict(os.environ, TZ="Asia/Tokyo", LANG="C.UTF-8")
    return e


def template_textfile(args, folder):
    """The textfile of one clinic, written by the real service on the bundled site.toml."""
    site = os.path.join(folder, "site.toml")
    prom = os.path.join(folder, "credwatch.prom")
    with open(os.path.join(SOURCE_DIR, "config", "site.toml"), encoding="utf-8") as f:
        bundled = f.read()
    with open(site, "w", encoding="utf-8") as f:
        # [metrics] is only commented out in the bundled file; a table after the credentials.
        f.write(bundled + '\n[metrics]\ntextfile = "%s"\nsite_id = "TEMPLATE"\naccount = "U0000"\n'
                % prom)
    data = os.path.join(folder, "data")
    service = subprocess.Popen([args.service, "--data-dir", data, "--config", site, "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    try:
        cli = lambda *a: subprocess.run([args.cli, "--data-dir", data] + list(a),
                                        capture_output=True, env=env(), timeout=30)
        if not wait_until(lambda: cli("status").returncode == 0, 20):
            raise RuntimeError("credwatch-service did not start")
        listed = cli("list").stdout.decode()
        for credential in re.findall(r"^(\S+/\S+)", listed, flags=re.M):
            if "password" in credential:
                cli("password-changed", credential)
            elif "issuance" in credential:
                cli("issued", credential, "--total", "2")
        time.sleep(1)
        with open(prom, encoding="utf-8") as f:
            return f.read()
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=20)


def clinic_textfile(template, n):
    site = "clinic-%04d" % n
    instance = 'instance="pc-%04d:9182"' % n
    out = []
    for line in template.splitlines():
        if line.startswith("#") or not line:
            out.append(line)
            continue
        line = line.replace('"TEMPLATE"', '"%s"' % site).replace('"U0000"', '"U%04d"' % n)
        name, _, rest = line.partition(" ")
        if "{" in name:
            line = name[:-1] + "," + instance + "} " + rest
        else:
            line = name + "{" + instance + "} " + rest
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--service", required=True)
    p.add_argument("--cli", required=True)
    p.add_argument("--prometheus", default=shutil.which("prometheus") or "prometheus")
    p.add_argument("--node-exporter", default=shutil.which("prometheus-node-exporter")
                   or "node_exporter")
    p.add_argument("--clinics", type=int, default=1000)
    p.add_argument("--scrapes", type=int, default=6)
    args = p.parse_args()

    folder = tempfile.mkdtemp(prefix="credwatch-fleet-bench-")
    children = []
    try:
        template = template_textfile(args, folder)
        per_clinic = [l for l in template.splitlines() if l and not l.startswith("#")]
        textfiles = os.path.join(folder, "textfiles")
        os.makedirs(textfiles)
        for n in range(1, args.clinics + 1):
            with open(os.path.join(textfiles, "clinic-%04d.prom" % n), "w", encoding="utf-8") as f:
                f.write(clinic_textfile(template, n))

        ne_port = free_port()
        children.append(subprocess.Popen(
            [args.node_exporter, "--web.listen-address=127.0.0.1:%d" % ne_port,
             "--collector.disable-defaults", "--collector.textfile",
             "--collector.textfile.directory=" + textfiles],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        exposed = wait_until(lambda: get("http://127.0.0.1:%d/metrics" % ne_port), 20)
        exposed_credwatch = sum(1 for l in exposed.splitlines() if l.startswith("credwatch_"))
        exposed_all = sum(1 for l in exposed.splitlines() if l and not l.startswith("#"))

        prom_dir = os.path.join(folder, "prometheus")
        os.makedirs(prom_dir)
        shutil.copy(os.path.join(SOURCE_DIR, "config", "credwatch-alerts.yml"), prom_dir)
        with open(os.path.join(prom_dir, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n"
                    "rule_files: [credwatch-alerts.yml]\n"
                    "scrape_configs:\n  - job_name: credwatch\n    honor_labels: true\n"
                    "    scrape_timeout: 5s\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % ne_port)
        prom_port = free_port()
        url = "http://127.0.0.1:%d" % prom_port
        prom = subprocess.Popen(
            [args.prometheus, "--config.file=" + os.path.join(prom_dir, "prometheus.yml"),
             "--storage.tsdb.path=" + os.path.join(prom_dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(prom)
        wanted = ["process_resident_memory_bytes", "go_memstats_heap_inuse_bytes",
                  "prometheus_tsdb_head_series"]
        if not wait_until(lambda: get(url + "/-/ready"), 30):
            raise RuntimeError("Prometheus did not start")
        before = gauges(get(url + "/metrics"), wanted)
        scrapes = lambda: gauges(get(url + "/metrics"), [
            'prometheus_target_interval_length_seconds_count'])
        wait_until(lambda: scrapes()['prometheus_target_interval_length_seconds_count']
                   >= args.scrapes, 5 * args.scrapes + 30, interval=1)
        time.sleep(2)
        after = gauges(get(url + "/metrics"), wanted)

        mib = lambda b: b / 1024 / 1024
        print("clinics: %d, credwatch series per clinic: %d (template from the bundled site.toml)"
              % (args.clinics, len(per_clinic)))
        families = {}
        for line in per_clinic:
            name = re.match(r"[a-z_:]+", line).group(0)
            families[name] = families.get(name, 0) + 1
        print("  " + ", ".join("%s %d" % kv for kv in sorted(families.items())))
        print("series exposed by node_exporter: %d credwatch_*, %d in all"
              % (exposed_credwatch, exposed_all))
        print("after %d scrapes: prometheus_tsdb_head_series %d (before the first scrape %d)"
              % (args.scrapes, after["prometheus_tsdb_head_series"],
                 before["prometheus_tsdb_head_series"]))
        print("process_resident_memory_bytes: %.1f MiB (before %.1f MiB)"
              % (mib(after["process_resident_memory_bytes"]),
                 mib(before["process_resident_memory_bytes"])))
        print("go_memstats_heap_inuse_bytes: %.1f MiB (before %.1f MiB)"
              % (mib(after["go_memstats_heap_inuse_bytes"]),
                 mib(before["go_memstats_heap_inuse_bytes"])))
        return 0
    finally:
        for c in reversed(children):
            if c.poll() is None:
                c.terminate()
                try:
                    c.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    c.kill()
                    c.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

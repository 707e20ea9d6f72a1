#!/usr/bin/env python3
"""A vendor's view of five clinics, end to end, with the real servers.

    test_fleet.py --service PATH --cli PATH --prometheus PATH --alertmanager PATH
                  --node-exporter PATH [unittest arguments]

Each clinic is a real credwatch-service (own data dir, site.toml with its site_id, metrics
textfile in its own folder) whose state is set with the real CLI, and a real node_exporter
serving that folder with its textfile collector on its own loopback port. One Prometheus
scrapes them every second with config/credwatch-alerts.yml and sends to one Alertmanager, whose
route (by severity, grouped by site_id, with the inhibit rules of config/alertmanager.yml) ends
at a webhook receiver in this process. Only 127.0.0.1 is used; every wait is bounded; the
children are stopped and the temporary folder removed at the end.

Two things are made faster than in production, and only these:
  * every `for:` of the rules becomes 2s (the rules file is otherwise the project's, byte for
    byte; the number of replacements is checked against the number of `for:` lines);
  * the clinic whose service stopped gets a last-evaluation timestamp of 4 hours ago written
    into its textfile after the stop, as if it had stopped 4 hours earlier. The service writes
    that very line itself; ageing it stands for waiting 3 hours for the real threshold.

Standard library only.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
import cwtest as cw  # noqa: E402
from cwtest import child_env, days_ago, free_port  # noqa: E402

DEADLINE_SECONDS = 90  # the whole scenario; ctest's TIMEOUT is above it


def wait_until(predicate, timeout):
    return cw.wait_until(predicate, timeout, interval=0.2)


def http_get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode("utf-8"))


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def cli(data_dir, *args):
    r = cw.cli(data_dir, *args)
    if r.returncode != 0:
        raise AssertionError("credwatch %s failed (%d): %s"
                             % (" ".join(args), r.returncode, r.stderr.decode()))
    return r


class Child:
    """A server process with its output in a file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name, command, folder):
        self.name = name
        self.out = os.path.join(folder, name + ".out")
        self.log = open(self.out, "ab")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=child_env())

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        cw.stop_process(self.proc, timeout=15)
        self.log.close()

    def output(self):
        with open(self.out, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]


class Webhook:
    """Alertmanager's webhook receiver: keeps every notification, by path (the receiver)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.notifications = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.notifications.append((self.path, json.loads(body.decode("utf-8"))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def firing(self, sites=lambda site: not site.startswith("inhibit-")):
        """{(receiver path, alertname, site_id or account, credential)} of firing alerts."""
        with self.lock:
            got = set()
            for path, n in self.notifications:
                for a in n["alerts"]:
                    if a["status"] != "firing":
                        continue
                    labels = a["labels"]
                    site = labels.get("site_id", "account:" + labels.get("account", ""))
                    if sites(site):
                        got.add((path, labels["alertname"], site, labels.get("credential", "")))
            return got

    def alerts(self):
        with self.lock:
            return [a for _, n in self.notifications for a in n["alerts"]]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def fast_rules(text):
    """The project's rules with every `for:` shortened to 2s (see the module's docstring)."""
    expected = len(re.findall(r"^\s+for: \S+$", text, flags=re.M))
    fast, n = re.subn(r"^(\s+)for: \S+$", r"\1for: 2s", text, flags=re.M)
    assert n == expected and n >= 5, (n, expected)
    return fast


def test_alertmanager_config(webhook_port):
    """Routes by severity to the webhook (one path per severity), grouped like the project's
    example, with the project's inhibit rules copied verbatim."""
    with open(os.path.join(SOURCE_DIR, "config", "alertmanager.yml"), encoding="utf-8") as f:
        project = f.read()
    inhibit = project[project.index("inhibit_rules:"):project.index("\nreceivers:")]
    hook = "http://127.0.0.1:%d" % webhook_port
    return "\n".join([
        "route:",
        "  receiver: warning",
        "  group_by: [site_id, alertname]",
        "  group_wait: 1s",
        "  group_interval: 1s",
        "  repeat_interval: 1h",
        "  routes:",
        "    - matchers: [severity=\"critical\"]",
        "      receiver: critical",
        "    - matchers: [severity=\"warning\"]",
        "      receiver: warning",
        "    - matchers: [severity=\"info\"]",
        "      receiver: info",
        "",
        inhibit.rstrip(),
        "",
        "receivers:",
    ] + ["  - name: %s\n    webhook_configs:\n      - url: \"%s/%s\"\n        send_resolved: false"
         % (r, hook, r) for r in ("critical", "warning", "info")]) + "\n"


# site_id -> (organisation, account, credentials tracked, CLI commands that set the state)
CLINICS = {
    "clinic-due": ("A内科クリニック", "U-A001",
                   [("cancer-registry", "user-password"), ("gtol", "user-password")],
                   [["password-changed", "cancer-registry/user-password", "--on", days_ago(50)],
                    ["password-changed", "gtol/user-password", "--on", days_ago(1)]]),
    "clinic-expired": ("B病院 \"本院\"", "",
                       [("cancer-registry", "user-password")],
                       [["password-changed", "cancer-registry/user-password", "--on",
                         days_ago(70)]]),
    "clinic-quota": ("Cクリニック", "U-C003",
                     [("cancer-registry", "certificate-issuance")],
                     [["issued", "cancer-registry/certificate-issuance", "--total", "6"]]),
    "clinic-stopped": ("D眼科", "",
                       [("gtol", "user-password")],
                       [["password-changed", "gtol/user-password", "--on", days_ago(2)]]),
    "clinic-gone": ("E整形外科", "",
                    [("gtol", "user-password")],
                    [["password-changed", "gtol/user-password", "--on", days_ago(3)]]),
}


class Fleet:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="credwatch-fleet-")
        self.children = []
        self.services = {}
        self.exporters = {}
        self.webhook = None

    def start(self):
        started = time.monotonic()
        self.webhook = Webhook()
        targets = []
        for site_id, (organisation, account, credentials, commands) in CLINICS.items():
            folder = os.path.join(self.dir, site_id)
            textfiles = os.path.join(folder, "textfile")
            os.makedirs(textfiles)
            lines = ["[service]", "organisation = %s" % json.dumps(organisation, ensure_ascii=False),
                     "", "[metrics]",
                     "textfile = %s" % json.dumps(os.path.join(textfiles, "credwatch.prom")),
                     "site_id = %s" % json.dumps(site_id)]
            if account:
                lines.append("account = %s" % json.dumps(account))
            for system, kind in credentials:
                lines += ["", "[[credential]]", 'id = "%s/%s"' % (system, kind),
                          'system = "%s"' % system, 'kind = "%s"' % kind]
            site = os.path.join(folder, "site.toml")
            with open(site, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            data = os.path.join(folder, "data")
            service = Child(site_id + ".service",
                            [cw.ARGS.service, "--data-dir", data, "--config", site, "--quiet"], self.dir)
            self.children.append(service)
            self.services[site_id] = (service, data, textfiles)
            port = free_port()
            exporter = Child(site_id + ".node_exporter",
                             [cw.ARGS.node_exporter, "--web.listen-address=127.0.0.1:%d" % port,
                              "--collector.disable-defaults", "--collector.textfile",
                              "--collector.textfile.directory=" + textfiles], self.dir)
            self.children.append(exporter)
            self.exporters[site_id] = (exporter, port)
            targets.append("127.0.0.1:%d" % port)

        for site_id, (service, data, textfiles) in self.services.items():
            ok = wait_until(lambda: not service.alive() or subprocess.run(
                [cw.ARGS.cli, "--data-dir", data, "status"], capture_output=True,
                env=child_env()).returncode == 0, 20)
            if not ok or not service.alive():
                raise RuntimeError("%s did not start:\n%s" % (site_id, service.output()))
            for command in CLINICS[site_id][3]:
                cli(data, *command)

        # The stopped clinic: stop its service once the file shows the recorded change, then
        # age the timestamp the service wrote (see the docstring).
        service, data, textfiles = self.services["clinic-stopped"]
        prom = os.path.join(textfiles, "credwatch.prom")
        assert wait_until(lambda: 'state="ok"} 1' in read_text(prom), 15)
        service.stop()
        text = read_text(prom)
        aged = int(time.time()) - 4 * 3600
        text, n = re.subn(r"^credwatch_last_evaluation_timestamp_seconds \d+$",
                          "credwatch_last_evaluation_timestamp_seconds %d" % aged, text, flags=re.M)
        assert n == 1, text
        with open(prom + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(prom + ".tmp", prom)

        # Alertmanager, then Prometheus with the rules.
        am_port = free_port()
        am_dir = os.path.join(self.dir, "alertmanager")
        os.makedirs(am_dir)
        with open(os.path.join(am_dir, "alertmanager.yml"), "w", encoding="utf-8") as f:
            f.write(test_alertmanager_config(self.webhook.port))
        self.alertmanager = Child("alertmanager", [
            cw.ARGS.alertmanager, "--config.file=" + os.path.join(am_dir, "alertmanager.yml"),
            "--storage.path=" + os.path.join(am_dir, "data"),
            "--web.listen-address=127.0.0.1:%d" % am_port, "--cluster.listen-address="],
            self.dir)
        self.children.append(self.alertmanager)
        self.am_url = "http://127.0.0.1:%d" % am_port

        prom_dir = os.path.join(self.dir, "prometheus")
        os.makedirs(prom_dir)
        with open(os.path.join(SOURCE_DIR, "config", "credwatch-alerts.yml"), encoding="utf-8") as f:
            rules = fast_rules(f.read())
        with open(os.path.join(prom_dir, "credwatch-alerts.yml"), "w", encoding="utf-8") as f:
            f.write(rules)
        with open(os.path.join(prom_dir, "prometheus.yml"), "w", encoding="utf-8") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files: [credwatch-alerts.yml]\n"
                    "alerting:\n  alertmanagers:\n    - static_configs:\n"
                    "        - targets: ['127.0.0.1:%d']\n"
                    "scrape_configs:\n  - job_name: credwatch\n    static_configs:\n"
                    "      - targets: [%s]\n" % (am_port, ", ".join("'%s'" % t for t in targets)))
        prom_port = free_port()
        self.prometheus = Child("prometheus", [
            cw.ARGS.prometheus, "--config.file=" + os.path.join(prom_dir, "prometheus.yml"),
            "--storage.tsdb.path=" + os.path.join(prom_dir, "data"),
            "--web.listen-address=127.0.0.1:%d" % prom_port, "--rules.alert.resend-delay=1s",
            "--rules.alert.for-grace-period=1s"], self.dir)
        self.children.append(self.prometheus)
        self.prom_url = "http://127.0.0.1:%d" % prom_port

        def ready(url):
            try:
                with urllib.request.urlopen(url + "/-/ready", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        for child, url in ((self.alertmanager, self.am_url), (self.prometheus, self.prom_url)):
            if not wait_until(lambda: not child.alive() or ready(url), 30) or not child.alive():
                raise RuntimeError("%s did not start:\n%s" % (child.name, child.output()))

        # The clinic that goes away: once Prometheus has its metrics, stop its exporter (the
        # failed scrapes mark its series stale).
        if not wait_until(lambda: self.query('credwatch_info{site_id="clinic-gone"}'), 30):
            raise RuntimeError("Prometheus did not scrape clinic-gone:\n" + self.prometheus.output())
        self.exporters["clinic-gone"][0].stop()
        self.setup_seconds = time.monotonic() - started

    def query(self, expr):
        url = self.prom_url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            answer = http_get_json(url)
        except OSError:
            return []
        if answer.get("status") != "success":
            raise AssertionError("query %r: %s" % (expr, answer))
        return answer["data"]["result"]

    def stop(self, keep):
        for child in reversed(self.children):
            try:
                child.stop()
            except Exception:
                pass
        if self.webhook:
            self.webhook.stop()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("kept for inspection: " + self.dir, file=sys.stderr)


class FleetTest(unittest.TestCase):
    fleet = None

    @classmethod
    def setUpClass(cls):
        cls.fleet = Fleet()
        try:
            cls.fleet.start()
        except Exception:
            cls.fleet.stop(keep=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fleet.stop(keep=cls.failed)

    failed = False

    def run(self, result=None):
        result = super().run(result)
        if result and (result.failures or result.errors):
            type(self).failed = True
        return result

    def test_alerts_reach_the_vendor_by_clinic(self):
        f = self.fleet
        expected = {
            ("/warning", "CredwatchCredentialDueSoon", "clinic-due", "cancer-registry/user-password"),
            ("/critical", "CredwatchCredentialExpired", "clinic-expired",
             "cancer-registry/user-password"),
            ("/critical", "CredwatchIssuanceQuotaExhausted", "clinic-quota",
             "cancer-registry/certificate-issuance"),
            ("/critical", "CredwatchAccountIssuanceQuotaExhausted", "account:U-C003", ""),
            ("/warning", "CredwatchNotEvaluating", "clinic-stopped", ""),
            ("/warning", "CredwatchStoppedReporting", "clinic-gone", ""),
        }
        got = wait_until(lambda: expected <= f.webhook.firing() and f.webhook.firing(),
                         DEADLINE_SECONDS - f.setup_seconds)
        self.assertTrue(expected <= f.webhook.firing(),
                        "missing: %s\ngot: %s\nalerts in Prometheus: %s\n%s" % (
                            expected - f.webhook.firing(), f.webhook.firing(),
                            json.dumps(f.query("ALERTS"), ensure_ascii=False),
                            f.prometheus.output()))
        # A few more evaluations: nothing else arrives (no stale alert for the running
        # clinics, no "within three days" for 10 days left, no "one left" at the limit).
        time.sleep(4)
        self.assertEqual(f.webhook.firing(), expected)
        in_prometheus = {(a["metric"]["alertname"], a["metric"].get("site_id", ""))
                         for a in f.query('ALERTS{alertstate="firing"}')}
        self.assertEqual(in_prometheus, {(a, s) for _, a, s, _ in expected
                                         if not s.startswith("account:")} |
                         {("CredwatchAccountIssuanceQuotaExhausted", "")})

        by_name = {a["labels"]["alertname"]: a for a in f.webhook.alerts()}
        # The clinic's identity travels with the alerts, Japanese and quotes included.
        stale = by_name["CredwatchNotEvaluating"]["labels"]
        self.assertEqual(stale["organisation"], "D眼科")
        gone = by_name["CredwatchStoppedReporting"]
        self.assertEqual(gone["labels"]["organisation"], "E整形外科")
        self.assertEqual(gone["annotations"]["summary"], "clinic-gone (E整形外科) stopped reporting")
        due = by_name["CredwatchCredentialDueSoon"]["labels"]
        self.assertEqual(due["account"], "U-A001")
        self.assertEqual(by_name["CredwatchCredentialExpired"]["annotations"]["summary"],
                         "cancer-registry/user-password at clinic-expired has expired")
        info = f.query('credwatch_info{site_id="clinic-expired"}')
        self.assertEqual(info[0]["metric"]["organisation"], 'B病院 "本院"')
        self.assertNotIn("account", info[0]["metric"])  # empty: no label
        # Days left per clinic and system, from the recording rule.
        days = {(r["metric"]["site_id"], r["metric"]["system"]): r["value"][1]
                for r in f.query("credwatch:credential_day_left:min_by_site_system")}
        self.assertEqual(days[("clinic-due", "cancer-registry")], "10")
        self.assertEqual(days[("clinic-expired", "cancer-registry")], "-10")
        self.assertNotIn("clinic-gone", {s for s, _ in days})  # stale since its exporter stopped

    def test_inhibition_of_due_soon_while_expired(self):
        """The project's inhibit rules in the real Alertmanager: "due soon" for a credential is
        held back while "expired" fires for the same credential of the same clinic, not for
        another clinic's."""
        f = self.fleet
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        def alert(name, severity, site_id):
            return {"labels": {"alertname": name, "severity": severity, "site_id": site_id,
                               "credential": "orca/client-certificate"},
                    "startsAt": now}
        body = json.dumps([alert("CredwatchCredentialExpired", "critical", "inhibit-a"),
                           alert("CredwatchCredentialDueSoon", "warning", "inhibit-a"),
                           alert("CredwatchCredentialDueSoon", "warning", "inhibit-b")]).encode()
        request = urllib.request.Request(f.am_url + "/api/v2/alerts", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as r:
            self.assertEqual(r.status, 200)
        mine = lambda: {(p, a, s) for p, a, s, _ in
                        f.webhook.firing(lambda site: site.startswith("inhibit-"))}
        expected = {("/critical", "CredwatchCredentialExpired", "inhibit-a"),
                    ("/warning", "CredwatchCredentialDueSoon", "inhibit-b")}
        wait_until(lambda: mine() >= expected, 20)
        time.sleep(3)  # group_interval 1s: an uninhibited alert would have arrived by now
        self.assertEqual(mine(), expected)

    def test_dashboard_panels_have_data(self):
        """Every panel query of config/grafana-dashboard.json returns data from this fleet."""
        f = self.fleet
        with open(os.path.join(SOURCE_DIR, "config", "grafana-dashboard.json"),
                  encoding="utf-8") as file:
            dashboard = json.load(file)
        # Wait for the alerts first: some panels show them.
        wait_until(lambda: f.query('ALERTS{alertname="CredwatchStoppedReporting",'
                                   'alertstate="firing"}'), DEADLINE_SECONDS - f.setup_seconds)
        checked = 0
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"].replace("$site_id", ".*").replace("${site_id}", ".*")
                result = wait_until(lambda: f.query(expr), 10)
                self.assertTrue(result, "panel %r: no data for %s" % (panel["title"], expr))
                checked += 1
        self.assertGreaterEqual(checked, 5)
        # The clinic variable: label_values(metric, label) has values.
        for variable in dashboard["templating"]["list"]:
            m = re.fullmatch(r"label_values\((\w+), (\w+)\)", variable["query"]["query"])
            self.assertTrue(m, variable)
            values = {r["metric"].get(m.group(2)) for r in f.query(m.group(1))}
            self.assertTrue(set(CLINICS) - {"clinic-gone"} <= values, values)


def main():
    rest = cw.parse_args("--prometheus", "--alertmanager", "--node-exporter")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The ledger survives anything: the real credwatch-service driven by the real CLI.

    test_reliability.py --service PATH --cli PATH [unittest arguments]

- LedgerTest: `credwatch export ledger` / `import ledger` moving the ledger to a new PC.
- OutboxMarkTest: a mail the SMTP server accepted whose sent mark cannot be recorded (another
  connection holds the database's write lock) is not sent again by the running service.
- DiskTest: a full tmpfs as the data folder, and a full tmpfs for the metrics textfile (root
  only: skipped otherwise).
Every wait is bounded and polls.
"""

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import cwtest as cw
from cwtest import cli, cli_json

PASSWORD = "cancer-registry/user-password"
GTOL = "gtol/user-password"
ISSUANCE = "cancer-registry/certificate-issuance"


def plain_site(folder, metrics=None):
    lines = ["[service]", 'language = "en"', "certificate_folders = ['%s']" % os.path.join(folder, "certs"), ""]
    if metrics:
        lines += ["[metrics]", "textfile = '%s'" % metrics, ""]
    lines += cw.credential_lines(cw.SITE_CREDENTIALS)
    return "\n".join(lines)


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="credwatch-reliability-")
        os.makedirs(os.path.join(self.dir, "certs"))
        self.services = []
        self.cleanups_last = []

    def tearDown(self):
        for s in self.services:
            try:
                s.stop()
            except Exception:
                pass
        for f in reversed(self.cleanups_last):
            try:
                f()
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def site(self, name="site.toml", text=None):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text if text is not None else plain_site(self.dir))
        return path

    def start(self, data, site):
        service = cw.site_service(data, site)
        service.start()
        self.services.append(service)
        return service

    def status(self, data):
        return {c["id"]: c for c in cli_json(data, "status")["credentials"]}

    def audit(self, data):
        return cli_json(data, "audit", "--limit", "10000")["audit"]


class LedgerTest(Base):
    def test_move_to_new_pc(self):
        site = self.site()
        old = os.path.join(self.dir, "old")
        self.start(old, site)
        for args in (("password-changed", PASSWORD, "--on", cw.days_ago(50)),
                     ("issued", ISSUANCE), ("issued", ISSUANCE),
                     ("add", "cancer-registry/yamada-password", "--system", "cancer-registry",
                      "--kind", "user-password", "--owner", "yamada", "--label", "山田さん"),
                     ("password-changed", "cancer-registry/yamada-password", "--on", cw.days_ago(3)),
                     ("remove", GTOL)):
            r = cli(old, *args)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr.decode()))
        reminders = cli_json(old, "reminders", "--all")["reminders"]
        fired = [r for r in reminders if r["credential"] == PASSWORD]
        self.assertTrue(fired, reminders)
        r = cli(old, "ack", str(fired[0]["id"]))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        old_status = self.status(old)
        old_audit = self.audit(old)

        ledger = os.path.join(self.dir, "moving", "ledger.json")
        os.makedirs(os.path.dirname(ledger))
        r = cli(old, "export", "ledger", ledger)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(stat.S_IMODE(os.stat(ledger).st_mode), 0o600)  # it names people
        self.assertFalse(os.path.exists(ledger + ".tmp"))
        with open(ledger, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["format"], "credwatch-ledger")
        self.assertEqual(doc["version"], 1)
        self.assertTrue(doc["machine"])
        self.assertTrue(doc["exported_at"].endswith("Z"))
        ids = {c["id"]: c for c in doc["credentials"]}
        self.assertEqual(ids["cancer-registry/yamada-password"]["owner"], "yamada")
        self.assertEqual(ids[ISSUANCE]["issued"], 2)
        self.assertEqual(ids[PASSWORD]["generation"], 2)
        self.assertEqual([t["id"] for t in doc["tombstones"]], [GTOL])
        self.assertEqual(len(doc["issuances"]), 2)
        self.assertTrue(any(r["acknowledged_at"] for r in doc["reminders"]))
        self.assertEqual(len(doc["audit"]), len(old_audit))

        # The new PC: the same site configuration seeded, issuances recorded there already. A
        # second later, so that none of its audit rows is one of the old PC's (same second,
        # user, action and values: the same event).
        time.sleep(1.1)
        new = os.path.join(self.dir, "new")
        self.start(new, site)
        self.assertIn(GTOL, self.status(new))
        for _ in range(3):
            self.assertEqual(cli(new, "issued", ISSUANCE).returncode, 0)
        r = cli(new, "import", "ledger", ledger, "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        first = json.loads(r.stdout)["imported"]
        self.assertEqual(first["credentials_added"], 1)  # yamada's
        self.assertEqual(first["audit_added"], len(old_audit))
        self.assertEqual(first["audit_already_present"], 0)

        status = self.status(new)
        self.assertNotIn(GTOL, status)  # removed on the old PC: stays removed
        for cid in (PASSWORD, "cancer-registry/yamada-password"):
            self.assertEqual(status[cid]["renewed_on"], old_status[cid]["renewed_on"], cid)
            self.assertEqual(status[cid]["generation"], old_status[cid]["generation"], cid)
            self.assertEqual(status[cid]["state"], old_status[cid]["state"], cid)
        self.assertEqual(status["cancer-registry/yamada-password"]["owner"], "yamada")
        self.assertEqual(status[ISSUANCE]["issued"], 3)  # max(2 there, 3 here): never lowered
        # The reminder acknowledged on the old PC is acknowledged here, not raised again.
        here = [r for r in cli_json(new, "reminders", "--all")["reminders"]
                if r["credential"] == PASSWORD and r["key"] == fired[0]["key"]]
        self.assertEqual(len(here), 1, here)
        self.assertTrue(here[0]["acknowledged_at"])
        active = [r for r in cli_json(new, "reminders")["reminders"] if r["credential"] == PASSWORD]
        self.assertEqual(active, [])
        audit = self.audit(new)
        imported = [a for a in audit if "imported from %s %s" % (doc["machine"], doc["exported_at"]) in a["via"]]
        self.assertEqual(len(imported), len(old_audit))
        self.assertEqual(sum(1 for a in audit if a["action"] == "ledger-import"), 1)

        # Again: nothing new but the record of the import itself.
        r = cli(new, "import", "ledger", ledger, "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        second = json.loads(r.stdout)["imported"]
        for key, value in second.items():
            if key == "audit_already_present":
                self.assertEqual(value, len(old_audit))
            elif key not in ("machine", "exported_at"):
                self.assertEqual(value, 0, key)
        self.assertEqual(len(self.audit(new)), len(audit) + 1)
        self.assertEqual(self.status(new), status)

    def test_bad_files_are_refused_and_nothing_is_written(self):
        data = os.path.join(self.dir, "data")
        self.start(data, self.site())
        self.assertEqual(cli(data, "password-changed", PASSWORD, "--on", cw.days_ago(5)).returncode, 0)
        good = os.path.join(self.dir, "good.json")
        self.assertEqual(cli(data, "export", "ledger", good).returncode, 0)
        with open(good, encoding="utf-8") as f:
            doc = json.load(f)
        before = (self.status(data), len(self.audit(data)))

        def attempt(name, content, *expected):
            path = os.path.join(self.dir, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(content if isinstance(content, str) else json.dumps(content))
            r = cli(data, "import", "ledger", path)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertIn(path, err)
            for part in expected:
                self.assertIn(part, err)
            self.assertEqual((self.status(data), len(self.audit(data))), before)

        attempt("future.json", dict(doc, version=2), "field version", "newer", "nothing was imported")
        bad_date = json.loads(json.dumps(doc))
        bad_date["credentials"][0]["renewed_on"] = "2026-13-45"
        attempt("bad-date.json", bad_date, "field credentials[0].renewed_on", "2026-13-45", "not a date")
        no_id = json.loads(json.dumps(doc))
        del no_id["audit"][0]["action"]
        attempt("no-action.json", no_id, "field audit[0].action", "missing")
        attempt("other.json", dict(doc, format="something-else"), "field format", "not a credwatch ledger")
        attempt("truncated.json", json.dumps(doc)[:200], "malformed JSON")
        # The service checks too (a client that skipped the check): the same refusal.
        raw = cli(data, "import", "ledger", os.path.join(self.dir, "missing.json"))
        self.assertEqual(raw.returncode, 1)
        self.assertIn("missing.json", raw.stderr.decode())


class LockingSink:
    """A real SMTP server (smtp_sink.Sink) in this process whose first delivery, once accepted,
    takes the database's write lock from a second SQLite connection: the service's sent mark
    then fails while the mail has gone out."""

    def __init__(self, folder, database):
        import smtp_sink
        from aiosmtpd.smtp import SMTP
        self.folder = folder
        self.database = database
        self.lock = None
        self.locked = threading.Event()
        os.makedirs(folder, exist_ok=True)
        outer = self

        class Handler(smtp_sink.Sink):
            async def handle_DATA(self, server, session, envelope):
                reply = await super().handle_DATA(server, session, envelope)
                if outer.lock is None:
                    outer.lock = sqlite3.connect(outer.database, timeout=30, isolation_level=None,
                                                 check_same_thread=False)
                    outer.lock.execute("BEGIN IMMEDIATE")
                    outer.locked.set()
                return reply

        handler = Handler(folder)
        self.loop = asyncio.new_event_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self.server = self.loop.run_until_complete(
            self.loop.create_server(lambda: SMTP(handler, hostname="sink.test", decode_data=False), sock=sock))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def messages(self):
        return sorted(f for f in os.listdir(self.folder) if f.endswith(".eml"))

    def release(self):
        if self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = False  # never again

    def stop(self):
        if self.lock:
            self.release()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class OutboxMarkTest(Base):
    def test_delivered_but_not_marked_is_not_sent_again(self):
        data = os.path.join(self.dir, "data")
        os.makedirs(data)
        sink = LockingSink(os.path.join(self.dir, "mail"), os.path.join(data, "credwatch.db"))
        self.cleanups_last.append(sink.stop)
        with open(os.path.join(self.dir, "site.toml"), "w", encoding="utf-8") as f:
            f.write(cw.site_toml(sink.port, self.dir))
        service = self.start(data, os.path.join(self.dir, "site.toml"))
        r = cli(data, "test-mail")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertTrue(sink.locked.wait(30), service.output())
        # The mark waits for the lock (busy timeout, retries), then gives up.
        self.assertTrue(cw.wait_until(lambda: "cannot be marked as sent" in service.output(), timeout=90),
                        service.output())
        sink.release()
        # Well past the old one-minute retry of the whole send: delivered once, then recorded.
        time.sleep(75)
        self.assertEqual(sink.messages(), ["0001.eml"], service.output())
        box = cli_json(data, "outbox", "--limit", "10")
        self.assertEqual(box["messages"][0]["status"], "sent", box)
        self.assertEqual(box["pending"], 0)


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise unittest.SkipTest("cannot mount a tmpfs on %s: %s" % (path, r.stderr.strip()))


def fill(folder):
    """Fills the file system of `folder` to the last byte; returns the filler's path."""
    filler = os.path.join(folder, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


class SyslogCapture:
    """A datagram socket at /dev/log (only when none exists): the service's syslog(3) lines."""

    def __init__(self):
        self.lines = []
        self.sock = None
        if os.path.exists("/dev/log"):
            return
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("/dev/log")
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                self.lines.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                continue
            except OSError:
                return

    def events(self, pid, event_id):
        tag = "credwatch[%d]" % pid
        return [l for l in self.lines if tag in l and "[credwatch-%d]" % event_id in l]

    def close(self):
        if self.sock:
            self.stopping = True
            self.thread.join(timeout=5)
            self.sock.close()
            os.unlink("/dev/log")


@unittest.skipUnless(hasattr(os, "geteuid") and os.geteuid() == 0,
                     "needs root: mounts a tmpfs as the data folder")
class DiskTest(Base):
    def mount(self, name, size):
        path = os.path.join(self.dir, name)
        mount_tmpfs(path, size)
        self.cleanups_last.append(lambda: subprocess.run(["umount", "-l", path], capture_output=True))
        return path

    def test_full_disk(self):
        syslog = SyslogCapture()
        self.cleanups_last.append(syslog.close)
        disk = self.mount("disk", "3m")
        data = os.path.join(disk, "data")
        service = self.start(data, self.site())
        r = cli(data, "password-changed", PASSWORD, "--on", cw.days_ago(10))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        before = self.status(data)

        filler = fill(disk)
        failures = []
        for i in range(3):
            r = cli(data, "password-changed", GTOL, "--on", cw.days_ago(i + 1))
            failures.append(r)
        for r in failures:
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertIn("disk is full", err)
            self.assertIn(os.path.join(data, "credwatch.db"), err)
            self.assertIn("free space", err)
        self.assertIsNone(service.proc.poll(), service.output())
        self.assertEqual(self.status(data), before)  # up, answering, nothing lost
        if syslog.sock:
            time.sleep(0.5)
            self.assertLessEqual(len(syslog.events(service.proc.pid, 1102)), 1, syslog.lines)

        os.unlink(filler)
        r = cli(data, "password-changed", GTOL, "--on", cw.days_ago(1))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        after = self.status(data)
        self.assertEqual(after[PASSWORD], before[PASSWORD])
        self.assertEqual(after[GTOL]["renewed_on"], cw.days_ago(1))

        # Restarted on the same folder: everything committed is still there.
        self.assertEqual(service.stop(), 0)
        self.services.remove(service)
        self.start(data, os.path.join(self.dir, "site.toml"))
        self.assertEqual(self.status(data)[PASSWORD]["renewed_on"], before[PASSWORD]["renewed_on"])
        self.assertEqual(self.status(data)[GTOL]["renewed_on"], cw.days_ago(1))

    def test_read_only_remount(self):
        disk = self.mount("disk", "3m")
        data = os.path.join(disk, "data")
        service = self.start(data, self.site())
        r = subprocess.run(["mount", "-o", "remount,ro", disk], capture_output=True, text=True)
        if r.returncode != 0:
            # Linux refuses to remount a file system read-only while a process holds a file on
            # it open for writing (the database): the service cannot meet this case at run time.
            self.skipTest("mount -o remount,ro refused while the service has the database open: "
                          + r.stderr.strip())
        self.cleanups_last.append(lambda: subprocess.run(["mount", "-o", "remount,rw", disk]))
        r = cli(data, "password-changed", PASSWORD, "--on", cw.days_ago(1))
        self.assertEqual(r.returncode, 1)
        self.assertIn("read-only", r.stderr.decode())
        self.assertIsNone(service.proc.poll())

    def test_metrics_on_a_full_disk(self):
        metrics = self.mount("metrics", "1m")
        filler = fill(metrics)
        data = os.path.join(self.dir, "data")
        site = self.site(text=plain_site(self.dir, metrics=os.path.join(metrics, "credwatch.prom")))
        service = self.start(data, site)
        for i in range(4):  # each change rewrites the textfile
            r = cli(data, "password-changed", PASSWORD, "--on", cw.days_ago(i + 1))
            self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIsNone(service.proc.poll(), service.output())
        self.assertEqual(cli(data, "status").returncode, 0)
        lines = [l for l in service.output().splitlines() if "[warning] metrics:" in l]
        self.assertEqual(len(lines), 1, service.output())
        os.unlink(filler)
        self.assertEqual(cli(data, "password-changed", PASSWORD, "--on", cw.days_ago(1)).returncode, 0)
        self.assertTrue(cw.wait_until(lambda: os.path.exists(os.path.join(metrics, "credwatch.prom"))))
        self.assertTrue(cw.wait_until(lambda: "[info] metrics:" in service.output()), service.output())


def main():
    rest = cw.parse_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

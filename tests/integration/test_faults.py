#!/usr/bin/env python3
"""Faults the ledger must survive, on the real credwatch-service driven by the real CLI:

- SIGKILL at random moments while the CLI records changes: every change the CLI saw
  acknowledged is there after the restart, and the database passes integrity_check;
- a database locked by another process for longer than the busy timeout: the caller gets a
  clear error, nothing committed is lost, the next change after the lock goes works;
- the wall clock jumping forwards across a reminder threshold (noticed by the service's clock
  watchdog, without any request) and back again: the reminder fires once, never twice;
- a time-zone change between two runs: recorded dates and deadlines stay the same calendar
  dates and no reminder is raised again.

The clock is moved with libfaketime (LD_PRELOAD) for the service only; its monotonic clock is
left alone, as a real clock change would.

    test_faults.py --service PATH --cli PATH [unittest arguments]
"""

import datetime
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import unittest

import cwtest as cw

PASSWORD = "cancer-registry/user-password"
GTOL = "gtol/user-password"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def child_env(**extra):
    return cw.child_env(keep_language=True, drop_faketime=True, **extra)


class Service(cw.Service):
    def __init__(self, data_dir, log_path, env=None):
        super().__init__(data_dir, log_path, ["--quiet"], env or child_env(),
                         ready=lambda: self.cli("status", "--json").returncode == 0,
                         timeout=30, interval=0.1)

    def stop(self):
        super().stop(timeout=30, kill=False)

    def cli(self, *args, timeout=90):
        return cw.cli(self.data_dir, *args, timeout=timeout, text=True, env=child_env())

    def json(self, *args):
        r = self.cli(*args, "--json")
        if r.returncode != 0:
            raise AssertionError("credwatch %s failed (%d): %s%s"
                                 % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return json.loads(r.stdout)

    def row(self, credential):
        for row in self.json("status")["credentials"]:
            if row["id"] == credential:
                return row
        raise AssertionError("no row for " + credential)

    def reminders(self, credential):
        return [r for r in self.json("reminders", "--all")["reminders"]
                if r["credential"] == credential]


class FaultTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="credwatch-faults-")
        self.data_dir = os.path.join(self.temp.name, "data")
        self.log = os.path.join(self.temp.name, "service.log")
        self.services = []

    def tearDown(self):
        for s in self.services:
            if s.proc and s.proc.poll() is None:
                s.kill()
        self.temp.cleanup()

    def service(self, env=None):
        s = Service(self.data_dir, self.log, env)
        s.start()
        self.services.append(s)
        return s

    def integrity(self):
        return cw.integrity(os.path.join(self.data_dir, "credwatch.db"))

    def test_sigkill_during_writes_loses_no_acknowledged_change(self):
        rng = random.Random(20261201)
        today = datetime.date.today()
        acknowledged = []  # (credential, date) the CLI saw succeed
        day = 400
        for round_ in range(6):
            service = self.service()
            stop = threading.Event()

            def writer():
                nonlocal day
                while not stop.is_set() and day > 1:
                    day -= 1
                    credential = PASSWORD if day % 2 else GTOL
                    on = (today - datetime.timedelta(days=day)).isoformat()
                    r = service.cli("password-changed", credential, "--on", on, "--json")
                    if r.returncode == 0:
                        acknowledged.append((credential, on))

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
            service.kill()
            stop.set()
            thread.join(timeout=120)
            self.assertFalse(thread.is_alive())
            self.assertEqual(self.integrity(), "ok", "after SIGKILL in round %d" % round_)

        self.assertGreater(len(acknowledged), 6, "the writer never got through")
        service = self.service()
        audit = service.json("audit", "--limit", "10000")["audit"]
        recorded = {(a["target"], a["new_value"]) for a in audit if a["action"] == "renewed"}
        missing = [a for a in acknowledged if a not in recorded]
        self.assertEqual(missing, [], "acknowledged changes lost after SIGKILL")
        latest = {}
        for credential, on in acknowledged:
            latest[credential] = max(latest.get(credential, on), on)
        for credential, on in latest.items():
            self.assertGreaterEqual(service.row(credential)["renewed_on"], on)
        service.stop()

    def test_database_locked_beyond_the_busy_timeout(self):
        service = self.service()
        today = datetime.date.today()
        first = (today - datetime.timedelta(days=10)).isoformat()
        service.json("password-changed", PASSWORD, "--on", first)
        locker = sqlite3.connect(os.path.join(self.data_dir, "credwatch.db"), timeout=1,
                                 isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            r = service.cli("password-changed", PASSWORD, "--on",
                            (today - datetime.timedelta(days=5)).isoformat())
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("locked", r.stderr + r.stdout)
            self.assertIn("nothing was written", r.stderr + r.stdout)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        self.assertIsNone(service.proc.poll(), "the service went down:\n" + service.output())
        self.assertEqual(service.row(PASSWORD)["renewed_on"], first, "committed data changed")
        later = (today - datetime.timedelta(days=3)).isoformat()
        service.json("password-changed", PASSWORD, "--on", later)
        self.assertEqual(service.row(PASSWORD)["renewed_on"], later)
        service.stop()

    @unittest.skipUnless(os.path.exists(FAKETIME_LIB), "libfaketime is not installed (faketime)")
    def test_clock_jumps_across_a_threshold_fire_once(self):
        offset_file = os.path.join(self.temp.name, "faketime")
        with open(offset_file, "w") as f:
            f.write("+0d\n")
        env = child_env(LD_PRELOAD=FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE=offset_file,
                        FAKETIME_CACHE_DURATION="1", FAKETIME_DONT_FAKE_MONOTONIC="1",
                        FAKETIME_DONT_RESET="1")
        service = self.service(env)
        today = datetime.date.today()
        # 60-day rule: changed 40 days ago, 20 days left, no reminder yet.
        service.json("password-changed", PASSWORD, "--on",
                     (today - datetime.timedelta(days=40)).isoformat())
        self.assertEqual(service.reminders(PASSWORD), [])

        with open(offset_file, "w") as f:  # 10 days later: inside the 14-day threshold
            f.write("+10d\n")
        # The watchdog ticks once a minute.
        cw.wait_until(lambda: service.reminders(PASSWORD), timeout=150, interval=1)
        fired = service.reminders(PASSWORD)
        self.assertEqual(len(fired), 1, service.output())
        self.assertIn("the wall clock jumped by", service.output())

        with open(offset_file, "w") as f:  # back to the real date
            f.write("+0d\n")
        time.sleep(2)
        service.json("rescan")
        with open(offset_file, "w") as f:  # and forwards again
            f.write("+10d\n")
        time.sleep(2)
        service.json("rescan")
        self.assertEqual([r["id"] for r in service.reminders(PASSWORD)], [fired[0]["id"]],
                         "a reminder fired twice across clock jumps")
        self.assertIsNone(service.proc.poll())
        service.stop()

    def test_time_zone_change_keeps_dates_and_raises_nothing_again(self):
        service = self.service()
        today = datetime.date.today()
        on = (today - datetime.timedelta(days=50)).isoformat()
        service.json("password-changed", PASSWORD, "--on", on)
        before = service.row(PASSWORD)
        fired = service.reminders(PASSWORD)
        self.assertEqual(len(fired), 1)
        service.stop()

        for zone in ("UTC", "America/Los_Angeles", "Pacific/Kiritimati"):
            moved = self.service(child_env(TZ=zone))
            row = moved.row(PASSWORD)
            self.assertEqual(row["renewed_on"], on, zone)
            self.assertEqual(row["deadline_date"], before["deadline_date"], zone)
            self.assertEqual([r["id"] for r in moved.reminders(PASSWORD)], [r["id"] for r in fired],
                             "reminders raised again after moving to " + zone)
            moved.stop()


if __name__ == "__main__":
    rest = cw.parse_args()
    unittest.main(argv=[sys.argv[0], *rest])

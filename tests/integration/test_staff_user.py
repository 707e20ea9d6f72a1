#!/usr/bin/env python3
"""A real local user who is not an administrator, against the real credwatch-service.

    test_staff_user.py --service PATH --cli PATH [unittest arguments]

As root: creates a throwaway group and user (cw-staff-<pid>, removed at the end), runs the
service as root with a site file whose socket_group is that group, and runs the real credwatch
CLI as that user (setpriv --reuid/--regid/--init-groups). Without root (or without useradd /
setpriv) it exits 77, which CTest reports as skipped. Every wait is bounded and polls.

The service creates the data directory with the process umask (0755 here); the temporary
folder around it is made traversable by the group only (0710), which is what a site does for
/var/lib/credwatch when it sets socket_group.
"""

import argparse
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone

ARGS = None
SKIP = 77
PASSWORD = "cancer-registry/user-password"
NAME = "cw-staff-%d" % os.getpid()  # unique: other checkouts may run this test at the same time


def child_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE", "TZ")}
    env["TZ"] = "Asia/Tokyo"
    env["LANG"] = "C.UTF-8"
    return env


def wait_until(predicate, timeout=15.0, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


def days_ago(n):
    tokyo = timezone(timedelta(hours=9))
    return (datetime.now(tokyo) - timedelta(days=n)).strftime("%Y-%m-%d")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, env=child_env(), timeout=30, **kwargs)


class StaffUserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        run(["userdel", NAME])
        run(["groupdel", NAME])
        r = run(["groupadd", NAME])
        if r.returncode != 0:
            raise RuntimeError("groupadd failed: " + r.stderr.decode())
        r = run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--gid", NAME,
                 NAME])
        if r.returncode != 0:
            run(["groupdel", NAME])
            raise RuntimeError("useradd failed: " + r.stderr.decode())
        cls.uid = pwd.getpwnam(NAME).pw_uid
        cls.gid = grp.getgrnam(NAME).gr_gid

    @classmethod
    def tearDownClass(cls):
        run(["userdel", NAME])
        run(["groupdel", NAME])

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="credwatch-staff-")
        os.chown(self.dir, 0, self.gid)
        os.chmod(self.dir, 0o710)  # the group may traverse, not list
        self.data = os.path.join(self.dir, "data")
        self.site = os.path.join(self.dir, "site.toml")
        with open(self.site, "w", encoding="utf-8") as f:
            f.write('[service]\nsocket_group = "%s"\nlanguage = "en"\n\n'
                    '[[credential]]\nid = "%s"\nsystem = "cancer-registry"\nkind = "user-password"\n'
                    % (NAME, PASSWORD))
        self.out = open(os.path.join(self.dir, "service.out"), "ab")
        self.service = subprocess.Popen(
            [ARGS.service, "--data-dir", self.data, "--config", self.site, "--quiet",
             "--log-level", "debug"], stdout=self.out, stderr=subprocess.STDOUT, env=child_env())
        ok = wait_until(lambda: self.service.poll() is not None
                        or self.admin("status").returncode == 0)
        if self.service.poll() is not None or not ok:
            raise RuntimeError("credwatch-service did not answer:\n" + self.service_output())

    def tearDown(self):
        if self.service.poll() is None:
            self.service.send_signal(signal.SIGTERM)
            try:
                self.service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait()
        self.out.close()
        if sys.exc_info()[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def service_output(self):
        with open(os.path.join(self.dir, "service.out"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def admin(self, *args):
        return run([ARGS.cli, "--data-dir", self.data, "--lang", "en"] + list(args))

    def admin_json(self, *args):
        r = self.admin(*args, "--json")
        self.assertEqual(r.returncode, 0, "credwatch %s: %s" % (" ".join(args), r.stderr.decode()))
        return json.loads(r.stdout)

    def as_staff(self, *command):
        return run(["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid, "--init-groups",
                    "--"] + list(command))

    def staff(self, *args):
        return self.as_staff(ARGS.cli, "--data-dir", self.data, "--lang", "en", *args)

    def staff_raw(self, method, params):
        """One request on the socket as the user; the reply's error code (or "ok")."""
        script = (
            "import json, socket, sys\n"
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            "s.settimeout(10)\n"
            "s.connect(sys.argv[1])\n"
            "s.sendall((sys.argv[2] + '\\n').encode())\n"
            "data = b''\n"
            "while not data.endswith(b'\\n'):\n"
            "    chunk = s.recv(65536)\n"
            "    if not chunk: break\n"
            "    data += chunk\n"
            "sys.stdout.write(data.decode())\n")
        request = json.dumps({"v": 1, "id": 1, "method": method, "params": params})
        r = self.as_staff(sys.executable, "-c", script, os.path.join(self.data, "credwatch.sock"),
                          request)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        reply = json.loads(r.stdout)
        return reply["error"]["code"] if "error" in reply else "ok"

    def listed(self):
        return [c["id"] for c in self.admin_json("list")["credentials"]]

    def test_staff_user_is_bounded_and_audited_under_their_os_name(self):
        hello = self.staff("status")
        self.assertEqual(hello.returncode, 0, "the user cannot reach the service: %s\n%s"
                         % (hello.stderr.decode(), self.service_output()))

        # Removing the machine credential: refused, and it stays tracked.
        r = self.staff("remove", PASSWORD)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("only an administrator may remove", r.stderr.decode())
        self.assertEqual(self.staff_raw("remove", {"credential": PASSWORD}), "permission_denied")
        self.assertIn(PASSWORD, self.listed())
        self.assertEqual(self.staff_raw("outbox", {}), "permission_denied")
        self.assertEqual(self.staff_raw("reload", {}), "permission_denied")

        # A reminder of the machine password: changed 50 days ago, 10 days left.
        self.admin_json("password-changed", PASSWORD, "--on", days_ago(50))
        reminders = [r for r in self.admin_json("reminders")["reminders"]
                     if r["credential"] == PASSWORD]
        self.assertTrue(reminders, "no reminder raised")
        rid = str(reminders[-1]["id"])

        r = self.staff("snooze", rid, "--until", "2199-12-31")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("at most 30 days", r.stderr.decode())
        self.assertEqual(self.staff_raw("snooze", {"reminder": int(rid), "until": "2199-12-31"}),
                         "permission_denied")
        r = self.staff("snooze", rid, "--days", "7")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

        # Recording the machine password's change: accepted, audited under the OS user.
        r = self.staff("password-changed", PASSWORD)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        entries = self.admin_json("audit")["audit"]
        mine = [e for e in entries if e["os_user"] == NAME]
        self.assertTrue(any(e["action"] == "renewed" and e["target"] == PASSWORD and
                            e["via"] == "cli" for e in mine), entries)
        self.assertTrue(any(e["action"] == "snooze" and e["target"] == rid for e in mine), entries)
        # The user's own view of the audit trail holds only their entries.
        own = json.loads(self.staff("audit", "--json").stdout)["audit"]
        self.assertTrue(own)
        self.assertTrue(all(e["os_user"] == NAME for e in own), own)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", required=True)
    parser.add_argument("--cli", required=True)
    ARGS, rest = parser.parse_known_args()
    if os.geteuid() != 0:
        print("SKIPPED: needs root to create a throwaway user and group")
        return SKIP
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "setpriv"):
        if not shutil.which(tool):
            print("SKIPPED: %s not found" % tool)
            return SKIP
    result = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

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

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import cwtest as cw
from cwtest import days_ago

PASSWORD = "cancer-registry/user-password"
NAME = "cw-staff-%d" % os.getpid()  # unique: other checkouts may run this test at the same time
# Two checks of a user's session: one for any user's, one for this test user's only.
SESSION_CHECKS = """
[[check]]
system = "cancer-registry"
id = "user-certificate"
kind = "certificate_present"
store = 'CurrentUser\\My'
title_ja = "利用者の証明書"
title_en = "The user's certificate"
fix_ja = "-"
fix_en = "-"
manual = "test"
[[check]]
system = "cancer-registry"
id = "credential-for-me"
kind = "credential_present"
target = "CW_TEST"
session_user = "%s"
title_ja = "資格情報"
title_en = "A credential"
fix_ja = "-"
fix_en = "-"
manual = "test"
"""


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, env=cw.child_env(), timeout=30, **kwargs)


class StaffUserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.user = cw.ThrowawayUser(NAME, env=cw.child_env())
        cls.uid, cls.gid = cls.user.create()

    @classmethod
    def tearDownClass(cls):
        cls.user.remove()

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
            f.write(SESSION_CHECKS % NAME)
        self.service = cw.site_service(self.data, self.site,
                                       out=os.path.join(self.dir, "service.out"),
                                       ready=lambda: self.admin("status").returncode == 0)
        self.service.spawn()
        if not self.service.wait_ready():
            raise RuntimeError("credwatch-service did not answer:\n" + self.service_output())

    def tearDown(self):
        self.service.stop(reraise=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def service_output(self):
        return self.service.output()

    def admin(self, *args):
        return cw.cli(self.data, *args, lang="en")

    def admin_json(self, *args):
        r = self.admin(*args, "--json")
        self.assertEqual(r.returncode, 0, "credwatch %s: %s" % (" ".join(args), r.stderr.decode()))
        return json.loads(r.stdout)

    def setpriv(self):
        return ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid, "--init-groups", "--"]

    def as_staff(self, *command):
        return run(self.setpriv() + list(command))

    def staff(self, *args):
        return self.as_staff(cw.ARGS.cli, "--data-dir", self.data, "--lang", "en", *args)

    def staff_raw(self, method, params):
        """One request on the socket as the user; the reply's error code (or "ok")."""
        request = {"v": 1, "id": 1, "method": method, "params": params}
        r = cw.request_as(self.setpriv(), os.path.join(self.data, "credwatch.sock"), [request],
                          socket_timeout=10, timeout=30, env=cw.child_env())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        (reply,) = json.loads(r.stdout)
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
        self.assertEqual(self.staff_raw("set_systems", {"systems": ["gtol"]}), "permission_denied")
        r = self.staff("systems", "set", "gtol")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("only an administrator may choose the site's systems", r.stderr.decode())

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

    def test_the_session_checks_are_run_and_reported_as_the_user(self):
        r = self.staff("checks", "--report", "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode() + self.service_output())
        reply = json.loads(r.stdout)
        self.assertEqual(reply["user"], NAME)
        mine = {c["id"]: c for c in reply["checks"] if c.get("user") == NAME}
        self.assertEqual(set(mine), {"user-certificate", "credential-for-me"},
                         "the user's session checks, not OqsComApp's: %s" % reply["checks"])
        self.assertEqual(reply["kept"], 2)
        # Windows kinds: on Linux the session says they do not apply, and that is what is kept.
        self.assertEqual(mine["user-certificate"]["state"], "not_applicable")
        self.assertTrue(all(c.get("user") in (None, NAME) for c in reply["checks"]),
                        "staff see only their own session's results")
        listed = self.admin_json("checks")
        self.assertTrue(any(c.get("user") == NAME and c["id"] == "credential-for-me"
                            for c in listed["checks"]), listed["checks"])
        human = self.admin("checks")
        self.assertIn("session of " + NAME, human.stdout.decode())
        # The machine's checks are the service's own; OqsComApp's session's are not this user's.
        machine = {"system": "cancer-registry", "id": "tcp-mio-443", "state": "ok"}
        self.assertEqual(self.staff_raw("report_checks", {"results": [machine]}),
                         "invalid_argument")
        oqs = {"system": "online-eligibility", "id": "credential-login-key", "state": "ok"}
        self.assertEqual(self.staff_raw("report_checks", {"results": [oqs]}), "permission_denied")


def main():
    rest = cw.parse_args()
    skip = cw.skip_unless_root(("useradd", "userdel", "groupadd", "groupdel", "setpriv"),
                               "SKIPPED: needs root to create a throwaway user and group",
                               "SKIPPED: %s not found")
    if skip:
        return skip
    result = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

"""The ledger survives a damaged database: the real credwatch-service, driven by the real CLI.

    test_recovery.py --service PATH --cli PATH [unittest arguments]

A stopped service's database is damaged (bytes overwritten inside a table, as a failing disk
does); at the next start the service restores its newest verified backup, keeps the damaged
file, lists the changes recorded after the backup, and says so in its log, its status and a mail
(a real SMTP server on 127.0.0.1: smtp_sink.py). Every wait is bounded and polls.
"""

import os
import shutil
import signal
import sqlite3
import stat
import sys
import tempfile
import time
import unittest

import cwtest as cw
from cwtest import integrity, read_output as read, wait_until

PASSWORD = "cancer-registry/user-password"
ISSUANCE = "cancer-registry/certificate-issuance"


def cli(data_dir, *args):
    return cw.cli(data_dir, *args, lang="en")


def cli_json(data_dir, *args):
    return cw.cli_json(data_dir, *args, lang="en")


def damage_table(path, table):
    """Overwrites 300 bytes at the start of `table`'s root page (the database is closed)."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    db.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * 300)


class RecoveryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="credwatch-recovery-")
        self.data = os.path.join(self.dir, "data")
        self.db = os.path.join(self.data, "credwatch.db")
        self.site = os.path.join(self.dir, "site.toml")
        self.procs = []
        self.sink = None

    def tearDown(self):
        for service in self.procs:
            service.kill()
        if self.sink:
            self.sink.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_site(self, mail_port=None):
        lines = ["[service]", 'language = "en"', ""]
        if mail_port:
            lines += ["[email]", "enabled = true", 'smtp_host = "127.0.0.1"',
                      "smtp_port = %d" % mail_port, 'tls = "none"',
                      'from = "credwatch <credwatch@hospital.example.jp>"',
                      'to = ["it@hospital.example.jp"]', 'language = "en"',
                      "retry_initial_seconds = 1", "retry_max_seconds = 2", ""]
        lines += cw.credential_lines((PASSWORD, ISSUANCE))
        with open(self.site, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))

    def output_file(self):
        return os.path.join(self.dir, "service-%d.out" % len(self.procs))

    def run_service(self, *extra):
        """Starts the service; returns (process, output file)."""
        service = cw.site_service(self.data, self.site, extra, out=self.output_file(),
                                  ready=lambda: cli(self.data, "status").returncode == 0)
        service.spawn()
        self.procs.append(service)
        return service.proc, service.out

    def start_service(self, *extra):
        p, out = self.run_service(*extra)
        if not self.procs[-1].wait_ready():
            raise AssertionError("credwatch-service did not start (%s):\n%s" % (p.poll(), read(out)))
        return p, out

    def stop_service(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=20), 0)

    def backups(self):
        folder = os.path.join(self.data, "backups")
        if not os.path.isdir(folder):
            return []
        return sorted(f for f in os.listdir(folder) if f.startswith("credwatch-") and f.endswith(".db"))

    def ledger_with_a_backup_then_changes(self):
        """A started service makes its daily backup; two changes are recorded after it."""
        p, _ = self.start_service()
        self.assertTrue(wait_until(self.backups), "no backup was made at start")
        time.sleep(1.1)  # the changes are recorded in a later second than the backup
        r = cli(self.data, "issued", ISSUANCE)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = cli(self.data, "password-changed", PASSWORD)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.stop_service(p)

    def test_damaged_database_is_restored_from_the_backup_and_the_loss_is_listed(self):
        self.sink = cw.Sink(cw.free_port(), os.path.join(self.dir, "mail"))
        self.write_site(self.sink.port)
        self.ledger_with_a_backup_then_changes()
        backup = self.backups()[-1]
        damage_table(self.db, "credentials")
        self.assertNotEqual(integrity(self.db), "ok")

        p, out = self.start_service()
        status = cli_json(self.data, "status")
        store = status["store"]
        self.assertEqual(store["integrity"], "ok")
        self.assertIsNotNone(store["recovered_from"], store)
        self.assertEqual(os.path.basename(store["recovered_from"]["backup"]), backup)
        self.assertIsNotNone(store["missing_since"])
        lost = [(c["credential"], c["action"]) for c in store["possibly_lost"]]
        self.assertIn((ISSUANCE, "issued"), lost)
        self.assertIn((PASSWORD, "renewed"), lost)
        # The restored ledger is the backup's: the issuance after it is gone.
        rows = {r["id"]: r for r in status["credentials"]}
        self.assertEqual(rows[ISSUANCE].get("issued", 0), 0)
        # The damaged file is kept, with the bytes it had.
        damaged = store["recovered_from"]["damaged_file"]
        self.assertTrue(os.path.basename(damaged).startswith("credwatch.db.damaged-"), damaged)
        self.assertTrue(os.path.exists(damaged))
        self.assertEqual(integrity(self.db), "ok")
        # The log says so, with the list.
        log = read(out)
        self.assertIn("restored from the backup", log)
        self.assertIn("recorded after the backup and possibly lost: %s issued" % ISSUANCE, log)
        # The administrators get a mail.
        mails = wait_until(lambda: [b for b in self.sink.bodies() if "restored" in b], timeout=20)
        self.assertTrue(mails, "no mail about the recovery; got %r" % self.sink.bodies())
        self.assertIn("recorded after the backup and possibly lost: %s issued" % ISSUANCE, mails[0])
        # `credwatch status` says so too.
        human = cli(self.data, "status").stdout.decode()
        self.assertIn("restored from the backup", human)
        self.stop_service(p)

    def test_without_a_backup_the_start_is_refused_and_recover_empty_starts_empty(self):
        self.write_site()
        self.ledger_with_a_backup_then_changes()
        shutil.rmtree(os.path.join(self.data, "backups"))
        damage_table(self.db, "credentials")
        with open(self.db, "rb") as f:
            damaged_bytes = f.read()

        p, out = self.run_service()
        self.assertNotEqual(p.wait(timeout=30), 0)
        command = "credwatch-service --data-dir %s --recover-empty" % self.data
        self.assertIn(command, read(out))
        with open(self.db, "rb") as f:
            self.assertEqual(f.read(), damaged_bytes, "the damaged file must be left as it was")

        p, out = self.start_service("--recover-empty")
        store = cli_json(self.data, "status")["store"]
        self.assertTrue(store["started_empty"])
        damaged = store["recovered_from"]["damaged_file"]
        with open(damaged, "rb") as f:
            self.assertEqual(f.read(), damaged_bytes)
        self.assertIn("EMPTY ledger", read(out))
        self.stop_service(p)

    def test_backup_on_demand_writes_a_verified_copy(self):
        if os.geteuid() != 0:
            self.skipTest("credwatch backup is for administrators: run as root")
        self.write_site()
        p, _ = self.start_service()
        r = cli(self.data, "issued", ISSUANCE)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        target = os.path.join(self.dir, "copy.db")
        reply = cli_json(self.data, "backup", "--output", target)
        self.assertEqual(reply["file"], target)
        self.assertEqual(integrity(target), "ok")
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), stat.S_IMODE(os.stat(self.db).st_mode))
        db = sqlite3.connect("file:%s?mode=ro" % target, uri=True)
        issued = db.execute("SELECT issued FROM credentials WHERE id = ?", (ISSUANCE,)).fetchone()[0]
        db.close()
        self.assertEqual(issued, 1)
        # An existing file is not overwritten.
        again = cli(self.data, "backup", "--output", target)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already exists", again.stderr.decode())
        self.stop_service(p)


def main():
    rest = cw.parse_args()
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""E-mail, metrics and exports of the real credwatch-service, driven by the real CLI.

    test_notifications.py --service PATH --cli PATH [--promtool PATH] [unittest arguments]

A real SMTP server (smtp_sink.py, aiosmtpd) on 127.0.0.1 receives the mail; the test parses it
with Python's email package. Only 127.0.0.1 is used. Every wait is bounded and polls.
"""

import csv
import email.utils
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone

import icalendar

import cwtest as cw
from cwtest import cli, cli_json, days_ago, free_port, wait_until

PASSWORD_CHANGE_URL = "https://mio.intra.ccr.ncc.go.jp/ikss/"
CALL_CENTRE = "03-3545-1511"
SMTP_PASSWORD = "Zq7-credwatch-pw!"


class NotificationTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="credwatch-notify-")
        os.makedirs(os.path.join(self.dir, "certs"))
        self.data = os.path.join(self.dir, "data")
        self.site = os.path.join(self.dir, "site.toml")
        self.sinks = []
        self.services = []

    def tearDown(self):
        for s in self.services:
            try:
                s.stop()
            except Exception:
                pass
        for s in self.sinks:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_site(self, port, **overrides):
        with open(self.site, "w", encoding="utf-8") as f:
            f.write(cw.site_toml(port, self.dir, **overrides))

    def start_service(self):
        service = cw.site_service(self.data, self.site)
        service.start()
        self.services.append(service)
        return service

    def start_sink(self, port, *extra):
        sink = cw.Sink(port, os.path.join(self.dir, "mail"), *extra)
        self.sinks.append(sink)
        return sink

    def outbox(self):
        return cli_json(self.data, "outbox", "--limit", "100")

    def promtool_check(self):
        path = os.path.join(self.dir, "credwatch.prom")
        self.assertTrue(os.path.exists(path), "no metrics textfile")
        if not cw.ARGS.promtool:
            self.skipTest("promtool not found")
        with open(path, "rb") as f:
            r = subprocess.run([cw.ARGS.promtool, "check", "metrics"], stdin=f, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
        with open(path, encoding="utf-8") as f:
            return f.read()

    # ------------------------------------------------------------------------------------------

    def test_mail_down_then_up_delivered_exactly_once(self):
        port = free_port()
        self.write_site(port)
        service = self.start_service()
        # 50 days after the change of a 60-day password: 10 days left, the 14-day reminder fires.
        r = cli(self.data, "password-changed", "cancer-registry/user-password", "--on", days_ago(50))
        self.assertEqual(r.returncode, 0, r.stderr.decode())

        # The SMTP server is down: the failure is in the outbox, and retried.
        def failing():
            box = self.outbox()
            return box if box["failing"] == 1 and box["messages"][0]["attempts"] >= 2 else None
        box = wait_until(failing)
        self.assertTrue(box, json.dumps(self.outbox(), ensure_ascii=False))
        message = box["messages"][0]
        self.assertEqual(message["status"], "retrying")
        self.assertEqual(message["kind"], "reminder")
        self.assertIn("127.0.0.1:%d" % port, message["last_error"])
        self.assertIsNotNone(message["reminder"])
        human = cli(self.data, "outbox", lang="ja").stdout.decode()
        self.assertIn("再送待ち", human)
        self.assertIn("エラー:", human)
        metrics = wait_until(lambda: "credwatch_mail_outbox_failing_messages 1" in self.promtool_check())
        self.assertTrue(metrics)

        # The server comes up: delivered, exactly once.
        sink = self.start_sink(port)
        self.assertTrue(wait_until(lambda: sink.messages(), timeout=15), service.output())
        time.sleep(3)  # several retry periods: nothing more may arrive
        self.assertEqual(sink.messages(), ["0001.eml"])
        box = wait_until(lambda: (lambda b: b if b["pending"] == 0 else None)(self.outbox()))
        self.assertTrue(box)
        self.assertEqual(box["messages"][0]["status"], "sent")
        self.assertIsNotNone(box["messages"][0]["sent_at"])

        mail, envelope = sink.read("0001.eml")
        self.assertEqual(envelope["mail_from"], "credwatch@hospital.example.jp")
        self.assertEqual(envelope["rcpt_tos"], ["it@hospital.example.jp", "registry@hospital.example.jp"])
        self.assertEqual(mail["From"].addresses[0].display_name, "credwatch 通知")
        self.assertEqual(mail["From"].addresses[0].addr_spec, "credwatch@hospital.example.jp")
        to = mail["To"].addresses
        self.assertEqual([a.display_name for a in to], ["情報システム 担当", ""])
        self.assertEqual([a.addr_spec for a in to], ["it@hospital.example.jp", "registry@hospital.example.jp"])
        subject = str(mail["Subject"])
        self.assertTrue(subject.startswith("[credwatch] テスト病院 がん登録オンラインシステム 利用者パスワード："), subject)
        self.assertIn("期限まであと10日です", subject)
        date = email.utils.parsedate_to_datetime(mail["Date"])
        self.assertLess(abs((datetime.now(timezone.utc) - date).total_seconds()), 600)
        self.assertTrue(mail["Date"].endswith("+0900"), mail["Date"])
        self.assertRegex(mail["Message-ID"], r"^<credwatch\.%d\.\d+@hospital\.example\.jp>$" % message["id"])
        self.assertEqual(mail["Auto-Submitted"], "auto-generated")
        self.assertEqual(mail.get_content_type(), "text/plain")
        self.assertEqual(mail.get_content_charset(), "utf-8")
        body = mail.get_content()
        for part in ("テスト病院", "がん登録オンラインシステムの「利用者パスワード」は期限まであと10日です",
                     PASSWORD_CHANGE_URL, CALL_CENTRE, "午前9時00分から午後5時00分",
                     "credwatch password-changed cancer-registry/user-password"):
            self.assertIn(part, body)
        # Lines of the raw message are at most 78 characters (RFC 5322).
        with open(os.path.join(sink.folder, "0001.eml"), "rb") as f:
            raw = f.read()
        self.assertTrue(all(len(line) <= 78 for line in raw.split(b"\r\n")))

        # A restart sends nothing again (the reminder is recorded, the mail marked as sent).
        self.assertEqual(service.stop(), 0)
        self.services.remove(service)
        self.start_service()
        time.sleep(3)
        self.assertEqual(sink.messages(), ["0001.eml"])
        self.assertEqual(self.outbox()["pending"], 0)
        text = self.promtool_check()
        self.assertIn("credwatch_mail_outbox_pending_messages 0", text)
        self.assertRegex(text, r'credwatch_credential_state\{credential="cancer-registry/user-password",'
                               r'system="cancer-registry",kind="user-password",owner="machine",'
                               r'site_id="[^"]+",state="due_soon"\} 1')
        self.assertRegex(text, r'credwatch_credential_day_left\{credential="cancer-registry/user-password"'
                               r'[^}]*\} 10\n')
        self.assertIn("credwatch_credential_issuance_limit{", text)

    def test_starttls_with_auth_and_a_password_file(self):
        cert = os.path.join(self.dir, "server.pem")
        key = os.path.join(self.dir, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        password_file = os.path.join(self.dir, "smtp-password")
        with open(password_file, "w") as f:
            f.write(SMTP_PASSWORD + "\n")
        os.chmod(password_file, 0o644)  # readable by others: must be refused
        sink = self.start_sink(0, "--starttls", cert, key, "--auth", "clinic01:" + SMTP_PASSWORD)
        self.write_site(sink.port, tls='"starttls"', username='"clinic01"',
                        password_file="'%s'" % password_file, ca_file="'%s'" % cert)
        service = self.start_service()

        # Only an administrator may ask for a test mail; the tests run as one or as the owner.
        r = cli(self.data, "test-mail")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

        def refused():
            box = self.outbox()
            return box if box["failing"] == 1 else None
        box = wait_until(refused)
        self.assertTrue(box, json.dumps(self.outbox(), ensure_ascii=False))
        error = box["messages"][0]["last_error"]
        self.assertIn(password_file, error)
        self.assertIn("may be read by other accounts", error)
        self.assertEqual(sink.messages(), [])

        os.chmod(password_file, 0o600)
        self.assertTrue(wait_until(lambda: sink.messages(), timeout=15), service.output())
        mail, envelope = sink.read(sink.messages()[0])
        self.assertTrue(envelope["authenticated"])
        self.assertEqual(str(mail["Subject"]).split("（")[0], "[credwatch] テストメール")
        self.assertIn("テストメール", mail.get_content())
        # The password is never logged nor shown.
        self.assertEqual(service.stop(), 0)
        self.services.remove(service)
        logs = service.output()
        for root, _, files in os.walk(self.data):
            for name in files:
                if name.endswith(".log"):
                    with open(os.path.join(root, name), "rb") as f:
                        logs += f.read().decode("utf-8", "replace")
        self.assertIn("AUTH as clinic01", logs)
        self.assertNotIn(SMTP_PASSWORD, logs)

    def test_wrong_certificate_is_refused_when_verifying(self):
        cert = os.path.join(self.dir, "server.pem")
        key = os.path.join(self.dir, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        sink = self.start_sink(0, "--starttls", cert, key)
        self.write_site(sink.port, tls='"starttls"')  # no ca_file: the self-signed server is not trusted
        self.start_service()
        self.assertEqual(cli(self.data, "test-mail").returncode, 0)
        box = wait_until(lambda: (lambda b: b if b["failing"] == 1 else None)(self.outbox()))
        self.assertTrue(box)
        self.assertRegex(box["messages"][0]["last_error"].lower(), "certificate|ssl|tls")
        self.assertEqual(sink.messages(), [])

    def test_daily_digest(self):
        sink = self.start_sink(0)
        tokyo = timezone(timedelta(hours=9))
        # The digest time: the next whole minute (at least 20 s away, so both reminders are in).
        at = datetime.now(tokyo) + timedelta(seconds=80)
        digest_time = at.strftime("%H:%M")
        self.write_site(sink.port, mode='"digest"', digest_time='"%s"' % digest_time)
        self.start_service()
        for credential, days in (("cancer-registry/user-password", 50), ("gtol/user-password", 57)):
            r = cli(self.data, "password-changed", credential, "--on", days_ago(days))
            self.assertEqual(r.returncode, 0, r.stderr.decode())
        box = wait_until(lambda: (lambda b: b if b["held"] == 2 else None)(self.outbox()))
        self.assertTrue(box, json.dumps(self.outbox(), ensure_ascii=False))
        self.assertEqual(sink.messages(), [])
        self.assertTrue(wait_until(lambda: sink.messages(), timeout=150), "no digest by %s" % digest_time)
        time.sleep(2)
        self.assertEqual(len(sink.messages()), 1)
        mail, _ = sink.read(sink.messages()[0])
        self.assertIn("期限のお知らせ 2件", str(mail["Subject"]))
        body = mail.get_content()
        self.assertIn("がん登録オンラインシステム 利用者パスワード", body)
        self.assertIn("GTOL 利用者パスワード", body)
        self.assertIn(PASSWORD_CHANGE_URL, body)
        statuses = sorted(m["status"] for m in self.outbox()["messages"])
        self.assertEqual(statuses, ["in_digest", "in_digest", "sent"])

    def test_exports(self):
        port = free_port()
        self.write_site(port, enabled="false")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", os.path.join(self.dir, "k.pem"),
                        "-out", os.path.join(self.dir, "certs", "client1.pem"), "-days", "30",
                        "-subj", "/CN=山田太郎/O=テスト病院", "-utf8"], check=True, capture_output=True)
        self.start_service()
        self.assertEqual(cli(self.data, "password-changed", "cancer-registry/user-password",
                             "--on", days_ago(50)).returncode, 0)
        self.assertEqual(cli(self.data, "password-changed", "gtol/user-password",
                             "--on", days_ago(5)).returncode, 0)
        status = cli_json(self.data, "status")
        dated = [r for r in status["credentials"] if r["deadline_date"]]
        self.assertEqual(len(dated), 2)

        ics_path = os.path.join(self.dir, "deadlines.ics")
        r = cli(self.data, "export", "ics", "--output", ics_path, "--lang", "ja")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(ics_path, "rb") as f:
            raw = f.read()
        self.assertTrue(all(len(line) <= 75 for line in raw.split(b"\r\n")))
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        calendar = icalendar.Calendar.from_ical(raw)
        events = [c for c in calendar.walk() if c.name == "VEVENT"]
        self.assertEqual(len(events), len(dated))
        by_uid = {str(e["UID"]): e for e in events}
        for row in dated:
            uid = "%s.g%d@" % (row["id"], row["generation"])
            event = next(e for u, e in by_uid.items() if u.startswith(uid))
            self.assertEqual(event.decoded("DTSTART").isoformat(), row["deadline_date"])
            alarms = [c for c in event.walk() if c.name == "VALARM"]
            self.assertEqual(len(alarms), 1)
            self.assertEqual(str(alarms[0]["ACTION"]), "DISPLAY")
            self.assertLess(alarms[0].decoded("TRIGGER"), timedelta(0))
            self.assertIn("の期限", str(event["SUMMARY"]))
        password = next(e for u, e in by_uid.items() if u.startswith("cancer-registry/user-password"))
        self.assertIn(PASSWORD_CHANGE_URL, str(password["DESCRIPTION"]))
        self.assertIn(CALL_CENTRE, str(password["DESCRIPTION"]))
        self.assertEqual(str(password["URL"]), PASSWORD_CHANGE_URL)

        # Standard output works too, byte for byte.
        r = cli(self.data, "export", "ics", "--lang", "ja")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(r.stdout.split(b"BEGIN:VEVENT")), len(dated) + 1)

        csv_path = os.path.join(self.dir, "deadlines.csv")
        r = cli(self.data, "export", "csv", "deadlines", "-o", csv_path, lang="ja")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(csv_path, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], ["ID", "システム", "種類", "名称", "所有者", "状態", "期限日",
                                   "残り日数", "発行済", "上限"])
        self.assertEqual(len(rows) - 1, len(status["credentials"]))
        by_id = {r[0]: r for r in rows[1:]}
        self.assertEqual(by_id["cancer-registry/user-password"][1], "がん登録オンラインシステム")
        self.assertEqual(by_id["cancer-registry/user-password"][5], "期限間近")
        self.assertEqual(by_id["cancer-registry/user-password"][7], "10")
        self.assertEqual(by_id["cancer-registry/certificate-issuance"][9], "6")

        inv_path = os.path.join(self.dir, "inventory.csv")
        r = cli(self.data, "export", "csv", "inventory", "--output", inv_path, lang="en")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(inv_path, "rb") as f:
            rows = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], ["path", "owner", "subject", "issuer", "serial", "not_before",
                                   "not_after", "sha256", "tracked_as"])
        self.assertEqual(len(rows), 2)
        self.assertIn("山田太郎", rows[1][2])
        self.assertRegex(rows[1][6], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

        # The metrics of this run pass promtool too (no e-mail: no mail metrics).
        text = self.promtool_check()
        self.assertIn("credwatch_scan_certificates 1\n", text)
        self.assertNotIn("credwatch_mail_", text)

    def test_outbox_without_email(self):
        self.write_site(free_port(), enabled="false")
        self.start_service()
        box = self.outbox()
        self.assertFalse(box["enabled"])
        r = cli(self.data, "test-mail")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not enabled", r.stderr.decode())


def main():
    rest = cw.parse_args(promtool=True)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

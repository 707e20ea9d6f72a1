#!/usr/bin/env python3
"""The real credwatch-service speaks systemd's notify protocol (Type=notify, WatchdogSec):
READY=1 only once its socket answers, WATCHDOG=1 from the event loop at half of WATCHDOG_USEC,
none while the loop is stopped, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
The test plays systemd: a datagram socket named by NOTIFY_SOCKET.

    test_systemd_notify.py --service PATH --cli PATH [unittest arguments]
"""

import os
import signal
import socket
import sys
import tempfile
import time
import unittest

import cwtest as cw

WATCHDOG_USEC = 600_000  # pings every 300 ms


class SystemdNotifyTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="credwatch-notify-")
        self.data_dir = os.path.join(self.temp.name, "data")
        self.notify_path = os.path.join(self.temp.name, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.notify_path)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        self.spawn(env)

    def spawn(self, env):
        self.service = cw.Service(self.data_dir, os.path.join(self.temp.name, "service.log"),
                                  ["--quiet"], env)
        self.proc = self.service.spawn()

    def tearDown(self):
        self.service.kill()
        self.sock.close()
        self.temp.cleanup()

    def output(self):
        return self.service.output()

    def messages(self, until, timeout=20.0):
        """Datagrams received until `until(list)` holds or the timeout passes."""
        got = []
        deadline = time.monotonic() + timeout
        while not until(got) and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                got.extend(self.sock.recv(4096).decode().split("\n"))
            except socket.timeout:
                break
        return got

    def status_answers(self):
        return cw.cli(self.data_dir, "status", "--json", env=os.environ).returncode == 0

    def test_ready_only_when_listening_then_watchdog_pings(self):
        got = self.messages(lambda m: "READY=1" in m)
        self.assertIn("READY=1", got, self.output())
        # READY=1 means clients are served: the socket was listening before it was sent.
        self.assertTrue(self.status_answers(), self.output())
        self.assertIn("WATCHDOG=1", got + self.messages(lambda m: "WATCHDOG=1" in m, 5))
        pings = self.messages(lambda m: m.count("WATCHDOG=1") >= 3, 5)
        self.assertGreaterEqual(pings.count("WATCHDOG=1"), 3, self.output())
        self.assertIn("watchdog: a ping every 300 ms", self.output())

    def test_no_pings_while_the_loop_is_stopped(self):
        self.messages(lambda m: "WATCHDOG=1" in m)
        self.proc.send_signal(signal.SIGSTOP)  # a hung loop, as systemd would see it
        try:
            time.sleep(0.2)
            while True:  # drop what was sent before the stop
                self.sock.settimeout(0.05)
                try:
                    self.sock.recv(4096)
                except socket.timeout:
                    break
            silent = self.messages(lambda m: False, 1.5)
            self.assertNotIn("WATCHDOG=1", silent)
        finally:
            self.proc.send_signal(signal.SIGCONT)
        self.assertIn("WATCHDOG=1", self.messages(lambda m: "WATCHDOG=1" in m, 5))

    def test_reload_and_stop_are_announced(self):
        self.messages(lambda m: "READY=1" in m)
        self.proc.send_signal(signal.SIGHUP)
        def ready_after_reloading(m):
            return "RELOADING=1" in m and "READY=1" in m[m.index("RELOADING=1"):]
        got = self.messages(ready_after_reloading)
        self.assertIn("RELOADING=1", got, self.output())
        self.assertIn("READY=1", got[got.index("RELOADING=1"):], self.output())
        self.proc.send_signal(signal.SIGTERM)
        got = self.messages(lambda m: "STOPPING=1" in m)
        self.assertIn("STOPPING=1", got, self.output())
        self.assertEqual(self.proc.wait(timeout=30), 0, self.output())

    def test_outside_systemd_nothing_is_sent(self):
        self.service.kill()
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        self.spawn(env)
        cw.wait_until(self.status_answers, timeout=20, interval=0.1)
        self.assertEqual(self.messages(lambda m: False, 1.0), [])
        self.assertIsNone(self.proc.poll(), self.output())


if __name__ == "__main__":
    rest = cw.parse_args()
    unittest.main(argv=[sys.argv[0], *rest])

#!/usr/bin/env python3
"""`credwatch scan FOLDER --json` as a script runs it: stdout must parse as JSON even when the
folder holds damaged files (the readers log OpenSSL's complaints, which belong on stderr).

    test_scan_json.py --cli PATH [unittest arguments]

The certificate files are made with the openssl command line tool.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


class ScanJsonTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="credwatch-scan-json-")
        self.folder = self.temp.name
        key = os.path.join(self.folder, "key.txt")  # not a certificate extension: not scanned
        good = os.path.join(self.folder, "good.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-subj", "/CN=credwatch scan test", "-days", "30",
                "-out", good)
        der = os.path.join(self.folder, "full.der.txt")
        openssl("x509", "-in", good, "-outform", "DER", "-out", der)
        with open(der, "rb") as f:
            data = f.read()
        with open(os.path.join(self.folder, "truncated.cer"), "wb") as f:
            f.write(data[: len(data) // 2])
        # A wrong tag inside (TBSCertificate as a SET): OpenSSL's d2i_X509 refuses it, and the
        # reader logs why.
        damaged = bytearray(data)
        damaged[4] = 0x31
        with open(os.path.join(self.folder, "damaged.cer"), "wb") as f:
            f.write(damaged)
        with open(os.path.join(self.folder, "damaged.pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(bytes(damaged)).decode()
                    + "-----END CERTIFICATE-----\n")
        with open(os.path.join(self.folder, "garbage.pem"), "wb") as f:
            f.write(b"-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n")
        openssl("pkcs12", "-export", "-in", good, "-inkey", key, "-passout", "pass:right-one",
                "-out", os.path.join(self.folder, "client.p12"))
        with open(os.path.join(self.folder, "client.pass"), "w") as f:
            f.write("wrong-one\n")

    def tearDown(self):
        self.temp.cleanup()

    def test_json_output_parses_with_damaged_files(self):
        env = dict(os.environ, LANG="C.UTF-8")
        run = subprocess.run([ARGS.cli, "scan", self.folder, "--json"], capture_output=True,
                             timeout=60, env=env)
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        stdout = run.stdout.decode()
        try:
            records = json.loads(stdout)
        except json.JSONDecodeError as e:
            self.fail(f"stdout is not JSON ({e}):\n{stdout}\n--- stderr:\n{run.stderr.decode()}")
        by_name = {os.path.basename(r["path"]): r for r in records}
        self.assertEqual(set(by_name), {"good.pem", "truncated.cer", "damaged.cer", "damaged.pem", "garbage.pem",
                                        "client.p12"})
        self.assertIn("sha256", by_name["good.pem"])
        for damaged in ("truncated.cer", "damaged.cer", "damaged.pem", "garbage.pem",
                        "client.p12"):
            self.assertIn("error", by_name[damaged], by_name[damaged])
        self.assertIn("d2i_X509", run.stderr.decode(), "the reader's warning, on stderr")
        self.assertNotIn("wrong-one", stdout + run.stderr.decode(), "a password was printed")


class ScanSkipsTest(unittest.TestCase):
    """A folder other users may write to: links (to "/", to the folder itself), a FIFO, and a
    .pass that is a link. The scan must neither follow nor block (run with a timeout, so a
    regression fails instead of hanging) and must say what it left alone, with code "skipped"."""

    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="credwatch-scan-skips-")
        self.folder = os.path.join(self.temp.name, "certs")
        os.mkdir(self.folder)
        key = os.path.join(self.temp.name, "key.txt")
        good = os.path.join(self.folder, "good.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-subj", "/CN=credwatch skip test", "-days", "30",
                "-out", good)
        openssl("pkcs12", "-export", "-in", good, "-inkey", key, "-passout", "pass:right-one",
                "-out", os.path.join(self.folder, "client.p12"))
        secret = os.path.join(self.temp.name, "elsewhere.txt")
        with open(secret, "w") as f:
            f.write("right-one\n")
        os.symlink(secret, os.path.join(self.folder, "client.pass"))
        os.symlink("/", os.path.join(self.folder, "root"))
        os.symlink(".", os.path.join(self.folder, "a"))
        os.symlink(".", os.path.join(self.folder, "b"))
        os.mkfifo(os.path.join(self.folder, "trap.pem"))

    def tearDown(self):
        self.temp.cleanup()

    def test_links_and_fifos_are_skipped_with_records(self):
        env = dict(os.environ, LANG="C.UTF-8")
        try:
            run = subprocess.run([ARGS.cli, "scan", self.folder, "--json"], capture_output=True,
                                 timeout=60, env=env)
        except subprocess.TimeoutExpired:
            self.fail("credwatch scan did not finish: it followed a link or blocked on a FIFO")
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        records = json.loads(run.stdout.decode())
        paths = [r["path"] for r in records]
        self.assertEqual(len(paths), len(set(paths)), f"duplicates: {paths}")
        for r in records:
            self.assertTrue(r["path"].startswith(self.folder + "/"), f"outside the folder: {r}")
        by_name = {os.path.basename(r["path"]): r for r in records}
        self.assertEqual(set(by_name), {"good.pem", "client.p12", "client.pass", "root", "a", "b",
                                        "trap.pem"})
        self.assertIn("sha256", by_name["good.pem"])
        for link in ("root", "a", "b", "client.pass"):
            self.assertEqual(by_name[link]["code"], "skipped", by_name[link])
            self.assertIn("symbolic link", by_name[link]["error"])
        self.assertEqual(by_name["trap.pem"]["code"], "skipped")
        self.assertIn("a FIFO", by_name["trap.pem"]["error"])
        # The .pass link's target holds the right password: it must not have been read.
        self.assertNotIn("sha256", by_name["client.p12"], "opened with a password read through a link")
        self.assertIn("is refused: a symbolic link", by_name["client.p12"]["error"])
        self.assertNotIn("right-one", run.stdout.decode() + run.stderr.decode())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)

#!/usr/bin/env python3
"""A tray report from a real OS user over the real Unix socket: the service trusts the socket's
peer credentials and the certificate's DER, nothing the message asserts.

    test_report_os_user.py --service PATH

As root: creates the throwaway user cw-report-test (with its own group, which the service gets
as socket_group), runs credwatch-service, and sends requests as that user (python3 under
setpriv). The user and group are removed afterwards. Not root: skipped (exit 77).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import cwtest as cw

USER = "cw-report-test"


def run(*args):
    return subprocess.run(list(args), check=True, capture_output=True, timeout=60)


def make_certificate(folder, name, days):
    key = os.path.join(folder, name + ".key.txt")
    pem = os.path.join(folder, name + ".pem")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key, "-subj", "/CN=" + name, "-days", str(days), "-out", pem)
    der = run("openssl", "x509", "-in", pem, "-outform", "DER").stdout
    fingerprint = run("openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256").stdout
    sha256 = fingerprint.decode().strip().split("=", 1)[1].replace(":", "").lower()
    os.remove(key)
    return pem, der, sha256


def as_user(socket_path, requests):
    r = cw.request_as(["setpriv", "--reuid", USER, "--regid", USER, "--init-groups"],
                      socket_path, numbered(requests))
    if r.returncode != 0:
        raise AssertionError("client as %s failed: %s" % (USER, r.stderr.decode()))
    return json.loads(r.stdout)


def as_root(socket_path, requests):
    r = cw.request_as([], socket_path, numbered(requests))
    r.check_returncode()
    return json.loads(r.stdout)


def numbered(requests):
    """[method, params] pairs as requests with the ids 0, 1, ..."""
    return [{"v": 1, "id": i, "method": method, "params": params}
            for i, (method, params) in enumerate(requests)]


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(what + (": " + json.dumps(detail) if detail else ""))
    print("ok:", what)


def main():
    cw.parse_args(cli=False, known=False)
    skip = cw.skip_unless_root(("useradd", "userdel", "setpriv", "openssl"),
                               "SKIP: needs root to create the OS user %s" % USER,
                               "SKIP: %s is not installed")
    if skip:
        return skip
    user = cw.ThrowawayUser(USER, user_group=True, timeout=60)
    user.create()
    temp = tempfile.mkdtemp(prefix="cw-report-os-user-")
    service = None
    try:
        os.chmod(temp, 0o755)
        data_dir = os.path.join(temp, "data")
        folder = os.path.join(temp, "certs")
        os.makedirs(folder)
        machine_pem, _, machine_sha = make_certificate(folder, "machine-cert", 20)
        _, real_der, real_sha = make_certificate(temp, "real-cert", 90)
        site = os.path.join(temp, "site.toml")
        with open(site, "w") as f:
            f.write('[service]\ncertificate_folders = ["%s"]\nsocket_group = "%s"\n'
                    'language = "en"\n\n[[credential]]\nid = "cancer-registry/user-password"\n'
                    'system = "cancer-registry"\nkind = "user-password"\n' % (folder, USER))
        service = cw.Service(data_dir, os.path.join(temp, "service.out"),
                             ["--config", site, "--quiet"], env=os.environ)
        service.spawn()
        socket_path = os.path.join(data_dir, "credwatch.sock")
        cw.wait_until(lambda: os.path.exists(socket_path) or service.proc.poll() is not None,
                      timeout=30, interval=0.1)
        if not os.path.exists(socket_path):
            raise AssertionError("the service did not listen:\n" + service.output())
        time.sleep(0.2)
        os.chmod(data_dir, 0o755)  # the user reaches the socket through the group only

        forged = {"der": base64.b64encode(real_der).decode(), "location": "CurrentUser\\My",
                  "source": "store", "subject": "CN=forged", "owner": "root",
                  "not_after": "2099-01-01T00:00:00Z", "sha256": "a" * 64}
        asserted = {"path": "CurrentUser\\My", "source": "store", "owner": "root",
                    "subject": "CN=forged", "issuer": "CN=forged", "serial": "01",
                    "not_before": "2020-01-01T00:00:00Z", "not_after": "2099-01-01T00:00:00Z",
                    "sha1": "b" * 40, "sha256": "b" * 64}
        garbage = {"der": base64.b64encode(b"not a certificate").decode(), "location": "x"}
        hello, old, report, bind = as_user(socket_path, [
            ["hello", {}],
            ["report_certificates", {"certificates": [asserted], "owner": "root"}],
            ["report_certificates", {"certificates": [forged, garbage], "owner": "root"}],
            ["bind", {"sha256": machine_sha, "credential": "cancer-registry/user-password"}],
        ])
        check(hello["result"]["user"] == USER and not hello["result"]["privileged"],
              "the service knows the caller as the OS user", hello)
        check(old.get("error", {}).get("code") == "invalid_argument" and
              '"der"' in old["error"]["message"], "the asserted-fields form is refused", old)
        check(report.get("result", {}).get("owner") == USER and
              report["result"]["accepted"] == 1 and report["result"]["failed"] == 1,
              "the report is the OS user's, one certificate and one failure", report)
        check(bind.get("error", {}).get("code") == "permission_denied",
              "the user may not bind the machine's certificate", bind)

        (inventory,) = as_root(socket_path, [["inventory", {}]])
        certs = inventory["result"]["certificates"]
        reported = [c for c in certs if c["sha256"] == real_sha]
        check(len(reported) == 1 and reported[0]["owner"] == USER and
              reported[0]["subject"] == "CN=real-cert",
              "the inventory shows the DER's facts, owned by the OS user", certs)
        check(not any(c["sha256"] in ("a" * 64, "b" * 64) or c["subject"] == "CN=forged"
                      for c in certs), "no asserted certificate is listed", certs)
        failures = inventory["result"]["failures"]
        check(any(f["error"].startswith("certificates[1]: ") for f in failures),
              "the garbage record is a failure naming its index", failures)
        return 0
    finally:
        if service:
            service.stop(reraise=False)
        user.remove()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

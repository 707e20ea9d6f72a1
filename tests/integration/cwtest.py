"""What the Python integration tests share: the real credwatch-service and CLI on a private data
directory, the child environment, bounded waits, the SMTP sink, throwaway OS users.

A test script calls parse_args() first; the executables are then in ARGS (ARGS.service,
ARGS.cli, ...). Every wait is bounded and polls.
"""

import argparse
import email
import email.policy
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = None
SKIP = 77  # CTest's SKIP_RETURN_CODE of the tests that need root

# The credentials of the site files of the e-mail and reliability tests.
SITE_CREDENTIALS = ("cancer-registry/user-password", "gtol/user-password",
                    "cancer-registry/certificate-issuance")


# No test sends a packet beyond loopback: every service these tests start (and everything they
# spawn) runs no prerequisite checks unless a test turns them on with its own loopback servers
# (CREDWATCH_SERVICE_CHECKS, docs/doctor.md).
os.environ.setdefault("CREDWATCH_SERVICE_CHECKS", "off")


def parse_args(*required, cli=True, promtool=False, known=True):
    """Reads --service (and --cli, --promtool, the `required` options) into ARGS; returns the
    remaining arguments (for unittest), or none when `known` is false (unknown ones are refused)."""
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", required=True)
    if cli:
        parser.add_argument("--cli", required=True)
    if promtool:
        parser.add_argument("--promtool", default="")
    for name in required:
        parser.add_argument(name, required=True)
    if known:
        ARGS, rest = parser.parse_known_args()
    else:
        ARGS, rest = parser.parse_args(), []
    if promtool and ARGS.promtool and not os.path.exists(ARGS.promtool):
        ARGS.promtool = shutil.which("promtool") or ""
    return rest


def child_env(keep_language=False, drop_faketime=False, **extra):
    """This environment without the locale and time zone, then TZ=Asia/Tokyo, LANG=C.UTF-8 and
    `extra`. LANGUAGE is dropped unless `keep_language`; FAKETIME* too with `drop_faketime`."""
    dropped = ("LANG", "TZ") if keep_language else ("LANG", "LANGUAGE", "TZ")
    prefixes = ("LC_", "FAKETIME") if drop_faketime else ("LC_",)
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k not in dropped}
    env["TZ"] = "Asia/Tokyo"
    env["LANG"] = "C.UTF-8"
    env["CREDWATCH_SERVICE_CHECKS"] = "off"  # a test that runs them gives "on" in `extra`
    env.update(extra)
    return env


def wait_until(predicate, timeout=15.0, interval=0.05):
    """Polls `predicate` until it is true or `timeout` seconds passed; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def days_ago(n):
    tokyo = timezone(timedelta(hours=9))
    return (datetime.now(tokyo) - timedelta(days=n)).strftime("%Y-%m-%d")


def read_output(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def cli(data_dir, *args, lang=None, timeout=30, text=False, env=None):
    """The real CLI on `data_dir` (env: child_env() unless given; os.environ: this one)."""
    command = [ARGS.cli, "--data-dir", data_dir]
    if lang:
        command += ["--lang", lang]
    return subprocess.run(command + list(args), capture_output=True, text=text, timeout=timeout,
                          env=child_env() if env is None else env)


def cli_json(data_dir, *args, lang=None):
    r = cli(data_dir, *args, "--json", lang=lang)
    if r.returncode != 0:
        raise AssertionError("credwatch %s failed (%d): %s" % (" ".join(args), r.returncode,
                                                             r.stderr.decode()))
    return json.loads(r.stdout)


def stop_process(proc, timeout=20, kill=True, reraise=False):
    """SIGTERM, then waits `timeout` seconds for the exit code (None when it was not running).
    Past it: SIGKILL when `kill` (then TimeoutExpired again only with `reraise`), else
    TimeoutExpired with the process left running."""
    if proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGTERM)
    if not kill:
        return proc.wait(timeout=timeout)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        if reraise:
            raise
        return None


def kill_process(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class Service:
    """credwatch-service in the foreground on `data_dir`, with `args`, its output appended to the
    file `out` (default: DATA_DIR.service.out beside the data directory). Ready when `ready()` holds (default: `credwatch status` answers), polled every
    `interval` seconds for at most `timeout`. env: child_env() unless given (os.environ: this
    process's)."""

    def __init__(self, data_dir, out=None, args=(), env=None, ready=None, timeout=15.0,
                 interval=0.05):
        self.data_dir = data_dir
        self.out = out or os.path.join(os.path.dirname(data_dir),
                                       os.path.basename(data_dir) + ".service.out")
        self.args = list(args)
        self.env = child_env() if env is None else env
        self.ready = ready or (lambda: cli(self.data_dir, "status").returncode == 0)
        self.timeout = timeout
        self.interval = interval
        self.proc = None
        self.log = None

    def spawn(self):
        self.log = open(self.out, "ab")
        self.proc = subprocess.Popen([ARGS.service, "--data-dir", self.data_dir] + self.args,
                                     stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        return self.proc

    def wait_ready(self):
        """True once it answers; False when it exited or did not answer in time."""
        ok = wait_until(lambda: self.proc.poll() is not None or self.ready(), self.timeout,
                        self.interval)
        return bool(ok) and self.proc.poll() is None

    def start(self):
        self.spawn()
        if not self.wait_ready():
            if self.proc.poll() is not None:
                raise RuntimeError("credwatch-service exited with %s:\n%s"
                                   % (self.proc.returncode, self.output()))
            raise RuntimeError("credwatch-service did not answer:\n" + self.output())

    def stop(self, timeout=20, kill=True, reraise=True):
        """SIGTERM (see stop_process); the exit code, None when it was not running."""
        code = stop_process(self.proc, timeout, kill, reraise) if self.proc else None
        if self.log:
            self.log.close()
        return code

    def kill(self):
        if self.proc:
            kill_process(self.proc)
        if self.log:
            self.log.close()

    def output(self):
        return read_output(self.out)


def site_service(data_dir, site, extra=(), **kwargs):
    """A Service with the site file `site`, quiet, logging at debug level (then `extra`)."""
    return Service(data_dir, args=["--config", site, "--quiet", "--log-level", "debug", *extra],
                   **kwargs)


def integrity(path):
    """PRAGMA integrity_check of the database at `path`, opened read-only ("ok", or the error)."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        return str(e)
    finally:
        db.close()


def credential_lines(ids):
    """The site file's [[credential]] tables of the credentials `ids` (system/kind)."""
    lines = []
    for cid in ids:
        system, kind = cid.split("/")
        lines += ["[[credential]]", 'id = "%s"' % cid, 'system = "%s"' % system,
                  'kind = "%s"' % kind, ""]
    return lines


def site_toml(port, folder, **email_overrides):
    """The e-mail tests' site file: Japanese, mail to 127.0.0.1:`port`, the certificates and the
    metrics textfile in `folder`."""
    email_settings = {
        "enabled": "true",
        "smtp_host": '"127.0.0.1"',
        "smtp_port": str(port),
        "tls": '"none"',
        "from": '"credwatch 通知 <credwatch@hospital.example.jp>"',
        "to": '["情報システム 担当 <it@hospital.example.jp>", "registry@hospital.example.jp"]',
        "language": '"ja"',
        "retry_initial_seconds": "1",
        "retry_max_seconds": "2",
        "timeout_seconds": "10",
    }
    email_settings.update(email_overrides)
    lines = ["[service]", 'language = "ja"', 'organisation = "テスト病院"',
             "certificate_folders = ['%s']" % os.path.join(folder, "certs"), "", "[email]"]
    lines += ["%s = %s" % (k, v) for k, v in email_settings.items()]
    lines += ["", "[metrics]", "textfile = '%s'" % os.path.join(folder, "credwatch.prom"), ""]
    lines += credential_lines(SITE_CREDENTIALS)
    return "\n".join(lines)


class Sink:
    """smtp_sink.py in a child process; messages land in `folder`."""

    def __init__(self, port, folder, *extra):
        self.folder = folder
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "smtp_sink.py"), str(port), folder, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("smtp_sink.py did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(line.split()[1])

    def messages(self):
        if not os.path.isdir(self.folder):
            return []
        return sorted(f for f in os.listdir(self.folder) if f.endswith(".eml"))

    def read(self, name):
        with open(os.path.join(self.folder, name), "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        with open(os.path.join(self.folder, name[:-4] + ".json"), encoding="utf-8") as f:
            envelope = json.load(f)
        return message, envelope

    def bodies(self):
        """Each message's subject and body, one string per message."""
        out = []
        for name in self.messages():
            with open(os.path.join(self.folder, name), "rb") as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            out.append(str(m["Subject"]) + "\n" + m.get_body().get_content())
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


# ---- OS users (root only) ------------------------------------------------------------------------

def skip_unless_root(tools, not_root, missing_tool):
    """SKIP (after printing `not_root`, or `missing_tool` % the tool) when not root or one of
    `tools` is not on PATH; None when the test can run."""
    if os.geteuid() != 0:
        print(not_root)
        return SKIP
    for tool in tools:
        if not shutil.which(tool):
            print(missing_tool % tool)
            return SKIP
    return None


class ThrowawayUser:
    """The OS user `name` with a group of the same name (groupadd, then useradd --gid; or
    useradd --user-group), without a home. create() returns (uid, gid); remove() removes both.
    create() removes first what an interrupted run left. A context manager too."""

    def __init__(self, name, user_group=False, timeout=30, env=None):
        self.name = name
        self.user_group = user_group
        self.timeout = timeout
        self.env = env

    def run(self, *command):
        return subprocess.run(list(command), capture_output=True, env=self.env,
                              timeout=self.timeout)

    def create(self):
        name = self.name
        self.remove()
        if self.user_group:
            r = self.run("useradd", "--user-group", "--no-create-home", "--shell",
                         "/usr/sbin/nologin", name)
        else:
            r = self.run("groupadd", name)
            if r.returncode != 0:
                raise RuntimeError("groupadd failed: " + r.stderr.decode())
            r = self.run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--gid",
                         name, name)
        if r.returncode != 0:
            self.run("groupdel", name)
            raise RuntimeError("useradd failed: " + r.stderr.decode())
        return pwd.getpwnam(name).pw_uid, grp.getgrnam(name).gr_gid

    def remove(self):
        self.run("userdel", self.name)
        self.run("groupdel", self.name)

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.remove()


# Runs as the other user: sends the requests of argv[2] (a JSON array) on one connection to the
# socket argv[1], each on its line, waiting for each reply (argv[3]: the socket's timeout in
# seconds, empty for none); prints the replies as a JSON array.
CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if sys.argv[3]:
    s.settimeout(float(sys.argv[3]))
s.connect(sys.argv[1])
f = s.makefile("rwb")
replies = []
for request in json.loads(sys.argv[2]):
    f.write((json.dumps(request) + "\n").encode())
    f.flush()
    replies.append(json.loads(f.readline()))
print(json.dumps(replies))
"""


def request_as(prefix, socket_path, requests, socket_timeout=None, timeout=60, env=None):
    """The requests (JSON objects) from python3 run under `prefix` (setpriv ...; empty: as this
    process); the CompletedProcess, whose stdout is the JSON array of the replies."""
    return subprocess.run(
        list(prefix) + [sys.executable, "-c", CLIENT, socket_path, json.dumps(requests),
                        "" if socket_timeout is None else str(socket_timeout)],
        capture_output=True, timeout=timeout, env=env)

#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd, Debian's python3-aiosmtpd).

    smtp_sink.py PORT DIR [--starttls CERT KEY] [--auth USER:PASSWORD]

Listens on 127.0.0.1:PORT (0: a free port), prints "PORT <n>" on stdout once it accepts
connections, and writes every message it receives to DIR as NNNN.eml (the bytes as received),
with NNNN.json beside it (mail_from, rcpt_tos, auth user). A file appears only once complete
(written under another name and renamed). Runs until killed (SIGTERM/SIGINT).
--starttls offers STARTTLS with that certificate and requires it before MAIL; --auth requires
AUTH PLAIN/LOGIN with that user and password (over TLS when --starttls is given).
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, "%04d" % self.count)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "authenticated": bool(getattr(session, "authenticated", False))}, f)
        os.replace(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.replace(base + ".eml.tmp", base + ".eml")
        return "250 OK: queued as %04d" % self.count


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return authenticate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("folder")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)

    tls_context = None
    if args.starttls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(*args.starttls)
    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)
        # AUTH only over TLS when TLS is offered; without --starttls a plain AUTH is accepted
        # (a closed-network relay, and the Windows build under Wine).
        options.update(authenticator=authenticator_for(user, password), auth_required=True,
                       auth_require_tls=tls_context is not None)
    handler = Sink(args.folder)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)

    def factory():
        return SMTP(handler, hostname="sink.test", decode_data=False, tls_context=tls_context,
                    require_starttls=tls_context is not None, **options)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, sock=sock))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("PORT %d" % sock.getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    sys.exit(main())

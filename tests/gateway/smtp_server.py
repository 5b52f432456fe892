#!/usr/bin/env python3
"""secinfo tests: a loopback mail server (Debian's python3-aiosmtpd) that receives the codes.

Started by tests/delivery/email.sh. It binds 127.0.0.1 on a free port, writes the port to
--port-file, and appends every message it accepts, as one JSON line, to --log before it
answers 250, so a test can read the code that was sent:

  {"mail_from": ..., "rcpt_tos": [...], "data": the raw message, "tls": true|false,
   "starttls": true|false, "auth": the login or null}

Options:
  --cert/--key            offer STARTTLS with this certificate and require it before MAIL
  --implicit-tls          with --cert/--key: TLS from the first byte (smtps://), no STARTTLS
  --auth-user/--auth-password-file
                          require AUTH (PLAIN or LOGIN, only over TLS) with these credentials
  --reject-rcpt           answer every RCPT with 550
  --hang N                accept the message but wait N seconds before answering
  --lifetime N            exit after N seconds (also on SIGTERM)
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ARGS = None


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if ARGS.reject_rcpt:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        transport = server.transport
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": transport is not None and transport.get_extra_info("ssl_object") is not None,
            "starttls": session.ssl is not None,
            "auth": session.auth_data.login.decode() if session.authenticated and session.auth_data else None,
        }
        if ARGS.hang:
            await asyncio.sleep(ARGS.hang)
        with open(ARGS.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        return "250 2.0.0 OK queued as secinfo-test"


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    with open(ARGS.auth_password_file, "rb") as f:
        password = f.read().rstrip(b"\r\n")
    ok = auth_data.login == ARGS.auth_user.encode() and auth_data.password == password
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password-file")
    parser.add_argument("--reject-rcpt", action="store_true")
    parser.add_argument("--hang", type=float, default=0)
    parser.add_argument("--lifetime", type=float, default=300)
    ARGS = parser.parse_args()

    context = None
    if ARGS.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ARGS.cert, ARGS.key)
    options = {"hostname": "mail.test", "ident": "secinfo-test-smtp"}
    if context is not None and not ARGS.implicit_tls:
        options.update(tls_context=context, require_starttls=True)
    if ARGS.auth_user:
        # auth_require_tls: AUTH is not even offered before TLS.
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(Handler(), loop=loop, **options),
            "127.0.0.1",
            0,
            ssl=context if ARGS.implicit_tls else None,
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.call_later(ARGS.lifetime, loop.stop)
    open(ARGS.log, "a").close()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    os.rename(tmp, ARGS.port_file)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

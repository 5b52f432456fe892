#!/usr/bin/env python3
"""secinfo tests: a loopback SMS/voice gateway that checks requests the way Twilio does.

Started by tests/delivery/*.sh (and the PAM scenarios). It binds 127.0.0.1 on a free port,
writes the port to --port-file, and appends every request it receives, as one JSON line
(method, path, headers, body, form or json), to --log before answering, so a test can read
the code that was sent.

Endpoints:
  POST /2010-04-01/Accounts/{Sid}/Messages.json   Twilio Messages API (To, From, Body)
  POST /2010-04-01/Accounts/{Sid}/Calls.json      Twilio Calls API (To, From, Twiml or Url)
  *    /send                                      a generic gateway: 200 {"ok": true}
  *    /status/NNN                                answers NNN
  *    /hang                                      answers after --hang seconds (at most 30)
  *    /redirect                                  302 to /redirected (must not be followed)
  *    /big, /big-chunked                         a 2 MB answer, with or without a length
Twilio checks: the SID in the path is --account-sid, HTTP basic auth is --account-sid and the
token in --token-file (else 401 with Twilio's error 20003), the body is form-encoded, To and
From are E.164 and present, Body (or Twiml/Url) present (else 400 with Twilio's error JSON).
Success is 201 with a Message or Call resource. It exits after --lifetime seconds or on
SIGTERM.
"""

import argparse
import base64
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
MAX_BODY = 1 << 20

ARGS = None
LOG_LOCK = threading.Lock()


def twilio_error(code, message, status):
    return status, {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "secinfo-test-gateway"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        ctype = self.headers.get("Content-Type", "")
        if "x-www-form-urlencoded" in ctype:
            entry["form"] = {
                k: v[0] for k, v in urllib.parse.parse_qs(entry["body"], keep_blank_values=True).items()
            }
        elif "json" in ctype:
            try:
                entry["json"] = json.loads(entry["body"])
            except ValueError as err:
                entry["json_error"] = str(err)
        line = json.dumps(entry, sort_keys=True)
        with LOG_LOCK:
            with open(ARGS.log, "a", encoding="utf-8") as log:
                log.write(line + "\n")
                log.flush()

    def answer(self, status, payload, extra_headers=None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == ARGS.account_sid and password == ARGS.token

    def twilio(self, sid, resource, body):
        if self.command != "POST":
            return twilio_error(20004, "Method not allowed", 405)
        if sid != ARGS.account_sid or not self.authorized():
            return twilio_error(20003, "Authenticate", 401)
        if "application/x-www-form-urlencoded" not in self.headers.get("Content-Type", ""):
            return twilio_error(21604, "A 'To' phone number is required.", 400)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return twilio_error(21604, "A 'To' phone number is required.", 400)
        if not E164.match(to):
            return twilio_error(21211, "Invalid 'To' Phone Number: %s" % to, 400)
        if not sender:
            return twilio_error(21603, "A 'From' phone number is required.", 400)
        if not E164.match(sender):
            return twilio_error(21212, "Invalid 'From' Phone Number: %s" % sender, 400)
        if resource == "Messages" and not form.get("Body"):
            return twilio_error(21602, "Message body is required.", 400)
        if resource == "Calls" and not (form.get("Twiml") or form.get("Url")):
            return twilio_error(21205, "Url or Twiml is required.", 400)
        prefix = "SM" if resource == "Messages" else "CA"
        resource_json = {
            "sid": prefix + os.urandom(16).hex(),
            "account_sid": sid,
            "status": "queued",
            "to": to,
            "from": sender,
        }
        if resource == "Messages":
            resource_json["body"] = form["Body"]  # Twilio echoes the body, code included
        return 201, resource_json

    def handle_any(self):
        try:
            body = self.read_body()
        except ValueError:
            self.answer(413, {"error": "too large"})
            return
        self.record(body)
        path = self.path.split("?", 1)[0]
        match = TWILIO.match(path)
        if match:
            status, payload = self.twilio(match.group(1), match.group(2), body)
            self.answer(status, payload)
        elif path == "/send":
            self.answer(200, {"ok": True})
        elif path.startswith("/status/") and path[8:].isdigit():
            self.answer(int(path[8:]), {"status": int(path[8:])})
        elif path == "/hang":
            time.sleep(min(ARGS.hang, 30))
            self.answer(200, {"ok": True})
        elif path == "/redirect":
            self.answer(302, {"moved": True}, {"Location": "/redirected"})
        elif path == "/big":
            self.answer(200, b"x" * (2 << 20))
        elif path == "/big-chunked":
            self.big_chunked()
        else:
            self.answer(404, {"error": "not found"})

    def big_chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"y" * 65536
        try:
            for _ in range(32):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client gave up, as it should

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass  # a client that refused our certificate, or gave up: expected in the tests

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--account-sid", default="AC00000000000000000000000000000000")
    parser.add_argument("--token-file")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--hang", type=float, default=30)
    parser.add_argument("--lifetime", type=float, default=300)
    ARGS = parser.parse_args()
    ARGS.token = ""
    if ARGS.token_file:
        with open(ARGS.token_file, encoding="utf-8") as f:
            ARGS.token = f.read().strip()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if ARGS.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ARGS.cert, ARGS.key)
        # The handshake happens in each request's thread, so a client that hangs or gives up
        # during it never blocks the others.
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Timer(ARGS.lifetime, stop).start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

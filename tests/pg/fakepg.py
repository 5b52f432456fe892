#!/usr/bin/env python3
"""A fake PostgreSQL server that a client must refuse (tests/pg/backend.sh).

usage: fakepg.py PORTFILE MODE LOG [CERT KEY]

Listens on 127.0.0.1 (its port written to PORTFILE). With CERT and KEY it accepts TLS (a
certificate the test's CA signed, for 127.0.0.1: the client's verify-full passes); without,
it refuses TLS. MODE says how it authenticates the client and answers:
  trust      no password asked (AuthenticationOk at once), then every statement is refused
             (an error with a DETAIL field)
  cleartext  asks for the password in clear text; writes "password: ..." to LOG when it comes
  copyin     no password asked; every statement is answered with CopyInResponse, for ever
  noresult   no password asked; every statement is answered "done" without rows (a SELECT too)
  badcount   no password asked; plays a new database for secinfo-admin init (no schema, no
             key check), and answers an INSERT with a row count that is not a number
Writes "authenticated" to LOG when a client gets past authentication."""
import os
import socket
import ssl
import struct
import sys
import threading

portfile, mode, log = sys.argv[1], sys.argv[2], sys.argv[3]
context = None
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])


def note(line):
    with open(log, "a") as f:
        f.write(line + "\n")


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        d = c.recv(n - len(buf))
        if not d:
            raise EOFError
        buf += d
    return buf


def read_message(c):
    t = recv_exact(c, 1)
    n = struct.unpack("!I", recv_exact(c, 4))[0]
    return t, recv_exact(c, n - 4)


def badcount(t, query):
    """The answer of mode badcount to a simple query (t Q) or an extended one (t S)."""
    ready = msg(b"Z", b"I")
    if t == b"Q":
        tag = b"COMMIT" if query.strip() == b"COMMIT" else b"CREATE TABLE"
        return msg(b"C", tag + b"\0") + ready
    if b"secinfo_schema" in query:  # never initialised
        return msg(b"E", b"SERROR\0VERROR\0C42P01\0Mno such table\0\0") + ready
    if query.startswith(b"SELECT"):  # no rows, of one bytea column
        field = b"value\0" + struct.pack("!IhIhih", 0, 0, 17, -1, -1, 1)
        return (msg(b"1") + msg(b"2") + msg(b"T", struct.pack("!h", 1) + field) +
                msg(b"C", b"SELECT 0\0") + ready)
    return msg(b"1") + msg(b"2") + msg(b"n") + msg(b"C", b"INSERT 0 x1\0") + ready


def handle(c):
    try:
        n = struct.unpack("!I", recv_exact(c, 4))[0]
        body = recv_exact(c, n - 4)
        if struct.unpack("!I", body[:4])[0] == 80877103:  # SSLRequest
            if context is None:
                c.sendall(b"N")
            else:
                c.sendall(b"S")
                c = context.wrap_socket(c, server_side=True)
            n = struct.unpack("!I", recv_exact(c, 4))[0]
            recv_exact(c, n - 4)  # StartupMessage
        if mode == "cleartext":
            c.sendall(msg(b"R", struct.pack("!I", 3)))
            t, body = read_message(c)
            if t == b"p":
                note("password: " + body.rstrip(b"\0").decode(errors="replace"))
        out = msg(b"R", struct.pack("!I", 0))
        for k, v in [("server_version", "15.0"), ("client_encoding", "UTF8"),
                     ("in_hot_standby", "off"), ("default_transaction_read_only", "off"),
                     ("integer_datetimes", "on"), ("standard_conforming_strings", "on")]:
            out += msg(b"S", k.encode() + b"\0" + v.encode() + b"\0")
        out += msg(b"K", struct.pack("!II", 1, 2)) + msg(b"Z", b"I")
        c.sendall(out)
        note("authenticated")
        query = b""
        while True:
            t, body = read_message(c)
            if t == b"X":
                return
            if t == b"P":  # Parse: name, then the statement
                query = body.split(b"\0")[1]
            if t not in (b"S", b"Q"):
                continue
            if mode == "badcount":
                c.sendall(badcount(t, body.rstrip(b"\0") if t == b"Q" else query))
            elif mode == "copyin":
                c.sendall(msg(b"1") + msg(b"2") + msg(b"G", b"\0" + struct.pack("!H", 0)))
            elif mode == "noresult" and t == b"S":
                c.sendall(msg(b"1") + msg(b"2") + msg(b"n") + msg(b"C", b"SELECT 0\0") +
                          msg(b"Z", b"I"))
            else:
                err = b"SERROR\0VERROR\0C42501\0Mfake server\0Dnothing here\0\0"
                c.sendall(msg(b"E", err) + msg(b"Z", b"I"))
    except (EOFError, OSError, ssl.SSLError):
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])

os.rename(portfile + ".tmp", portfile)
while True:
    conn, _ = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

#!/usr/bin/env python3
"""A TCP proxy to the test PostgreSQL server that can turn into a black hole.

usage: blackhole.py PORTFILE TARGET_PORT FREEZEFILE

Listens on 127.0.0.1 (its port written to PORTFILE) and forwards every connection to
127.0.0.1:TARGET_PORT, both ways, until FREEZEFILE exists: from then on it forwards nothing
more in either direction and keeps every socket open, as a server or network that went
silent after the connection was made (tests/pg/backend.sh)."""
import os
import selectors
import socket
import sys

portfile, target, freeze = sys.argv[1], int(sys.argv[2]), sys.argv[3]
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % listener.getsockname()[1])
os.rename(portfile + ".tmp", portfile)

sel = selectors.DefaultSelector()
sel.register(listener, selectors.EVENT_READ, None)
held = []
while True:
    for key, _ in sel.select(timeout=0.05):
        if key.data is None:
            client, _ = listener.accept()
            server = socket.create_connection(("127.0.0.1", target))
            held += [client, server]
            sel.register(client, selectors.EVENT_READ, server)
            sel.register(server, selectors.EVENT_READ, client)
            continue
        if os.path.exists(freeze):
            continue  # silent: read nothing, send nothing, close nothing
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if not data:
            sel.unregister(key.fileobj)
            continue
        key.data.sendall(data)
    if os.path.exists(freeze):
        # stop watching: the sockets stay open and unread
        for s in held:
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass

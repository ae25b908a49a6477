#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The real services behind a firewall manager: on each PORT, over IPv4 and
IPv6, every connection gets one line, "SERVICE PORT", and is closed. Runs
in the server's namespace until killed.
Usage: banner_server.py PORT..."""

import selectors
import socket
import sys

sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ, port)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        conn, _ = key.fileobj.accept()
        try:
            conn.sendall(f"SERVICE {key.data}\r\n".encode())
        except OSError:
            pass
        conn.close()

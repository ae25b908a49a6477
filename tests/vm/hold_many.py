#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Opens N connections to ADDR:PORT at once, prints 'held K' once K of them
are established, and keeps them open until killed.
Usage: hold_many.py N ADDR PORT"""

import resource
import selectors
import socket
import sys
import time

n, addr, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
sel = selectors.DefaultSelector()
socks = []
for _ in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((addr, port))
    sel.register(s, selectors.EVENT_WRITE)
    socks.append(s)

held, end = 0, time.monotonic() + 60
while held < n and time.monotonic() < end:
    for key, _ in sel.select(timeout=1):
        sel.unregister(key.fileobj)
        if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            held += 1
print(f"held {held}", flush=True)
while True:
    time.sleep(3600)

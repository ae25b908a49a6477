#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""S1 with a real client: a plain socket's connect() succeeds, its data is
never acknowledged, and the connection is still held after HOLD seconds,
also after the client closes it. Usage: s1_client.py HOLD PORT ADDR..."""

import fcntl
import socket
import struct
import subprocess
import sys
import time

from tcpprobe import Checks

hold, port, addrs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
SIOCOUTQ = 0x5411  # bytes in the send queue: unsent plus unacknowledged
check = Checks()


def tcp_state(s):
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def outq(s):
    return struct.unpack("i", fcntl.ioctl(s.fileno(), SIOCOUTQ, b"\0" * 4))[0]


ESTABLISHED = 1
socks = {}
for a in addrs:
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((a, port))
        check(True, f"connect() to {a}:{port} succeeds")
        s.send(b"x")
        socks[a] = s
    except OSError as e:
        check(False, f"connect() to {a}:{port} succeeds", e)

print(f"holding for {hold} s")
time.sleep(hold)
for a, s in socks.items():
    check(tcp_state(s) == ESTABLISHED, f"after {hold} s the connection to {a} is still established",
          tcp_state(s))
    check(outq(s) == 1, f"after {hold} s the byte sent to {a} is still not acknowledged", outq(s))
    s.close()

time.sleep(2)
ss = subprocess.run(["ss", "-Htn", "state", "fin-wait-1"], capture_output=True, text=True).stdout
for a in socks:
    check(f"{a}:{port}" in ss, f"after close() the connection to {a} waits in FIN-WAIT-1, not released", ss)
check.exit()

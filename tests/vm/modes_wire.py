#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The honeypot and reset modes on the wire, over IPv4 or IPv6 (by the
addresses). Runs in the client namespace. Usage:
modes_wire.py SRC DST HONEYPOT_PORT RESET_PORT [--flagless-dropped]
(--flagless-dropped: a firewall in front drops TCP segments without flags,
as conntrack calls them INVALID; their checks are skipped, saying so.)"""

import random
import sys

from tcpprobe import ACK, FIN, PSH, RST, SYN, Checks, Prober, show

SRC, DST, HONEYPOT, RESET = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
FLAGLESS_DROPPED = "--flagless-dropped" in sys.argv[5:]
check = Checks()


def one(replies, flags):
    return len(replies) == 1 and replies[0]["flags"] == flags


p = Prober(SRC, DST)
sport, S, A, W = random.randint(20000, 30000), random.getrandbits(31), random.getrandbits(31), 29200

# Honeypot: a slow but real-looking host with Windows' TTL.
r = p.send(sport, HONEYPOT, SYN, seq=S, window=W)
check(one(r, SYN | ACK) and r[0]["ack"] == S + 1 and r[0]["seq"] != 0,
      "honeypot: a SYN gets a SYN/ACK acknowledging seq+1", show(r))
check(bool(r) and W - 15 <= r[0]["window"] <= W,
      "honeypot: the SYN/ACK's window is near the peer's own", show(r))
check(bool(r) and r[0]["ttl"] == 128, "honeypot: TTL / hop limit 128", show(r))
r = p.send(sport, HONEYPOT, ACK, seq=S + 1, ack=A, window=W)
check(r == [], "honeypot: an ACK without data gets no reply, as from a real host "
      "(and a tarpit's or honeypot's own reply none)", show(r))
r = p.send(sport, HONEYPOT, PSH | ACK, seq=S + 1, ack=A, window=W, payload=b"x" * 50)
check(one(r, ACK) and r[0]["ack"] == S + 1 and r[0]["seq"] == A and r[0]["window"] > 0,
      "honeypot: 50 bytes are not acknowledged (ack unchanged, window open)", show(r))
r = p.send(sport, HONEYPOT, PSH | ACK, seq=S + 1, ack=A, window=W, payload=b"x" * 200)
check(one(r, ACK) and r[0]["ack"] == S + 201,
      "honeypot: 200 bytes are acknowledged", show(r))
r = p.send(sport, HONEYPOT, FIN | ACK, seq=S + 201, ack=A)
check(one(r, RST) and r[0]["seq"] == A, "honeypot: a FIN gets a RST with seq = its ack", show(r))
r = p.send(sport, HONEYPOT, SYN | ACK, seq=S, ack=A)
check(one(r, RST) and r[0]["seq"] == A, "honeypot: an unsolicited SYN/ACK gets a RST", show(r))
for name, flags in {"RST": RST, "RST|ACK": RST | ACK, "no flags": 0, "PSH": PSH}.items():
    r = p.send(sport, HONEYPOT, flags, seq=S, ack=A)
    check(r == [], f"honeypot: {name} gets no reply", show(r))

# Reset: a RST for everything but a RST; to a segment without ACK, a
# RST|ACK acknowledging all it occupies (REJECT's tcp-reset), which a
# connecting client accepts.
for name, flags, payload, occupied in [("SYN", SYN, b"", 1), ("FIN", FIN, b"", 1),
                                       ("SYN with 10 bytes", SYN, b"x" * 10, 11),
                                       ("no flags, 3 bytes", 0, b"abc", 3)]:
    if flags == 0 and FLAGLESS_DROPPED:
        print(f"SKIP: reset: {name} (the firewall in front drops segments without flags)")
        continue
    r = p.send(sport + 2, RESET, flags, seq=S, ack=A, payload=payload)
    check(one(r, RST | ACK) and r[0]["seq"] == 0 and r[0]["ack"] == (S + occupied) % 2**32
          and r[0]["window"] == 0,
          f"reset: {name} gets a RST|ACK with seq 0, ack = seq + {occupied}, window 0", show(r))
r = p.send(sport + 2, HONEYPOT, FIN, seq=S, ack=A)
check(one(r, RST | ACK) and r[0]["seq"] == 0 and r[0]["ack"] == (S + 1) % 2**32,
      "honeypot: a FIN without ACK gets a RST|ACK acknowledging it", show(r))
for name, flags in {"ACK": ACK, "PSH|ACK": PSH | ACK, "FIN|ACK": FIN | ACK,
                    "SYN|ACK": SYN | ACK}.items():
    r = p.send(sport + 1, RESET, flags, seq=S, ack=A, payload=b"x" if flags & PSH else b"")
    check(one(r, RST) and r[0]["seq"] == A and r[0]["window"] == 0,
          f"reset: {name} gets a RST (no ACK flag) with seq = its ack, window 0", show(r))
r = p.send(sport + 1, RESET, RST | ACK, seq=S, ack=A)
check(r == [], "reset: a RST gets no reply", show(r))

check.exit()

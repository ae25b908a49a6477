#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""S1 on the wire, tarpit mode: every kind of incoming segment against the
reply it must get (shared/reference-behaviour.md), over IPv4 or IPv6 (by the
addresses given). Runs in the client namespace; the tarpit at DST holds
PORT. Usage: s1_wire.py SRC DST PORT"""

import random
import socket
import sys

from tcpprobe import ACK, FIN, PSH, RST, SYN, URG, Checks, Prober, flag_names, show

SRC, DST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
check = Checks()
p = Prober(SRC, DST)
DST = p.dst
sport = random.randint(20000, 30000)
S = random.getrandbits(32)
mss = bytes([2, 4, 0x05, 0xB4])

r = p.send(sport, PORT, SYN, seq=S, options=mss)
check(len(r) == 1, "a SYN gets exactly one reply", show(r))
isn = None
if r:
    a = r[0]
    check(a["flags"] == SYN | ACK, "the reply to a SYN is a SYN/ACK", flag_names(a["flags"]))
    check(a["ack"] == (S + 1) % 2**32, "the SYN/ACK acknowledges seq+1", a["ack"])
    check(a["window"] == 5, "the SYN/ACK advertises window 5", a["window"])
    check(a["doff"] == 20 and a["options"] == b"", "the SYN/ACK carries no TCP options", a["doff"])
    check(a["seq"] != 0, "the SYN/ACK's sequence number is not the constant 0", a["seq"])
    check(a["df"] and a["ttl"] > 1, "the reply has DF (IPv4) and a normal TTL or hop limit",
          (a["df"], a["ttl"]))
    check(a["src"] == DST and a["dst"] == SRC, "the reply goes back from the tarpit to us")
    isn = a["seq"]
    again = p.send(sport, PORT, SYN, seq=S, options=mss)
    check(bool(again) and again[0]["seq"] == isn,
          "a retransmitted SYN gets the same sequence number (stateless)", show(again))
    other = p.send(sport + 1, PORT, SYN, seq=S, options=mss)
    check(bool(other) and other[0]["seq"] != isn,
          "another connection gets another sequence number", show(other))

if isn is not None:
    r = p.send(sport, PORT, ACK, seq=S + 1, ack=isn + 1)
    check(len(r) == 1 and r[0]["flags"] == ACK and r[0]["window"] == 0
          and r[0]["seq"] == isn + 1 and r[0]["ack"] == S + 1,
          "the handshake ACK gets an ACK with window 0, seq = its ack, ack = its seq", show(r))
    r = p.send(sport, PORT, PSH | ACK, seq=S + 1, ack=isn + 1, payload=b"x")
    check(len(r) == 1 and r[0]["flags"] == ACK and r[0]["window"] == 0
          and r[0]["ack"] == S + 1,
          "1 byte of data is not acknowledged: ACK window 0, ack number unchanged", show(r))
    r = p.send(sport, PORT, ACK, seq=S + 1, ack=isn + 1, payload=b"GET / HTTP/1.0\r\n\r\n")
    check(len(r) == 1 and r[0]["ack"] == S + 1 and r[0]["window"] == 0,
          "more data is not acknowledged either", show(r))
    # No reply is answered: an ACK without data is a client's only when it
    # opens a window and acknowledges our SYN/ACK.
    r = p.send(sport, PORT, ACK, seq=S, ack=isn + 1)
    check(len(r) == 1 and r[0]["flags"] == ACK and r[0]["window"] == 0 and r[0]["ack"] == S,
          "a window probe (no data, seq one before the next byte) gets an ACK with window 0",
          show(r))
    r = p.send(sport, PORT, ACK, seq=S + 1, ack=isn + 1, window=0)
    check(r == [], "an ACK without data and with window 0 (a tarpit's own reply) gets no reply",
          show(r))
    r = p.send(sport, PORT, ACK, seq=S + 1, ack=(isn + 2) % 2**32)
    check(r == [], "an ACK without data that acknowledges anything but our SYN/ACK gets no reply",
          show(r))

silent = {
    "FIN|ACK": FIN | ACK, "FIN": FIN, "RST": RST, "RST|ACK": RST | ACK,
    "SYN|FIN": SYN | FIN, "SYN|RST": SYN | RST, "no flags": 0, "PSH": PSH,
    "URG": URG, "FIN|PSH|URG (xmas)": FIN | PSH | URG,
}
for name, flags in silent.items():
    r = p.send(sport, PORT, flags, seq=S + 1, ack=(isn or 0) + 1)
    check(r == [], f"{name} gets no reply", show(r))

X, Y = random.getrandbits(32), random.getrandbits(32)
r = p.send(sport + 2, PORT, SYN | ACK, seq=X, ack=Y)
check(len(r) == 1 and r[0]["flags"] == RST and r[0]["seq"] == Y and r[0]["window"] == 0,
      "an unsolicited SYN/ACK gets a RST with seq = its ack", show(r))

r = p.send(sport + 3, PORT, SYN, seq=S, bad_checksum=True)
check(r == [], "a SYN with a bad TCP checksum gets no reply", show(r))
if p.v6:
    # A hop-by-hop header with padding only, then TCP.
    hbh = bytes([socket.IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0])
    r = p.send(sport + 4, PORT, SYN, seq=S, ext_headers=hbh, ext_first=0)
    check(r == [], "a SYN behind an extension header gets no reply", show(r))
else:
    r = p.send(sport + 4, PORT, SYN, seq=S, ip_options=bytes([1, 1, 1, 0]))
    check(r == [], "a SYN with IP options gets no reply", show(r))
r = p.send(sport + 5, PORT, SYN, seq=S, doff=15)
check(r == [], "a SYN whose data offset points past its end gets no reply", show(r))

check.exit()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A real client held by a tarpit, seen on the wire: connect() to DST:PORT
(IPv4, IPv6, or fe80::...%DEV) succeeds, the SYN/ACK advertises window 5,
the handshake's ACK gets a zero-window ACK, and the connection is still
established HOLD seconds later; every reply is read on DEV as a whole
frame, one per segment the client sent, and with --peer-mac each must
come from that MAC address to ours.
Runs in the client's namespace.
Usage: held_client.py DEV DST PORT [--hold S] [--peer-mac MAC]"""

import argparse
import select
import socket
import time

from tcpprobe import ACK, SYN, Checks, flag_names, parse

ap = argparse.ArgumentParser()
ap.add_argument("dev")
ap.add_argument("dst")
ap.add_argument("port", type=int)
ap.add_argument("--hold", type=float, default=3)
ap.add_argument("--peer-mac")
args = ap.parse_args()
check = Checks()

rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
rx.bind((args.dev, 0))
own_mac = open(f"/sys/class/net/{args.dev}/address").read().strip()
family, _, _, _, addr = socket.getaddrinfo(args.dst, args.port, type=socket.SOCK_STREAM)[0]
dst = addr[0].split("%")[0]

s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(5)
start = time.monotonic()
try:
    s.connect(addr)
    outcome = "connected"
except OSError as e:
    outcome = type(e).__name__
check(outcome == "connected", f"connect() to {args.dst} port {args.port} succeeds",
      f"{outcome} after {time.monotonic() - start:.1f} s")
time.sleep(args.hold)
# struct tcp_info starts with the state (1: ESTABLISHED).
state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] if outcome == "connected" else None
check(state == 1, f"the connection is still established after {args.hold:g} s", state)

replies, sent = [], 0
while select.select([rx], [], [], 0)[0]:
    frame, where = rx.recvfrom(65535)
    p = parse(frame[14:])
    if where[2] == socket.PACKET_OUTGOING:
        sent += bool(p and p["dst"] == dst and p["dport"] == args.port)
        continue
    if p and p["src"] == dst and p["sport"] == args.port:
        dst_mac, src_mac = (":".join(f"{b:02x}" for b in frame[i:i + 6]) for i in (0, 6))
        replies.append(dict(p, src_mac=src_mac, dst_mac=dst_mac))
shown = [f"{flag_names(r['flags'])} win={r['window']} from {r['src_mac']} to {r['dst_mac']}"
         for r in replies]
print(f"replies: {shown}")
synack = [r for r in replies if r["flags"] == SYN | ACK]
check(len(synack) == 1 and synack[0]["window"] == 5, "one SYN/ACK, window 5", shown)
check(any(r["flags"] == ACK and r["window"] == 0 for r in replies),
      "the handshake's ACK gets a zero-window ACK", shown)
# The SYN, the handshake's ACK and any window probes: one reply each, never
# two (a reply sent twice would show here); the last probe's may still be
# on its way.
check(sent - 1 <= len(replies) <= sent, f"each of the {sent} segments sent gets one reply, none two",
      f"{len(replies)} replies")
if args.peer_mac:
    peer = args.peer_mac.lower()
    check(bool(replies) and all(r["src_mac"] == peer and r["dst_mac"] == own_mac for r in replies),
          f"every reply comes from the tarpitted peer's MAC {peer} to ours {own_mac}", shown)
s.close()
check.exit()

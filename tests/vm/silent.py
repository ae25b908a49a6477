#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sends DST a UDP datagram to a closed port and an echo request (ICMP or
ICMPv6), and listens 1.5 s for DST's ICMP answers (port unreachable, echo
reply). Exit 0: none came; 1: some did (printed). Runs in the sender's
namespace.
Usage: silent.py DST"""

import socket
import sys
import time

dst = sys.argv[1]
v4 = ":" not in dst
af = socket.AF_INET if v4 else socket.AF_INET6
icmp = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_ICMP if v4 else socket.IPPROTO_ICMPV6)
socket.socket(af, socket.SOCK_DGRAM).sendto(b"x", (dst, 9))
# Echo request, id 1, seq 0 (the kernel sums ICMPv6 itself).
icmp.sendto(bytes([8, 0, 0xf7, 0xfe, 0, 1, 0, 0] if v4 else [128, 0, 0, 0, 0, 1, 0, 0]), (dst, 0))
answers, end = [], time.monotonic() + 1.5
while (left := end - time.monotonic()) > 0:
    icmp.settimeout(left)
    try:
        data, src = icmp.recvfrom(2048)
    except socket.timeout:
        break
    # IPv4 raw sockets see the IP header, IPv6 ones do not.
    # Only answers count: echo replies and unreachables (not, say, a
    # neighbour solicitation of IPv6's reachability probes).
    kind = data[(data[0] & 15) * 4] if v4 else data[0]
    answer = {0: "echo reply", 3: "unreachable"} if v4 else {129: "echo reply", 1: "unreachable"}
    if src[0] == dst and kind in answer:
        answers.append(answer[kind])
print(f"answers from {dst}: {answers or 'none'}")
sys.exit(1 if answers else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sends hand-made TCP segments as whole Ethernet frames out of a device,
with any source address (the sender's own routing and rules never see them).

    spoof.py DEV DST-MAC SRC DST KIND[,KIND...] PORT...

From SRC:PORT to DST:PORT, for each PORT, one segment of each KIND: ack (no
data), syn-ack, data (ACK with 20 bytes), fin (FIN|ACK), syn. Sequence and
acknowledgment numbers are random; the window is open.
"""

import random
import socket
import sys

from tcpprobe import ACK, FIN, PSH, SYN, segment, segment6

KINDS = {
    "ack": (ACK, b""),
    "syn-ack": (SYN | ACK, b""),
    "data": (PSH | ACK, b"x" * 20),
    "fin": (FIN | ACK, b""),
    "syn": (SYN, b""),
}


def main():
    dev, dst_mac, src, dst, kinds, *ports = sys.argv[1:]
    v6 = ":" in dst
    with open(f"/sys/class/net/{dev}/address") as f:
        src_mac = f.read().strip()
    eth = (bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
           + (b"\x86\xdd" if v6 else b"\x08\x00"))
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((dev, 0))
    build = segment6 if v6 else segment
    for port in map(int, ports):
        for kind in kinds.split(","):
            flags, payload = KINDS[kind]
            packet = build(src, dst, port, port, flags, seq=random.getrandbits(32),
                           ack=random.getrandbits(32), payload=payload)
            tx.send(eth + packet)


if __name__ == "__main__":
    main()

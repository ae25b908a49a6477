#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Prints the IPv4 TCP packets of a pcap file (Ethernet or Linux cooked) one
per line: 'SRC:PORT > DST:PORT FLAGS seq=N ack=N win=N len=N'. As a module,
packets(PATH) yields (time, fields) for each."""

import struct
import sys

from tcpprobe import flag_names, parse


def packets(path):
    with open(path, "rb") as f:
        magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", f.read(24))
        if magic != 0xA1B2C3D4:
            sys.exit(f"{path}: not a little-endian microsecond pcap")
        skip = {1: 14, 113: 16}.get(link)
        if skip is None:
            sys.exit(f"{path}: link type {link} not handled")
        while hdr := f.read(16):
            sec, usec, incl, _ = struct.unpack("<IIII", hdr)
            frame = f.read(incl)
            ethertype = struct.unpack("!H", frame[skip - 2:skip])[0]
            if ethertype == 0x0800 and (p := parse(frame[skip:])):
                yield sec + usec / 1e6, p


if __name__ == "__main__":
    for _, p in packets(sys.argv[1]):
        print(f"{p['src']}:{p['sport']} > {p['dst']}:{p['dport']} {flag_names(p['flags'])} "
              f"seq={p['seq']} ack={p['ack']} win={p['window']} len={p['payload_len']}")

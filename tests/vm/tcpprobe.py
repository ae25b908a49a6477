#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made IPv4/TCP segments and the replies they get, for the VM tests.

Segments go out through a raw IPPROTO_RAW socket (we write the IP header),
replies are read from a raw IPPROTO_TCP socket, which sees a copy of every
TCP packet arriving in the namespace.
"""

import select
import socket
import struct
import time

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
NAMES = {FIN: "F", SYN: "S", RST: "R", PSH: "P", ACK: ".", URG: "U"}


def flag_names(flags):
    return "".join(n for f, n in NAMES.items() if flags & f) or "none"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, flags, seq=0, ack=0, window=29200,
            payload=b"", options=b"", ttl=64, ip_options=b"", bad_checksum=False,
            doff=None):
    """An IPv4 packet holding one TCP segment; `doff` overrides the data
    offset (in 32-bit words) the options imply."""
    if doff is None:
        doff = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      window, 0, 0) + options + payload
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    csum = checksum(pseudo + tcp) ^ (0x5555 if bad_checksum else 0)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    ihl = 5 + len(ip_options) // 4
    total = ihl * 4 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, 0x4000,
                     ttl, socket.IPPROTO_TCP, 0, s, d) + ip_options
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def parse(packet):
    """The fields of an IPv4/TCP packet, or None."""
    if len(packet) < 40 or packet[0] >> 4 != 4 or packet[9] != socket.IPPROTO_TCP:
        return None
    ihl = (packet[0] & 15) * 4
    tcp = packet[ihl:]
    sport, dport, seq, ack, off, flags, window, csum, urg = struct.unpack(
        "!HHIIBBHHH", tcp[:20])
    doff = (off >> 4) * 4
    return {
        "src": socket.inet_ntoa(packet[12:16]), "dst": socket.inet_ntoa(packet[16:20]),
        "ttl": packet[8], "df": bool(packet[6] & 0x40), "ip_id": struct.unpack("!H", packet[4:6])[0],
        "sport": sport, "dport": dport, "seq": seq, "ack": ack, "flags": flags,
        "window": window, "doff": doff, "options": tcp[20:doff],
        "payload_len": len(packet) - ihl - doff, "urg": urg,
    }


class Prober:
    """Sends segments from `src` to `dst` and collects the replies."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)

    def send(self, sport, dport, flags, wait=0.5, **fields):
        """Sends one segment; returns the replies to it within `wait` s."""
        self.drain()
        pkt = segment(self.src, self.dst, sport, dport, flags, **fields)
        self.tx.sendto(pkt, (self.dst, 0))
        return self.collect(sport, dport, wait)

    def drain(self):
        while select.select([self.rx], [], [], 0)[0]:
            self.rx.recv(65535)

    def collect(self, sport, dport, wait):
        replies, end = [], time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            if not select.select([self.rx], [], [], left)[0]:
                break
            p = parse(self.rx.recv(65535))
            if p and p["src"] == self.dst and p["sport"] == dport and p["dport"] == sport:
                replies.append(p)
        return replies

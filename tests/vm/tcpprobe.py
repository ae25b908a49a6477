#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made IPv4/TCP and IPv6/TCP segments and the replies they get, for
the VM tests.

Segments go out through a raw IPPROTO_RAW socket (we write the IP header);
replies are read from an AF_PACKET socket on the interface, which sees whole
frames of both families.
"""

import os
import select
import socket
import struct
import sys
import time

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
NAMES = {FIN: "F", SYN: "S", RST: "R", PSH: "P", ACK: ".", URG: "U"}


def flag_names(flags):
    return "".join(n for f, n in NAMES.items() if flags & f) or "none"


class Checks:
    """Prints 'ok: WHAT' or 'FAIL: WHAT; got ...' per check, and exits with
    the verdict."""

    def __init__(self):
        self.failures = 0

    def __call__(self, ok, what, got=None):
        if ok:
            print(f"ok: {what}")
        else:
            self.failures += 1
            print(f"FAIL: {what}" + (f"; got {got}" if got is not None else ""))

    def exit(self):
        print(f"{self.failures} failure(s)")
        sys.exit(1 if self.failures else 0)


def show(replies):
    """Replies, one short string each, for failure messages."""
    return [f"{flag_names(r['flags'])} seq={r['seq']} ack={r['ack']} win={r['window']} ttl={r['ttl']}"
            for r in replies]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, flags, seq=0, ack=0, window=29200,
            payload=b"", options=b"", ttl=64, ip_options=b"", bad_checksum=False,
            doff=None, frag=0x4000, length=None):
    """An IPv4 packet holding one TCP segment; `doff` overrides the data
    offset (in 32-bit words) the options imply, `frag` the flags and
    fragment offset word (DF), `length` cuts the packet (and its IP
    length) to that many bytes."""
    if doff is None:
        doff = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      window, 0, 0) + options + payload
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    csum = checksum(pseudo + tcp) ^ (0x5555 if bad_checksum else 0)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    ihl = 5 + len(ip_options) // 4
    if length is not None:
        tcp = tcp[:length - ihl * 4]
    total = ihl * 4 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, frag,
                     ttl, socket.IPPROTO_TCP, 0, s, d) + ip_options
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def segment6(src, dst, sport, dport, flags, seq=0, ack=0, window=29200,
             payload=b"", options=b"", hop_limit=64, ext_headers=b"", ext_first=0,
             bad_checksum=False, doff=None, length=None):
    """An IPv6 packet holding one TCP segment; `ext_headers` are inserted
    raw before it, `ext_first` being the first one's type; `length` cuts
    the packet (and its payload length) to that many bytes."""
    if doff is None:
        doff = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      window, 0, 0) + options + payload
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    pseudo = s + d + struct.pack("!IxxxB", len(tcp), socket.IPPROTO_TCP)
    csum = checksum(pseudo + tcp) ^ (0x5555 if bad_checksum else 0)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    nxt = ext_first if ext_headers else socket.IPPROTO_TCP
    if length is not None:
        tcp = tcp[:length - 40 - len(ext_headers)]
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(ext_headers) + len(tcp), nxt,
                     hop_limit, s, d)
    return ip + ext_headers + tcp


def parse(packet):
    """The fields of an IPv4/TCP or IPv6/TCP packet (no IPv6 extension
    headers), or None."""
    if len(packet) >= 40 and packet[0] >> 4 == 4 and packet[9] == socket.IPPROTO_TCP:
        ihl = (packet[0] & 15) * 4
        ip = {"src": socket.inet_ntoa(packet[12:16]), "dst": socket.inet_ntoa(packet[16:20]),
              "ttl": packet[8], "df": bool(packet[6] & 0x40)}
    elif len(packet) >= 60 and packet[0] >> 4 == 6 and packet[6] == socket.IPPROTO_TCP:
        ihl = 40
        ip = {"src": socket.inet_ntop(socket.AF_INET6, packet[8:24]),
              "dst": socket.inet_ntop(socket.AF_INET6, packet[24:40]),
              "ttl": packet[7], "df": True}
    else:
        return None
    tcp = packet[ihl:]
    sport, dport, seq, ack, off, flags, window, csum, urg = struct.unpack(
        "!HHIIBBHHH", tcp[:20])
    doff = (off >> 4) * 4
    return dict(ip, sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                window=window, doff=doff, options=tcp[20:doff],
                payload_len=len(packet) - ihl - doff, urg=urg)


class Prober:
    """Sends segments from `src` to `dst` (both IPv4 or both IPv6) out of
    interface `dev`, and collects the replies.

    To know that no (further) reply is coming without guessing a delay, each
    probe is followed by a barrier: a SYN to `barrier_port`, where nothing
    listens and no rule matches, which the peer's TCP stack answers with a
    RST. Both segments take the same path on one CPU, in order, and a tarpit
    answers inside the receive path, so every reply to the probe precedes
    the barrier's RST. Without a barrier (`barrier_port=None`, e.g. for a
    broadcast destination nobody answers), `send` waits `wait` seconds."""

    def __init__(self, src, dst, dev="veth0", barrier_port=9):
        self.src, self.dst = src, dst
        self.v6 = ":" in dst
        if self.v6:
            self.dst = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, dst))
        self.barrier_port = barrier_port
        # One CPU: the probe and its barrier then share one receive backlog.
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        family = socket.AF_INET6 if self.v6 else socket.AF_INET
        self.tx = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.rx.bind((dev, 0))

    def send(self, sport, dport, flags, wait=0.5, **fields):
        """Sends one segment; returns the replies to it (those that precede
        the barrier's reply, or that come within `wait` s)."""
        self.drain()
        build = segment6 if self.v6 else segment
        self.tx.sendto(build(self.src, self.dst, sport, dport, flags, **fields), (self.dst, 0))
        if self.barrier_port is None:
            return self.collect(sport, dport, wait)
        barrier_sport = sport ^ 0x8000
        self.tx.sendto(build(self.src, self.dst, barrier_sport, self.barrier_port, SYN,
                             seq=1), (self.dst, 0))
        replies = self.collect(sport, dport, 10, until=(barrier_sport, self.barrier_port))
        if replies is None:
            raise RuntimeError(f"the barrier SYN to port {self.barrier_port} got no RST "
                               "within 10 s: cannot tell whether replies are missing")
        return replies

    def drain(self):
        while select.select([self.rx], [], [], 0)[0]:
            self.rx.recv(65535)

    def collect(self, sport, dport, wait, until=None):
        """The replies to sport -> dport within `wait` s; with `until`, a
        (sport, dport) pair: those before that pair's reply, or None if it
        did not come."""
        replies, end = [], time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            if not select.select([self.rx], [], [], left)[0]:
                break
            frame, addr = self.rx.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            p = parse(frame[14:])
            if not p or p["src"] != self.dst:
                continue
            if until and (p["dport"], p["sport"]) == until:
                return replies
            if p["sport"] == dport and p["dport"] == sport:
                replies.append(p)
        return None if until else replies

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Appends `-A INPUT -p tcp -j TARPIT` with a raw mode byte, through libiptc
(as iptables-legacy does), bypassing the userspace extension's checks: how
the kernel module's own check of a rule is tested. Prints 'accepted' or
'refused: <error>' (of the last try, with TRIES tries). Usage: raw_rule.py
VARIANT [TRIES]"""

import ctypes
import struct
import sys

variant = int(sys.argv[1])
tries = int(sys.argv[2]) if len(sys.argv) > 2 else 1
iptc = ctypes.CDLL("libip4tc.so.2", use_errno=True)
iptc.iptc_init.restype = ctypes.c_void_p
iptc.iptc_init.argtypes = [ctypes.c_char_p]
iptc.iptc_append_entry.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
iptc.iptc_commit.argtypes = [ctypes.c_void_p]
iptc.iptc_strerror.restype = ctypes.c_char_p
iptc.iptc_strerror.argtypes = [ctypes.c_int]
iptc.iptc_free.argtypes = [ctypes.c_void_p]

# struct ipt_entry (112 bytes): struct ipt_ip (addresses, masks, interfaces:
# 80 bytes of zeros, then proto, flags, invflags), nfcache, target_offset,
# next_offset, comefrom, counters. Then struct xt_entry_target (32 bytes:
# size, name, revision) and XT_ALIGN(sizeof(struct xt_tarpit_tginfo)) = 8.
entry = bytes(80) + struct.pack("<HBB", 6, 0, 0) + struct.pack("<IHHI", 0, 112, 152, 0) + bytes(16)
target = struct.pack("<H", 40) + b"TARPIT".ljust(29, b"\0") + bytes([0]) + bytes([variant]) + bytes(7)
assert len(entry) == 112 and len(target) == 40

outcome = "not tried"
for _ in range(tries):
    handle = iptc.iptc_init(b"filter")
    if not handle:
        sys.exit(f"iptc_init: {iptc.iptc_strerror(ctypes.get_errno()).decode()}")
    if not iptc.iptc_append_entry(b"INPUT", entry + target, handle):
        sys.exit(f"iptc_append_entry: {iptc.iptc_strerror(ctypes.get_errno()).decode()}")
    if iptc.iptc_commit(handle):
        outcome = "accepted"
    else:
        outcome = f"refused: {iptc.iptc_strerror(ctypes.get_errno()).decode()}"
    iptc.iptc_free(ctypes.c_void_p(handle))
print(outcome)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""S1's hold, judged per connection from a capture: in the last half of the
hold, the client kept sending (retransmissions, window probes) and the
tarpit answered every one of those segments with a zero-window ACK. A
client is ESTABLISHED after a sleep whether or not the tarpit still
answers; only this shows that it is still being held.

Usage: s1_late_answers.py PCAP HOLD PORT"""

import sys

from tcpprobe import ACK, FIN, RST, SYN, Checks
from tcptrace import packets

path, hold, port = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
ANSWER_WITHIN = 2.0  # seconds; the tarpit answers in the receive path
check = Checks()

conns = {}  # (client, client port, tarpit) -> {"syn": time, "sent": [...], "answers": [...]}
for t, p in packets(path):
    if p["dport"] == port:
        c = conns.setdefault((p["src"], p["sport"], p["dst"]), {"syn": None, "sent": [], "answers": []})
        if p["flags"] & SYN:
            c["syn"] = c["syn"] or t
        elif not p["flags"] & (FIN | RST):
            c["sent"].append(t)
    elif p["sport"] == port:
        c = conns.get((p["dst"], p["dport"], p["src"]))
        if c is not None and p["flags"] & ACK and not p["flags"] & SYN and p["window"] == 0:
            c["answers"].append(t)

check(bool(conns), "the capture holds the client's connections")
for (client, cport, tarpit), c in sorted(conns.items()):
    name = f"{client}:{cport} > {tarpit}:{port}"
    if c["syn"] is None:
        check(False, f"{name}: its SYN is in the capture")
        continue
    start, end = c["syn"] + hold / 2, c["syn"] + hold
    late = [t for t in c["sent"] if start <= t <= end]
    what = f"in the last half of the hold ({hold / 2:.0f}-{hold:.0f} s) the client sent {len(late)} segment(s), each"
    if not late:
        # Linux's probe interval doubles up to 120 s: a 30 s stretch can
        # hold none (measured once: a probe before 30 s, the next after
        # 60 s). Then the client's last segment of the hold is judged.
        late = [t for t in c["sent"] if t <= end][-1:]
        what = (f"the client sent nothing in the last half of the hold; its last segment "
                f"of it, at {late[0] - c['syn']:.1f} s," if late else "the client sent nothing")
    unanswered = [round(t - c["syn"], 1) for t in late
                  if not any(t <= a <= t + ANSWER_WITHIN for a in c["answers"])]
    check(late and not unanswered, f"{name}: {what} answered with a zero-window ACK",
          f"unanswered at {unanswered} s" if late else "no segment after the handshake")
check.exit()

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Per-namespace statistics in /proc/net/xt_TARPIT: known traffic moves each
# counter by exactly what it should; another namespace (read by an
# unprivileged user) sees none of it; a namespace made anew starts at zero.
. "$(dirname "$0")/lib.sh"
OTHER=tp-other

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
ip netns add "$OTHER"
trap 'cleanup_hosts; ip netns del "$OTHER" 2>/dev/null' EXIT

stats() { ip netns exec "$1" cat /proc/net/xt_TARPIT; }
stat_of() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }

before=$(stats "$SRV") || fail "/proc/net/xt_TARPIT exists in a namespace"
[ -z "$(awk '$2 != 0' <<<"$before")" ] && pass "a new namespace starts with all counters at 0" ||
	fail "a new namespace starts with all counters at 0; got: $before"

in_srv iptables-legacy -A INPUT -p tcp --dport 135 -j TARPIT
in_srv iptables-legacy -A INPUT -p tcp --dport 136 -j TARPIT --honeypot
in_srv ip6tables-legacy -A INPUT -p tcp --dport 135 -j TARPIT
# The hand-made client has no sockets: its kernel would answer each SYN/ACK
# with a RST, which the tarpit would count too.
in_cli iptables-legacy -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
in_cli ip6tables-legacy -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
in_cli python3 - "$CLI4" "$SRV4" <<'PY'
import socket, sys
sys.path.insert(0, "tests/vm")
from tcpprobe import ACK, FIN, PSH, SYN, Prober
p = Prober(sys.argv[1], sys.argv[2])
for port in (1001, 1002, 1003):
    p.send(port, 135, SYN, seq=1)                             # 3 SYN/ACKs
p.send(1001, 135, ACK, seq=2, ack=5)                          # zero-window ACK
p.send(1001, 135, PSH | ACK, seq=2, ack=5, payload=b"x")      # zero-window ACK
p.send(1001, 135, FIN | ACK, seq=3, ack=5)                    # silent by mode
p.send(1004, 135, SYN, seq=1, bad_checksum=True)              # bad checksum
p.send(1005, 135, SYN, seq=1, ip_options=bytes([1, 1, 1, 0])) # IP options
p.send(1006, 135, SYN | ACK, seq=1, ack=9)                    # RST
p.send(1007, 136, ACK, seq=1, ack=9, window=1000)             # honeypot ACK
b = Prober(sys.argv[1], "10.0.0.255", barrier_port=None)      # link-layer broadcast
b.tx.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
b.send(1008, 135, SYN, seq=1, wait=0.3)
v6 = Prober("fd00::1", "fd00::2")
v6.send(1009, 135, SYN, seq=1)                                # a 4th SYN/ACK, IPv6
PY
after=$(stats "$SRV")
echo "$after" | sed 's/^/    /'
for want in packets=12 syn_ack_sent=4 zero_window_ack_sent=2 ack_sent=1 rst_sent=1 \
	no_reply_by_mode=1 no_reply_bad_checksum=1 no_reply_ip_options=1 no_reply_not_host=1 \
	no_reply_truncated=0 no_reply_route_failed=0; do
	k=${want%=*} n=${want#*=}
	[ "$(stat_of "$after" "$k")" = "$n" ] && pass "$k is $n" ||
		fail "$k is $n after the known traffic; got $(stat_of "$after" "$k")"
done

other=$(ip netns exec "$OTHER" setpriv --reuid=65534 --regid=65534 --clear-groups cat /proc/net/xt_TARPIT 2>&1)
[ -n "$other" ] && [ -z "$(awk '$2 != 0' <<<"$other")" ] &&
	pass "an unprivileged user in another namespace reads only that namespace's zeros" ||
	fail "another namespace shows nothing of the first's traffic; an unprivileged user read: $other"

cleanup_hosts
load_module
setup_hosts
again=$(stats "$SRV")
[ -z "$(awk '$2 != 0' <<<"$again")" ] && pass "a namespace made anew starts at 0 again" ||
	fail "the counters go with their namespace; a new one shows: $again"
finish

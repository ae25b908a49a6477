#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Per-namespace statistics in /proc/net/xt_TARPIT: known traffic moves each
# counter by exactly what it should; another namespace (read by an
# unprivileged user) sees none of it; a namespace made anew starts at zero.
# Every counter is driven where a segment can reach the target with it:
# malformed and truncated headers through a rule without the tcp match
# (which would drop them itself), fragments in FORWARD without conntrack
# (INPUT only sees reassembled packets), a prohibited reply route, an IPv6
# source that is the tarpit's own address, other protocols through a rule
# without -p (a ban list), what the host sends through a rule in OUTPUT.
. "$(dirname "$0")/lib.sh"
OTHER=tp-other

COUNTERS="packets syn_ack_sent zero_window_ack_sent ack_sent rst_sent no_reply_by_mode
no_reply_not_host no_reply_not_unicast no_reply_truncated no_reply_malformed
no_reply_ip_options no_reply_fragment no_reply_not_tcp no_reply_bad_data_offset
no_reply_bad_checksum no_reply_route_failed no_reply_own_address no_reply_output rules"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
ip netns add "$OTHER"
trap 'cleanup_hosts; ip netns del "$OTHER" 2>/dev/null' EXIT

stats() { ip netns exec "$1" cat /proc/net/xt_TARPIT; }
stat_of() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }
# all_zero TEXT: TEXT lists every counter, each once, each at 0.
all_zero() {
	local c
	for c in $COUNTERS; do
		[ "$(awk -v k="$c" '$1 == k { n++; v = $2 } END { print n == 1 ? v : "missing" }' <<<"$1")" = 0 ] ||
			return 1
	done
	[ "$(wc -l <<<"$1")" = "$(wc -w <<<"$COUNTERS")" ]
}

before=$(stats "$SRV") || fail "/proc/net/xt_TARPIT exists in a namespace"
all_zero "$before" && pass "a new namespace lists every counter at 0" ||
	fail "a new namespace lists every counter at 0; got: $before"

# Local addresses .4 and ::4 take every TCP segment, without the tcp match.
ip -n "$SRV" addr add 10.0.0.4/24 dev veth0
ip -n "$SRV" addr add fd00::4/64 dev veth0 nodad
in_srv sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth0.rp_filter=0 net.ipv4.ip_forward=1
# Replies to .99 and ::99 cannot be routed.
in_srv ip route add prohibit 10.0.0.99/32
in_srv ip -6 route add prohibit fd00::99/128
# FORWARD: 10.5.0.0/24 lies behind the tarpit host (a dummy device).
in_srv ip link add fwd0 type dummy && in_srv ip link set fwd0 up
in_srv ip route add 10.5.0.0/24 dev fwd0
in_cli ip route add 10.5.0.0/24 via "$SRV4"

# First: a rule with the tcp match drops what it cannot read (hotdrop).
in_srv iptables-legacy -A INPUT -d 10.0.0.4 -p tcp -j TARPIT
in_srv iptables-legacy -A INPUT -p tcp --dport 135 -j TARPIT
in_srv iptables-legacy -A INPUT -p tcp --dport 136 -j TARPIT --honeypot
in_srv iptables-legacy -A FORWARD -p tcp -j TARPIT
in_srv ip6tables-legacy -A INPUT -d fd00::4 -p tcp -j TARPIT
in_srv ip6tables-legacy -A INPUT -p tcp --dport 135 -j TARPIT
# A ban list's rule, without -p: .5 and ::5 tarpit TCP, drop the rest.
ip -n "$SRV" addr add 10.0.0.5/24 dev veth0
ip -n "$SRV" addr add fd00::5/64 dev veth0 nodad
in_srv iptables-legacy -A INPUT -d 10.0.0.5 -j TARPIT
in_srv ip6tables-legacy -A INPUT -d fd00::5 -j TARPIT
# A fixed neighbour for ::5: the counts below stay exact whatever the
# reachability probes do (passed on by the rule, not counted, anyway).
ip -n "$CLI" neigh replace fd00::5 dev veth0 nud permanent \
	lladdr "$(ip -n "$SRV" -br link show veth0 | awk '{ print $3 }')"
# OUTPUT: the replies from port 135 pass a TARPIT rule there (the rule
# lets the tarpit's own replies go); what the host sends to .77 and ::77
# does not.
in_srv iptables-legacy -A OUTPUT -p tcp --sport 135 -j TARPIT
in_srv iptables-legacy -A OUTPUT -d 10.0.0.77 -j TARPIT
in_srv ip6tables-legacy -A OUTPUT -d fd00::77 -j TARPIT
# The hand-made client has no sockets: its kernel would answer each SYN/ACK
# with a RST, which the tarpit would count too. (The tcp match would drop
# the client's own truncated headers: those to .4 and ::4 pass first.)
in_cli iptables-legacy -A OUTPUT -d 10.0.0.4 -j ACCEPT
in_cli ip6tables-legacy -A OUTPUT -d fd00::4 -j ACCEPT
in_cli iptables-legacy -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
in_cli ip6tables-legacy -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
in_cli python3 - "$CLI4" "$SRV4" <<'PY'
import socket, sys
sys.path.insert(0, "tests/vm")
from tcpprobe import ACK, FIN, PSH, SYN, Prober
p = Prober(sys.argv[1], sys.argv[2])
isn = {port: p.send(port, 135, SYN, seq=1)[0]["seq"]         # 3 SYN/ACKs
       for port in (1001, 1002, 1003)}
ours = (isn[1001] + 1) % 2**32
p.send(1001, 135, ACK, seq=2, ack=ours)                       # zero-window ACK
p.send(1001, 135, PSH | ACK, seq=2, ack=5, payload=b"x")      # zero-window ACK
p.send(1001, 135, ACK, seq=2, ack=5)                          # silent: not our client's
p.send(1001, 135, FIN | ACK, seq=3, ack=5)                    # silent by mode
p.send(1004, 135, SYN, seq=1, bad_checksum=True)              # bad checksum
p.send(1005, 135, SYN, seq=1, ip_options=bytes([1, 1, 1, 0])) # IP options
p.send(1006, 135, SYN | ACK, seq=1, ack=9)                    # RST
p.send(1007, 136, ACK, seq=1, ack=9, window=1000, payload=b"x")  # honeypot ACK
b = Prober(sys.argv[1], "10.0.0.255", barrier_port=None)      # link-layer broadcast
b.tx.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
b.send(1008, 135, SYN, seq=1, wait=0.3)                       # not host
v6 = Prober("fd00::1", "fd00::2")
v6.send(1009, 135, SYN, seq=1)                                # a 4th SYN/ACK, IPv6
v6.send(1010, 135, SYN, seq=1, ext_first=0,                   # IP options: hop-by-hop
        ext_headers=bytes([6, 0, 1, 4, 0, 0, 0, 0]))

# No barrier where the barrier itself would be tarpitted or unanswerable:
# the last barrier below, on the same path and CPU, orders them all.
def quiet(src, dst):
    return Prober(src, dst, barrier_port=None)
q4, q6 = quiet(sys.argv[1], "10.0.0.4"), quiet("fd00::1", "fd00::4")
q4.send(1011, 80, SYN, seq=1, length=30, wait=0)              # truncated TCP header
q6.send(1012, 80, SYN, seq=1, length=50, wait=0)              # truncated TCP header
q4.send(1013, 80, SYN, seq=1, doff=4, wait=0)                 # data offset 16 bytes
q6.send(1014, 80, SYN, seq=1, doff=15, wait=0)                # data offset past the end
f = quiet(sys.argv[1], "10.5.0.1")                            # FORWARD, not reassembled
f.send(1015, 80, SYN, seq=1, frag=0x2000, payload=b"x" * 16, wait=0)  # first fragment
f.send(1016, 80, SYN, seq=1, frag=0x2003, wait=0)             # a later fragment
quiet("10.0.0.99", sys.argv[2]).send(1017, 135, SYN, seq=1, wait=0)   # reply route prohibited
quiet("fd00::99", "fd00::2").send(1018, 135, SYN, seq=1, wait=0)      # reply route prohibited
quiet("10.0.0.255", sys.argv[2]).send(1019, 135, SYN, seq=1, wait=0)  # reply to a broadcast address
quiet("fd00::2", "fd00::2").send(1021, 135, SYN, seq=1, wait=0)      # from the tarpit's own address
# Other protocols through the rules without -p: UDP and ICMP echo, and
# UDP behind an IPv6 hop-by-hop header (found past it).
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u4.sendto(b"x", ("10.0.0.5", 53))                             # not TCP
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.sendto(bytes([8, 0, 0xf7, 0xfe, 0, 1, 0, 0]), ("10.0.0.5", 0))  # not TCP
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.setsockopt(socket.IPPROTO_IPV6, 54, bytes([0, 0, 1, 4, 0, 0, 0, 0]))  # IPV6_HOPOPTS
u6.sendto(b"x", ("fd00::5", 53))                              # not TCP
icmp6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
icmp6.sendto(bytes([128, 0, 0, 0, 0, 1, 0, 1]), ("fd00::5", 0))  # not TCP
p.send(1020, 9, SYN, seq=1)                                   # barrier: no rule, the stack's RST
PY
# What the tarpit host itself sends to .77 and ::77: dropped in OUTPUT.
# (A drop in OUTPUT fails the sender's call with EPERM.)
in_srv python3 - <<'PY'
import socket
for family, dst in ((socket.AF_INET, "10.0.0.77"), (socket.AF_INET6, "fd00::77")):
    try:
        socket.socket(family, socket.SOCK_DGRAM).sendto(b"x", (dst, 9))  # output
    except PermissionError:
        pass
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setblocking(False)
s.connect_ex(("10.0.0.77", 9))                                # output: one SYN
s.close()                                                     # before any retransmission
PY
after=$(stats "$SRV")
echo "$after" | sed 's/^/    /'
for want in packets=31 syn_ack_sent=4 zero_window_ack_sent=2 ack_sent=1 rst_sent=1 \
	no_reply_by_mode=2 no_reply_own_address=1 no_reply_bad_checksum=1 no_reply_ip_options=2 no_reply_not_host=1 \
	no_reply_truncated=2 no_reply_bad_data_offset=2 no_reply_fragment=2 \
	no_reply_route_failed=2 no_reply_not_unicast=1 no_reply_malformed=0 no_reply_not_tcp=4 no_reply_output=3; do
	k=${want%=*} n=${want#*=}
	[ "$(stat_of "$after" "$k")" = "$n" ] && pass "$k is $n" ||
		fail "$k is $n after the known traffic; got $(stat_of "$after" "$k")"
done
# What no wire can make: the kernel refuses or trims such headers before
# any hook (ip_rcv_core, ipv6_rcv).
skip_check "no_reply_malformed moves" "not driven: ip_rcv_core() and ip6_rcv_core() drop a bad version or header length and trim to the IP length first; only an IPv6 BIG TCP GRO packet (payload length 0 without a hop-by-hop header, ipv6_gro_complete()) reaches it, which this test does not build"

other=$(ip netns exec "$OTHER" setpriv --reuid=65534 --regid=65534 --clear-groups cat /proc/net/xt_TARPIT 2>&1)
all_zero "$other" &&
	pass "an unprivileged user in another namespace reads only that namespace's zeros" ||
	fail "another namespace shows nothing of the first's traffic; an unprivileged user read: $other"

cleanup_hosts
load_module
setup_hosts
again=$(stats "$SRV")
all_zero "$again" && pass "a namespace made anew lists every counter at 0 again" ||
	fail "the counters go with their namespace; a new one shows: $again"
finish

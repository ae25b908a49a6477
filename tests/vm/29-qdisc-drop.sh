#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A reply that the output queue drops is not counted as sent: a pfifo qdisc
# of limit 0 on the tarpit's link drops every reply (NET_XMIT_DROP, what a
# full queue does under a flood); each SYN then counts under
# no_reply_route_failed, none under syn_ack_sent. IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
# Known neighbours: resolving them would need packets the qdisc drops, and
# a reply waiting for resolution is queued, not dropped.
CLI_MAC=$(in_cli cat /sys/class/net/veth0/address) SRV_MAC=$(in_srv cat /sys/class/net/veth0/address)
in_cli ip neigh replace "$SRV4" lladdr "$SRV_MAC" dev veth0 nud permanent
in_cli ip -6 neigh replace fd00::2 lladdr "$SRV_MAC" dev veth0 nud permanent
in_srv ip neigh replace "$CLI4" lladdr "$CLI_MAC" dev veth0 nud permanent
in_srv ip -6 neigh replace fd00::1 lladdr "$CLI_MAC" dev veth0 nud permanent
in_srv tc qdisc add dev veth0 root pfifo limit 0 || { fail "a pfifo qdisc of limit 0 goes on the link"; finish; }

counter() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }
for ipt in iptables ip6tables; do
	src=$CLI4 dst=$SRV4
	[ $ipt = ip6tables ] && src=fd00::1 dst=fd00::2
	in_srv "$ipt-legacy" -A INPUT -p tcp --dport 135 -j TARPIT
	sent0=$(counter syn_ack_sent) failed0=$(counter no_reply_route_failed)
	in_cli python3 - "$src" "$dst" <<'PY'
import socket, sys
from tcpprobe import SYN, segment, segment6
src, dst = sys.argv[1], sys.argv[2]
v6 = ":" in dst
tx = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(5):
    tx.sendto((segment6 if v6 else segment)(src, dst, 41000 + i, 135, SYN, seq=1), (dst, 0))
PY
	sleep 1
	sent=$(($(counter syn_ack_sent) - sent0)) failed=$(($(counter no_reply_route_failed) - failed0))
	dropped=$(in_srv tc -s qdisc show dev veth0 | awk '/dropped/ { sub(",", "", $7); print $7; exit }')
	echo "$ipt: 5 SYNs: $sent counted sent, $failed not sent; the qdisc has dropped $dropped packets so far"
	check "$ipt: no reply the qdisc dropped is counted as sent" test "$sent" = 0
	check "$ipt: each is counted under no_reply_route_failed" test "$failed" = 5
	flush_rules "$SRV"
done
finish

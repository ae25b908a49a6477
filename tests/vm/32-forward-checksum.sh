#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A router never answers a corrupt segment in FORWARD, even when its
# checksum state says "a device summed this" (CHECKSUM_COMPLETE, which the
# kernel trusts outside PRE_ROUTING and LOCAL_IN): segments tunnelled in GRE
# with checksums arrive so, since the receiver validates the outer checksum
# in software. The router forwards 10.99.0.0/16 and fd99::/16 to a dummy
# interface, behind `-A FORWARD -p tcp -j TARPIT`; the sender sends SYNs
# with bad and good TCP checksums through the tunnel. IPv4 (gre) and IPv6
# (ip6gre), iptables legacy and nft.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
for ns in "$CLI" "$SRV"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
done
in_cli ip link add gre1 type gre local "$CLI4" remote "$SRV4" csum &&
	in_srv ip link add gre1 type gre local "$SRV4" remote "$CLI4" csum &&
	in_cli ip link add gre6 type ip6gre local fd00::1 remote fd00::2 csum &&
	in_srv ip link add gre6 type ip6gre local fd00::2 remote fd00::1 csum ||
	{ fail "GRE tunnels with checksums are set up"; finish; }
in_cli ip addr add 192.168.50.1/30 dev gre1 && in_srv ip addr add 192.168.50.2/30 dev gre1 &&
	in_cli ip addr add fd50::1/64 dev gre6 nodad && in_srv ip addr add fd50::2/64 dev gre6 nodad &&
	in_cli ip link set gre1 up && in_srv ip link set gre1 up &&
	in_cli ip link set gre6 up && in_srv ip link set gre6 up &&
	in_cli ip route add 10.99.0.0/16 dev gre1 && in_cli ip -6 route add fd99::/16 dev gre6 &&
	in_srv ip link add fwd0 type dummy && in_srv ip link set fwd0 up &&
	in_srv ip route add 10.99.0.0/16 dev fwd0 && in_srv ip -6 route add fd99::/16 dev fwd0 ||
	{ fail "the routes through the tunnels are set up"; finish; }

counter() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }
# send_syns SRC DST BAD N: N SYNs from SRC to DST port 135, with a bad TCP
# checksum if BAD is 1.
send_syns() {
	in_cli python3 - "$@" <<'PY'
import socket, sys
sys.path.insert(0, "tests/vm")
from tcpprobe import SYN, segment, segment6
src, dst, bad, n = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
v6 = ":" in dst
tx = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(n):
    build = segment6 if v6 else segment
    tx.sendto(build(src, dst, 40000 + i, 135, SYN, seq=1000 + i, bad_checksum=bad), (dst, 0))
PY
}

for v in $IPTABLES_VARIANTS; do
	for ipt in iptables ip6tables; do
		src=192.168.50.1 dst=10.99.0.5
		[ $ipt = ip6tables ] && src=fd50::1 dst=fd99::5
		in_srv "$ipt-$v" -A FORWARD -p tcp -j TARPIT || { fail "$ipt-$v accepts the rule"; continue; }
		bad0=$(counter no_reply_bad_checksum) syn0=$(counter syn_ack_sent)
		send_syns "$src" "$dst" 1 5
		sleep 1
		bad=$(($(counter no_reply_bad_checksum) - bad0)) syn=$(($(counter syn_ack_sent) - syn0))
		echo "$ipt-$v: 5 SYNs with bad checksums through the tunnel: $bad counted bad, $syn SYN/ACKs sent"
		check "$ipt-$v: FORWARD answers no tunnelled SYN with a bad checksum" test "$syn" = 0
		check "$ipt-$v: each is counted as a bad checksum" test "$bad" = 5
		send_syns "$src" "$dst" 0 5
		sleep 1
		syn=$(($(counter syn_ack_sent) - syn0))
		check "$ipt-$v: FORWARD answers each tunnelled SYN with a good checksum ($syn SYN/ACKs)" test "$syn" = 5
		flush_rules "$SRV"
	done
done
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BIG TCP: a segment over 64 KiB (a GSO skb; BIG TCP allows them up to the
# device's gso_max_size) has a length field of 0. Such segments of a bulk
# stream that reach a TARPIT rule mid-transfer are answered like
# any other, never counted malformed: IPv6 (its payload length 0, without
# a jumbo option in 7.x; 6.12 adds a hop-by-hop jumbo option, an extension
# header, which gets no reply) and IPv4 (its total length 0).
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
# big_tcp NS IFNAME SIZE: the link's GSO and GRO sizes for IPv6 and IPv4 by
# rtnetlink (bookworm's iproute2 6.1 knows no gso_ipv4_max_size).
big_tcp() {
	ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import socket, struct, sys
IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE = 41, 58
IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE = 63, 64
RTM_NEWLINK, NLM_F_REQUEST, NLM_F_ACK = 16, 1, 4
size = int(sys.argv[2])
body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, socket.if_nametoindex(sys.argv[1]), 0, 0)
for kind in (IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE):
    body += struct.pack("=HHI", 8, kind, size)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
error = struct.unpack_from("=i", s.recv(4096), 16)[0]
if error:
    sys.exit(f"setting BIG TCP sizes on {sys.argv[1]}: error {-error}")
PY
}
for ns in "$CLI" "$SRV"; do
	big_tcp "$ns" veth0 185000 ||
		{ fail "BIG TCP sizes are set on the link"; finish; }
	ip -n "$ns" -d link show veth0 | grep -o 'g[rs]o_[a-z0-9_]*max_size [0-9]*' | tr '\n' ' '
	echo
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 1048576 6291456" \
		net.ipv4.tcp_wmem="4096 1048576 6291456"
done

counter() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }

for ipt in ip6tables iptables; do
	dst=fd00::2 port=8010 table="ip6 filter"
	[ $ipt = iptables ] && dst=$SRV4 port=8011 table="ip filter"
	# Only segments over 64 KiB reach the TARPIT rule, mid-transfer (TCP
	# sends them in bursts, the rest of the stream flows); an nft counter
	# just before it counts them. Rules before the stream starts.
	in_srv "$ipt-nft" -A INPUT -p tcp --dport $port -j TARPIT &&
		in_srv nft insert rule $table INPUT tcp dport $port meta length gt 65535 counter &&
		in_srv nft insert rule $table INPUT tcp dport $port meta length le 65535 accept ||
		{ fail "$ipt: a TARPIT rule for segments over 64 KiB only, and their counter"; continue; }
	in_srv nft list chain $table INPUT | sed 's/^/    /'
	in_srv python3 - "$dst" $port <<'PY' &
import socket, sys
srv = socket.create_server((sys.argv[1], int(sys.argv[2])), family=socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
c, _ = srv.accept()
c.settimeout(20)
try:
    while c.recv(1 << 20):
        pass
except OSError:
    pass
PY
	wait_listen "$SRV" $port || fail "$ipt: the bulk receiver listens"
	packets0=$(counter packets) malformed0=$(counter no_reply_malformed)
	answered0=$(counter zero_window_ack_sent) options0=$(counter no_reply_ip_options)
	# The client streams for 8 s.
	in_cli python3 - "$dst" $port <<'PY'
import socket, time, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setblocking(False)
chunk, end, sent = b"x" * (1 << 20), time.monotonic() + 8, 0
while time.monotonic() < end:
    try:
        sent += s.send(chunk)
    except BlockingIOError:
        time.sleep(0.001)
print(f"    the client sent {sent >> 20} MiB")
PY
	big=$(in_srv nft list chain $table INPUT | sed -n '/65535 counter/s/.*counter packets \([0-9]*\) .*/\1/p')
	packets=$(($(counter packets) - packets0)) malformed=$(($(counter no_reply_malformed) - malformed0))
	answered=$(($(counter zero_window_ack_sent) - answered0))
	options=$(($(counter no_reply_ip_options) - options0))
	echo "$ipt: the rule saw $packets segments of the stream, ${big:-0} of them over 64 KiB;" \
		"$answered answered, $malformed counted malformed, $options with IP options or extension headers"
	if [ "${big:-0}" -gt 0 ]; then
		check "$ipt: the rule saw only the segments over 64 KiB ($packets = $big)" test "$packets" = "$big"
		check "$ipt: no BIG TCP segment is counted malformed" test "$malformed" = 0
		if [ $ipt = ip6tables ] && [ "$(uname -r | cut -d. -f1)" -lt 7 ]; then
			# 6.x's IPv6 GSO and GRO add a hop-by-hop jumbo option: no reply.
			check "$ipt: each segment over 64 KiB was answered, or has an extension header ($answered + $options >= $big)" \
				test $((answered + options)) -ge "$big"
		else
			check "$ipt: each segment over 64 KiB was answered ($answered >= $big)" test "$answered" -ge "$big"
		fi
	else
		skip_check "$ipt: no BIG TCP segment is counted malformed" "no segment over 64 KiB reached the rule"
	fi
	flush_rules "$SRV"
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
done
finish

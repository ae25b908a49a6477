#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BIG TCP: a segment over 64 KiB (a GSO skb; BIG TCP allows them up to the
# device's gso_max_size) has a length field of 0. Such segments of a bulk
# stream that a TARPIT rule starts matching mid-transfer are answered like
# any other, never counted malformed: IPv6 (its payload length 0, without
# a jumbo option in 7.x; 6.12 adds a hop-by-hop jumbo option, an extension
# header, which gets no reply) and IPv4 (its total length 0).
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
for ns in "$CLI" "$SRV"; do
	ip -n "$ns" link set veth0 gso_max_size 185000 gro_max_size 185000 \
		gso_ipv4_max_size 185000 gro_ipv4_max_size 185000 ||
		{ fail "BIG TCP sizes are set on the link"; finish; }
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 1048576 6291456" \
		net.ipv4.tcp_wmem="4096 1048576 6291456"
done

counter() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }

for ipt in ip6tables iptables; do
	dst=fd00::2 port=8010
	[ $ipt = iptables ] && dst=$SRV4 port=8011
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
	# The client streams for 6 s; the rule goes in after 2 s.
	in_cli python3 - "$dst" $port <<'PY' &
import socket, time, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setblocking(False)
chunk, end = b"x" * (1 << 20), time.monotonic() + 6
while time.monotonic() < end:
    try:
        s.send(chunk)
    except BlockingIOError:
        time.sleep(0.001)
PY
	client=$!
	sleep 2
	packets0=$(counter packets) malformed0=$(counter no_reply_malformed)
	answered0=$(counter zero_window_ack_sent)
	# Counted in front of the rule: segments over 64 KiB it then sees.
	in_srv nft add table inet big &&
		in_srv nft add chain inet big input '{ type filter hook input priority -10; }' &&
		in_srv nft add rule inet big input tcp dport $port meta length gt 65535 counter ||
		fail "$ipt: an nft counter of segments over 64 KiB"
	in_srv "$ipt-legacy" -I INPUT -p tcp --dport $port -j TARPIT
	wait "$client"
	big=$(in_srv nft list chain inet big input | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p')
	packets=$(($(counter packets) - packets0)) malformed=$(($(counter no_reply_malformed) - malformed0))
	answered=$(($(counter zero_window_ack_sent) - answered0))
	echo "$ipt: the rule saw $packets segments of the stream, ${big:-0} of them over 64 KiB;" \
		"$answered answered, $malformed counted malformed"
	if [ "${big:-0}" -gt 0 ]; then
		check "$ipt: no BIG TCP segment is counted malformed" test "$malformed" = 0
	else
		skip_check "$ipt: no BIG TCP segment is counted malformed" "no segment over 64 KiB reached the rule"
	fi
	flush_rules "$SRV"
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
done
finish

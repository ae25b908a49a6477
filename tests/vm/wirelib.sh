# SPDX-License-Identifier: GPL-2.0
# The raw-frame test network of tests/wire (see its src/plan.rs), for the
# fuzzer, flood, churn and reflection tests; sourced after lib.sh.
#
#   namespace $FZ: veth fz0 10.7.0.1 fd07::1, runs tarpit-wire
#   namespace $TP: veth tp0 10.7.0.2 fd07::2, local 10.7.1.1-3 fd07:1::1-3,
#                  dummy fwd0 routing 10.9.0.0/16 and fd09::/16 (FORWARD)
# Replies go back to the identity ranges 10.8.0.0/16 and fd08::/64 via fz.

FZ=tp-fz
TP=tp-tp
WIRE=$repo/target/release/tarpit-wire
in_fz() { ip netns exec "$FZ" "$@"; }
in_tp() { ip netns exec "$TP" "$@"; }

# How much of each test: "short" in make check, "full" in make check-debug.
TARPIT_SCALE=${TARPIT_SCALE:-short}
scaled() { if [ "$TARPIT_SCALE" = full ]; then echo "$2"; else echo "$1"; fi; }

setup_wire() {
	[ -x "$WIRE" ] || { echo "no $WIRE: run 'make test-tools'"; return 1; }
	cleanup_wire
	ip netns add "$FZ" && ip netns add "$TP" &&
		ip link add fz0 netns "$FZ" type veth peer name tp0 netns "$TP" || return 1
	local ns
	for ns in "$FZ" "$TP"; do
		ip -n "$ns" link set lo up
		# Room for GSO-sized segments.
		ip -n "$ns" link set "${ns#tp-}0" mtu 65535 up || return 1
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	done
	ip -n "$FZ" addr add 10.7.0.1/24 dev fz0
	ip -n "$FZ" addr add fd07::1/64 dev fz0 nodad
	# Replies to the identity ranges end here, silently.
	ip -n "$FZ" route add blackhole 10.8.0.0/16
	ip -n "$FZ" -6 route add blackhole fd08::/64
	ip -n "$TP" addr add 10.7.0.2/24 dev tp0
	ip -n "$TP" addr add fd07::2/64 dev tp0 nodad
	local i
	for i in 1 2 3; do
		ip -n "$TP" addr add "10.7.1.$i/32" dev tp0
		ip -n "$TP" addr add "fd07:1::$i/128" dev tp0 nodad
	done
	# As large as the link, so that forwarding never needs to fragment.
	ip -n "$TP" link add fwd0 mtu 65535 type dummy && ip -n "$TP" link set fwd0 up
	ip -n "$TP" route add 10.9.0.0/16 dev fwd0
	ip -n "$TP" -6 route add fd09::/16 dev fwd0
	ip -n "$TP" route add 10.8.0.0/16 via 10.7.0.1
	ip -n "$TP" -6 route add fd08::/64 via fd07::1
	# Spoofed sources must reach the rules; known neighbours so that no
	# reply waits for address resolution.
	in_tp sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.tp0.rp_filter=0
	FZ_MAC=$(in_fz cat /sys/class/net/fz0/address)
	TP_MAC=$(in_tp cat /sys/class/net/tp0/address)
	ip -n "$TP" neigh replace 10.7.0.1 lladdr "$FZ_MAC" dev tp0 nud permanent
	ip -n "$TP" -6 neigh replace fd07::1 lladdr "$FZ_MAC" dev tp0 nud permanent
	# The senders outrun the per-CPU input queue otherwise.
	sysctl -qw net.core.netdev_max_backlog=100000
	trap cleanup_wire EXIT
}

cleanup_wire() { del_namespaces "$TP" "$FZ"; }

# wire_rules VARIANT: TARPIT rules in every mode on INPUT and FORWARD, for
# both families, with iptables-VARIANT (the plan in tests/wire/src/plan.rs).
wire_rules() {
	local v=$1
	in_tp "iptables-$v" -A INPUT -d 10.7.1.2 -p tcp -j TARPIT --honeypot &&
		in_tp "iptables-$v" -A INPUT -d 10.7.1.3 -p tcp -j TARPIT --reset &&
		in_tp "iptables-$v" -A INPUT -p tcp -j TARPIT &&
		in_tp "iptables-$v" -A FORWARD -d 10.9.2.0/24 -p tcp -j TARPIT --honeypot &&
		in_tp "iptables-$v" -A FORWARD -d 10.9.3.0/24 -p tcp -j TARPIT --reset &&
		in_tp "iptables-$v" -A FORWARD -p tcp -j TARPIT &&
		in_tp "iptables-$v" -A FORWARD -j DROP &&
		in_tp "ip6tables-$v" -A INPUT -d fd07:1::2 -p tcp -j TARPIT --honeypot &&
		in_tp "ip6tables-$v" -A INPUT -d fd07:1::3 -p tcp -j TARPIT --reset &&
		in_tp "ip6tables-$v" -A INPUT -p tcp -j TARPIT &&
		in_tp "ip6tables-$v" -A FORWARD -d fd09:2::/32 -p tcp -j TARPIT --honeypot &&
		in_tp "ip6tables-$v" -A FORWARD -d fd09:3::/32 -p tcp -j TARPIT --reset &&
		in_tp "ip6tables-$v" -A FORWARD -p tcp -j TARPIT &&
		in_tp "ip6tables-$v" -A FORWARD -j DROP
}

# tp_stat NAME: a counter of /proc/net/xt_TARPIT in $TP.
tp_stat() { in_tp awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }
# tp_replies: every reply the target has sent in $TP.
tp_replies() {
	in_tp awk '$1 ~ /_sent$/ { n += $2 } END { print n + 0 }' /proc/net/xt_TARPIT
}

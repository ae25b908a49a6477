#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# No reply is answered: two tarpits facing each other over a veth, every
# pair of modes, IPv4 and IPv6, get one spoofed segment of each kind (ACK,
# SYN/ACK, data, FIN, SYN) from one tarpitted port to the other; and a host
# gets segments spoofed from its own address to itself. Each segment may
# draw a reply and an answer to it (a RST), no more: the rules' counters,
# read over several seconds, stay at a handful (a loop runs at link speed).
. "$(dirname "$0")/lib.sh"

A=tp-loop-a
B=tp-loop-b
in_a() { ip netns exec "$A" "$@"; }
in_b() { ip netns exec "$B" "$@"; }
MODES="tarpit honeypot reset"
KINDS=ack,syn-ack,data,fin,syn
n_kinds=5
# Matched at A, its reply matched at B, B's answer (a RST) matched at A.
limit=$((3 * n_kinds))
wait_s=3

cleanup() { del_namespaces "$A" "$B"; unload_module 2>/dev/null || true; }
setup() {
	del_namespaces "$A" "$B"
	ip netns add "$A" && ip netns add "$B" &&
		ip link add la netns "$A" type veth peer name lb netns "$B" || return 1
	ip -n "$A" addr add 10.5.0.1/24 dev la && ip -n "$A" addr add fd05::1/64 dev la nodad &&
		ip -n "$B" addr add 10.5.0.2/24 dev lb && ip -n "$B" addr add fd05::2/64 dev lb nodad ||
		return 1
	local ns dev
	for ns in "$A" "$B"; do
		dev=l${ns#tp-loop-}
		ip -n "$ns" link set lo up && ip -n "$ns" link set "$dev" up || return 1
		# Spoofed sources reach the rules: no reverse path filter; and on A,
		# IPv4 segments from its own address (IPv6 takes them anyway).
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			"net.ipv4.conf.$dev.rp_filter=0" "net.ipv4.conf.$dev.accept_local=1"
	done
	A_MAC=$(in_a cat /sys/class/net/la/address)
	B_MAC=$(in_b cat /sys/class/net/lb/address)
	ip -n "$A" neigh replace 10.5.0.2 lladdr "$B_MAC" dev la nud permanent
	ip -n "$A" -6 neigh replace fd05::2 lladdr "$B_MAC" dev la nud permanent
	ip -n "$B" neigh replace 10.5.0.1 lladdr "$A_MAC" dev lb nud permanent
	ip -n "$B" -6 neigh replace fd05::1 lladdr "$A_MAC" dev lb nud permanent
	trap cleanup EXIT
}

# rule_packets NS IPTABLES PORT: packets the TARPIT rule for PORT matched.
rule_packets() {
	ip netns exec "$1" "$2" -L INPUT -v -x -n |
		awk -v p="dpt:$3" '/TARPIT/ { for (i = 1; i <= NF; i++) if ($i == p) n += $1 } END { print n + 0 }'
}
own_address() { in_a awk '$1 == "no_reply_own_address" { print $2 }' /proc/net/xt_TARPIT; }

load_module || { fail "the module loads"; finish; }
setup || { fail "the test namespaces are set up"; finish; }

# Port 1000 + 3 i + j: A's rule in the i-th mode, B's in the j-th; A with
# iptables-legacy, B with iptables-nft. Ports 2000 + i: A alone, for its
# own address. Loaded with one restore per host and family (a debug
# kernel takes seconds per iptables call).
rules_a=$'*filter\n:INPUT ACCEPT [0:0]' rules_b=$rules_a
i=0
for ma in $MODES; do
	j=0
	for mb in $MODES; do
		p=$((1000 + 3 * i + j))
		rules_a+=$'\n'"-A INPUT -p tcp --dport $p -j TARPIT --$ma"
		rules_b+=$'\n'"-A INPUT -p tcp --dport $p -j TARPIT --$mb"
		j=$((j + 1))
	done
	rules_a+=$'\n'"-A INPUT -p tcp --dport $((2000 + i)) -j TARPIT --$ma"
	i=$((i + 1))
done
for ipt in iptables ip6tables; do
	in_a "$ipt-legacy-restore" <<<"$rules_a"$'\nCOMMIT' ||
		fail "$ipt-legacy-restore loads A's rules"
	in_b "$ipt-nft-restore" <<<"$rules_b"$'\nCOMMIT' ||
		fail "$ipt-nft-restore loads B's rules"
done

for family in 4 6; do
	if [ $family = 4 ]; then
		ipt=iptables a=10.5.0.1 b=10.5.0.2
	else
		ipt=ip6tables a=fd05::1 b=fd05::2
	fi
	echo "--- IPv$family"
	in_a "$ipt-legacy" -Z && in_b "$ipt-nft" -Z
	own0=$(own_address)
	# Every pair at once: a loop in one shows in its own counters.
	in_b python3 "$repo/tests/vm/spoof.py" lb "$A_MAC" "$b" "$a" $KINDS $(seq 1000 1008) ||
		fail "spoof.py sends B:port -> A:port"
	in_b python3 "$repo/tests/vm/spoof.py" lb "$A_MAC" "$a" "$a" $KINDS 2000 2001 2002 ||
		fail "spoof.py sends A:port -> A:port from B"
	sleep "$wait_s"
	i=0
	for ma in $MODES; do
		j=0
		for mb in $MODES; do
			p=$((1000 + 3 * i + j))
			at_a=$(rule_packets "$A" "$ipt-legacy" "$p") at_b=$(rule_packets "$B" "$ipt-nft" "$p")
			what="IPv$family, --$ma facing --$mb: $n_kinds spoofed segments ($KINDS) make at most $limit in ${wait_s} s"
			if ((at_a >= n_kinds && at_a + at_b <= limit)); then
				pass "$what ($at_a at A, $at_b at B)"
			else
				fail "$what: $at_a matched at A, $at_b at B"
			fi
			j=$((j + 1))
		done
		p=$((2000 + i))
		at_a=$(rule_packets "$A" "$ipt-legacy" "$p")
		what="IPv$family, --$ma: $n_kinds segments spoofed from the host's own address to itself are matched once each, no reply comes back in ${wait_s} s"
		if ((at_a == n_kinds)); then
			pass "$what ($at_a)"
		else
			fail "$what: $at_a matched"
		fi
		i=$((i + 1))
	done
	own1=$(own_address)
	# Of the five kinds, tarpit mode answers SYN/ACK, data and SYN, the
	# honeypot also FIN, reset mode all five: 3 + 4 + 5.
	check "IPv$family: the 12 replies to the host's own address are not sent but counted (no_reply_own_address $own0 -> $own1)" \
		test "$((own1 - own0))" = 12
	# A client on the tarpit host itself comes over loopback and is answered.
	check "IPv$family: a client on the tarpit host itself (over loopback) completes the handshake" \
		in_a python3 -c "import socket; socket.create_connection(('$a', 2000), timeout=5).close()"
done
finish

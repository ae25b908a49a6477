#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The fuzzer (tests/wire): random and malformed IPv4 and IPv6 TCP segments
# through TARPIT rules in every mode, on INPUT and FORWARD; once with
# iptables-legacy and no conntrack, once with iptables-nft and conntrack.
# Every reply must answer a well-formed segment exactly as the decision
# logic says, at most once; nothing else may be answered; the target's own
# counters must agree with what was seen on the wire. The kernel's reports
# (and, on the debug kernel, KASAN, lockdep, kmemleak) fail the run.
# TARPIT_FUZZ_SEED=S replays a run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wirelib.sh"

count=$(scaled 100000 500000)   # per round; two rounds
load_module || { fail "the module loads"; finish; }
setup_wire || { fail "the test network is set up"; finish; }

for v in $IPTABLES_VARIANTS; do
	flush_rules "$TP"
	wire_rules "$v" || { fail "TARPIT rules for every mode ($v)"; continue; }
	what="iptables-$v, no conntrack"
	if [ "$v" = nft ]; then
		# Any conntrack match makes the namespace track connections.
		in_tp iptables-nft -t mangle -A PREROUTING -m conntrack --ctstate INVALID
		in_tp ip6tables-nft -t mangle -A PREROUTING -m conntrack --ctstate INVALID
		what="iptables-$v, conntrack"
	fi
	sent_before=$(tp_replies) packets_before=$(tp_stat packets)
	route_failed_before=$(tp_stat no_reply_route_failed)
	out=$(in_fz "$WIRE" fuzz --iface fz0 --dst-mac "$TP_MAC" --count "$count" \
		${TARPIT_FUZZ_SEED:+--seed "$TARPIT_FUZZ_SEED"})
	rc=$?
	echo "$out" | sed "s/^/[$v] /"
	check "$what: every reply answers a well-formed segment as the logic says, at most once; nothing else is answered" \
		test "$rc" = 0
	seen=$(sed -n 's/^fuzz: replies \([0-9]*\) .*/\1/p' <<<"$out")
	sent=$(($(tp_replies) - sent_before))
	packets=$(($(tp_stat packets) - packets_before))
	check "$what: the target counted the $seen replies seen on the wire (counted $sent)" \
		test "$sent" = "${seen:-none}"
	check "$what: no reply failed to route" test "$(tp_stat no_reply_route_failed)" = "$route_failed_before"
	echo "[$v] the target saw $packets of $count segments; its counters so far:"
	in_tp cat /proc/net/xt_TARPIT | awk '$2 != 0 { printf "    %s %s\n", $1, $2 }'
done

cleanup_wire
trap - EXIT
check "the module unloads after the fuzzing" unload_module
finish

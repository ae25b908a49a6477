#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The fuzzer (tests/wire): random and malformed IPv4 and IPv6 TCP segments
# through TARPIT rules in every mode, on INPUT and FORWARD; once with
# iptables-legacy and no conntrack, once with iptables-nft and conntrack.
# Every frame planned must be sent. Every reply must answer a well-formed
# segment exactly as the decision logic says, with the headers its builders
# write (TTL or hop limit, DF, IP ID, TOS, traffic class, flow label), once
# per copy sent; a retransmitted SYN must get the same SYN/ACK sequence
# number, distinct 4-tuples (nearly always) distinct ones; nothing else may
# be answered; every other frame from the tarpit must be link housekeeping
# (ARP, NDP, MLD, IGMP) or the stack's ICMP. The target's own counters must
# agree with what was seen on the wire.
#
# Then every class of segment alone, per IP version, in each configuration
# and in one more (default routes, which forward unrouted destinations): a
# class must reach the TARPIT target (its packets counter) in some
# configuration, or be one the kernel keeps from every TARPIT rule (SKIP,
# naming the kernel function that drops it); otherwise its must-be-silent
# check could not fail. The kernel's reports (and, on the debug kernel,
# KASAN, lockdep, kmemleak) fail the run.
#
# TARPIT_FUZZ_SEED=S replays a run.
# TARPIT_FUZZ_FAULT=NAME makes checks fail on purpose, to see that they can:
#   unsent ttl tos ip-id df flow-label isn same-isn vlan: tarpit-wire fuzz --fault
#   stray: UDP datagrams from the tarpit host to the fuzzer during the runs
#   route-ttl: the tarpit's default TTL and hop limit 65 instead of 64
#   unreachable: a raw-table DROP of everything during the per-class batches
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wirelib.sh"

count=$(scaled 100000 500000)   # per round; two rounds
reach_count=$(scaled 200 1000)  # per class, IP version and configuration
fault=${TARPIT_FUZZ_FAULT:-}
seed_args=()
[ -z "${TARPIT_FUZZ_SEED:-}" ] || seed_args=(--seed "$TARPIT_FUZZ_SEED")
# The main runs' arguments: a fault of the fuzzer's own goes there only.
fuzz_args=("${seed_args[@]}")
case $fault in
"") ;;
unsent | ttl | tos | ip-id | df | flow-label | isn | same-isn | vlan) fuzz_args+=(--fault "$fault") ;;
stray | route-ttl | unreachable) ;;
*) echo "TARPIT_FUZZ_FAULT=$fault: not a known fault"; exit 2 ;;
esac
[ -z "$fault" ] || echo "fault '$fault' injected on purpose: checks must fail"

# Classes that no TARPIT rule can see, and the kernel code that keeps them
# away ("CLASS" for both IP versions, "CLASS/4" or "CLASS/6" for one).
declare -A cannot=(
	[not-tcp]="cannot reach a TARPIT rule until rules without -p tcp are accepted (x_tables' xt_check_target_common() refuses TARPIT, whose .proto is IPPROTO_TCP, in a rule without -p tcp)"
	[martian-source/4]="cannot reach a TARPIT rule: ip_route_input_slow() drops multicast, limited-broadcast, 0.0.0.0/8 and (without route_localnet) loopback sources, fib_validate_source() the host's own addresses (without accept_local), after PREROUTING and before INPUT or FORWARD"
	[martian-source/6]="cannot reach a TARPIT rule: ip6_rcv_core() drops multicast and loopback sources before PREROUTING"
	[martian-destination/4]="cannot reach a TARPIT rule: ip_route_input_slow() drops 0.0.0.0/8 and (without route_localnet) loopback destinations, ip_route_input_rcu() multicast groups the host has not joined (no multicast routing here)"
	[martian-destination/6]="cannot reach a TARPIT rule: ip6_rcv_core() drops loopback and interface-local multicast destinations, ip6_mc_input() groups the host has not joined (no multicast routing here)"
	[other-host/4]="cannot reach a TARPIT rule: ip_rcv_core() drops PACKET_OTHERHOST frames before PREROUTING; only a bridge with br_netfilter hands them to the IP hooks, and the fuzzer's link is on no bridge (27-bridged tests bridged frames)"
	[other-host/6]="cannot reach a TARPIT rule: ip6_rcv_core() drops PACKET_OTHERHOST frames before PREROUTING; only a bridge with br_netfilter hands them to the IP hooks, and the fuzzer's link is on no bridge (27-bridged tests bridged frames)"
)

counters() { in_tp cat /proc/net/xt_TARPIT; }
# counter NAME < COUNTERS
counter() { awk -v k="$1" '$1 == k { print $2 }'; }
# changes BEFORE AFTER: the counters that moved, " name +n" each.
changes() {
	awk 'NR == FNR { b[$1] = $2; next } $1 != "packets" && $2 != b[$1] { printf " %s +%d", $1, $2 - b[$1] }' \
		<(echo "$1") <(echo "$2")
}
# Stray frames for TARPIT_FUZZ_FAULT=stray: UDP from the tarpit host to an
# identity address, while the fuzzer listens.
start_stray() {
	in_tp bash -c 'for i in $(seq 50); do echo stray >/dev/udp/10.8.0.1/9; sleep 0.1; done' 2>/dev/null &
	stray_pid=$!
}
stop_stray() {
	[ -n "${stray_pid:-}" ] || return 0
	kill "$stray_pid" 2>/dev/null
	wait "$stray_pid" 2>/dev/null
	stray_pid=
}

# main_run VARIANT WHAT: the fuzzer with every class; its verdict and the
# target's counters against the wire.
main_run() {
	local v=$1 what=$2 out rc seen sent replies packets
	local replies_before packets_before route_failed_before
	replies_before=$(tp_replies) packets_before=$(tp_stat packets)
	route_failed_before=$(tp_stat no_reply_route_failed)
	[ "$fault" != stray ] || start_stray
	out=$(in_fz "$WIRE" fuzz --iface fz0 --dst-mac "$TP_MAC" --count "$count" "${fuzz_args[@]}")
	rc=$?
	stop_stray
	echo "$out" | sed "s/^/[$v] /"
	check "$what: every planned frame was sent; every reply answers a well-formed segment as the logic says and builds, once per copy; nothing else is answered; every other frame is link housekeeping or ICMP" \
		test "$rc" = 0
	seen=$(sed -n 's/^fuzz: replies \([0-9]*\) .*/\1/p' <<<"$out")
	sent=$(sed -n 's/^fuzz: seed .*, sent \([0-9]*\) (segments .*/\1/p' <<<"$out")
	replies=$(($(tp_replies) - replies_before))
	packets=$(($(tp_stat packets) - packets_before))
	check "$what: the target counted the $seen replies seen on the wire (counted $replies)" \
		test "$replies" = "${seen:-none}"
	check "$what: replies were seen at all (${seen:-none}): a run without any proves nothing" \
		test "${seen:-0}" -gt 0
	check "$what: the target saw at most the ${sent:-none} frames sent (saw $packets): no reply came back to it" \
		test "$packets" -le "${sent:-0}"
	check "$what: no reply failed to route" test "$(tp_stat no_reply_route_failed)" = "$route_failed_before"
	echo "[$v] the target saw $packets of ${sent:-?} frames; its counters so far:"
	counters | awk '$2 != 0 { printf "    %s %s\n", $1, $2 }'
}

mapfile -t class_lines < <("$WIRE" classes 2>/dev/null)
declare -A reached=() reached_in=()
configs=()

# reach_batches VARIANT WHAT: each class of the default mix alone, per IP
# version; adds what reached the target (its packets counter) to reached[].
reach_batches() {
	local v=$1 what=$2 line name kind families family before after packets moved out rc key
	configs+=("$what")
	if [ "$fault" = unreachable ]; then
		in_tp "iptables-$v" -t raw -I PREROUTING -j DROP
		in_tp "ip6tables-$v" -t raw -I PREROUTING -j DROP
	fi
	echo "[$v] each class alone, $reach_count segments per IP version ($what):"
	for line in "${class_lines[@]}"; do
		read -r name kind families <<<"$line"
		[ "$kind" = default ] || continue
		for family in $families; do
			before=$(counters)
			out=$(in_fz "$WIRE" fuzz --iface fz0 --dst-mac "$TP_MAC" --class "$name" \
				--families "$family" --count "$reach_count" --settle 200 "${seed_args[@]}")
			rc=$?
			after=$(counters)
			packets=$(($(counter packets <<<"$after") - $(counter packets <<<"$before")))
			moved=$(changes "$before" "$after")
			printf '[%s]   %-21s IPv%s: %4d reached the target;%s\n' "$v" "$name" "$family" \
				"$packets" "${moved:- no other counter moved}"
			if ((rc != 0)); then
				echo "$out" | sed "s/^/[$v]     /"
				fail "$what: $name/IPv$family alone: every frame sent, silence or the logic's replies"
			fi
			key=$name/$family
			reached[$key]=$((${reached[$key]:-0} + packets))
			if ((packets > 0)); then
				reached_in[$key]+="${reached_in[$key]:+; }$what"
			fi
		done
	done
	if [ "$fault" = unreachable ]; then
		in_tp "iptables-$v" -t raw -D PREROUTING -j DROP
		in_tp "ip6tables-$v" -t raw -D PREROUTING -j DROP
	fi
}

# Every class reached the target somewhere, or the kernel provably keeps it
# from every TARPIT rule.
reach_verdicts() {
	local line name kind families family key reason n all
	((${#class_lines[@]})) || { fail "$WIRE classes lists the fuzzer's classes"; return; }
	all=$(printf '%s; ' "${configs[@]}")
	all=${all%; }
	for line in "${class_lines[@]}"; do
		read -r name kind families <<<"$line"
		[ "$kind" = default ] || continue
		for family in $families; do
			key=$name/$family
			reason=${cannot[$key]:-${cannot[$name]:-}}
			n=${reached[$key]:-0}
			if [ -n "$reason" ] && ((n > 0)); then
				fail "$name/IPv$family reached the target $n times (${reached_in[$key]}) although this test says it $reason: correct the reason"
			elif [ -n "${cannot[$key]:-}" ]; then
				skip_check "$name (IPv$family)" "$reason"
			elif [ -n "$reason" ]; then
				# One line for both IP versions, after the last.
				[ "$family" != "${families##* }" ] || skip_check "$name" "$reason"
			elif ((n > 0)); then
				pass "$name/IPv$family reached the target ($n segments; in: ${reached_in[$key]})"
			else
				fail "$name/IPv$family reached the target in no configuration ($all): its must-be-silent check cannot fail"
			fi
		done
	done
}

load_module || { fail "the module loads"; finish; }
setup_wire || { fail "the test network is set up"; finish; }
if [ "$fault" = route-ttl ]; then
	in_tp sysctl -qw net.ipv4.ip_default_ttl=65 net.ipv6.conf.all.hop_limit=65 \
		net.ipv6.conf.default.hop_limit=65 net.ipv6.conf.tp0.hop_limit=65
fi

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
	main_run "$v" "$what"
	reach_batches "$v" "$what"
done

# Default routes (through the dummy fwd0): destinations without a route in
# the plan (reserved, unspecified, IPv4-mapped) are forwarded to the FORWARD
# rules, where the logic must refuse them.
v=${IPTABLES_VARIANTS%% *}
flush_rules "$TP"
if wire_rules "$v" && in_tp ip route add default dev fwd0 && in_tp ip -6 route add default dev fwd0; then
	reach_batches "$v" "iptables-$v, no conntrack, default routes"
	in_tp ip route del default dev fwd0
	in_tp ip -6 route del default dev fwd0
else
	fail "TARPIT rules and default routes ($v)"
fi
reach_verdicts

# Sources equal to the tarpit's own addresses (IPv6 lets them in): no
# reply, which would come back to the tarpit itself. Link-local sources on
# the link: answered as the logic says, out of the link they came by.
hostile=own-address,link-local
flush_rules "$TP"
wire_rules "$v" || fail "TARPIT rules for every mode ($v)"
link_local=$(in_tp ip -6 -o addr show dev tp0 scope link | awk '{ sub("/.*", "", $4); print $4; exit }')
# Room for a neighbour entry per link-local source. The thresholds are the
# whole table's: only the initial namespace (the VM's own) has them.
sysctl -qw net.ipv6.neigh.default.gc_thresh1=100000 \
	net.ipv6.neigh.default.gc_thresh2=150000 net.ipv6.neigh.default.gc_thresh3=200000 ||
	fail "room in the neighbour table for the link-local sources"
hostile_count=$(scaled 20000 100000)
replies_before=$(tp_replies) packets_before=$(tp_stat packets) own_before=$(tp_stat no_reply_own_address)
out=$(in_fz "$WIRE" fuzz --iface fz0 --dst-mac "$TP_MAC" --class "$hostile" \
	--families 6 --count "$hostile_count" --tarpit-link-local "${link_local:-none}" "${fuzz_args[@]}")
rc=$?
echo "$out" | sed "s/^/[$v, $hostile] /"
check "$hostile: own-address sources get no reply${hostile#own-address}" test "$rc" = 0
seen=$(sed -n 's/^fuzz: replies \([0-9]*\) .*/\1/p' <<<"$out")
sent=$(sed -n 's/^fuzz: seed .*, sent \([0-9]*\) (segments .*/\1/p' <<<"$out")
replies=$(($(tp_replies) - replies_before)) packets=$(($(tp_stat packets) - packets_before))
own=$(($(tp_stat no_reply_own_address) - own_before))
check "$hostile: the target counted the $seen replies seen on the wire (counted $replies)" \
	test "$replies" = "${seen:-none}"
check "$hostile: the target saw at most the ${sent:-none} frames sent (saw $packets): no reply looped back to it" \
	test "$packets" -le "${sent:-0}"
check "$hostile: replies to the tarpit's own addresses were counted as not sent ($own)" test "$own" -gt 0

cleanup_wire
trap - EXIT
check "the module unloads after the fuzzing" unload_module
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Allocation failures on the packet path (the debug kernel's failslab and
# fail_page_alloc, failing only allocations with the module's code on the
# stack, and for failslab only in the skb and route caches): SYN and ACK
# floods, IPv4 and IPv6, then the fuzzer, while 10% of those allocations
# fail. Every segment is still counted (packets = replies sent + not sent),
# each reply not sent under no_reply_route_failed, at most one per injected
# failure; every reply the fuzzer sees is right and every one it misses was
# counted; replies flow again once the faults stop; the module unloads.
# vm-run fails the run on any kernel report or kmemleak finding.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wirelib.sh"

DBG=/sys/kernel/debug
[ -d $DBG/failslab ] && [ -e $DBG/failslab/require-start ] ||
	skip "no fault injection with a stack filter in this kernel (the debug kernel has it)"
seconds=$(scaled 3 20)
load_module || { fail "the module loads"; finish; }
setup_wire || { fail "the test network is set up"; finish; }
in_tp iptables-legacy -A INPUT -d 10.7.1.1 -p tcp -j TARPIT
in_tp ip6tables-legacy -A INPUT -d fd07:1::1 -p tcp -j TARPIT

# The module's code: from its lowest to past its highest text symbol.
read -r text_start text_end < <(python3 - <<'PY'
addrs = [int(l.split()[0], 16) for l in open("/proc/kallsyms")
         if l.rstrip().endswith("[xt_TARPIT]") and l.split()[1] in "tT"]
print(hex(min(addrs)), hex(max(addrs) + 4096))
PY
)
echo "the module's text: $text_start to $text_end"
# The IPv4 route cache is named after its struct (rtable).
CACHES="skbuff_head_cache skbuff_small_head rtable ip6_dst_cache"
TIMES=1000000
# faults PROBABILITY: fails that share (%) of the allocations in scope.
faults() {
	local f c
	for f in failslab fail_page_alloc; do
		echo 0 >$DBG/$f/verbose
		echo 1 >$DBG/$f/interval
		echo $TIMES >$DBG/$f/times
		echo 32 >$DBG/$f/stacktrace-depth
		echo "$text_start" >$DBG/$f/require-start
		echo "$text_end" >$DBG/$f/require-end
		echo "$1" >$DBG/$f/probability
	done
	echo 0 >$DBG/fail_page_alloc/min-order
	echo Y >$DBG/failslab/cache-filter
	for c in $CACHES; do
		echo 1 >"/sys/kernel/slab/$c/failslab" || echo "cache $c: no failslab flag"
	done
}
injected() { echo $((TIMES - $(cat $DBG/$1/times))); }

faults 10 || { fail "fault injection is set up"; finish; }
total_failed=0
for dst in 10.7.1.1 fd07:1::1; do
	for kind in SYN ACK; do
		case $kind in SYN) reply=syn_ack_sent ack= ;; ACK) reply=zero_window_ack_sent ack="--ack --data 1" ;; esac
		what="$kind flood at $dst, ${seconds} s, 10% of allocations failing"
		packets0=$(tp_stat packets) replies0=$(tp_stat "$reply") failed0=$(tp_stat no_reply_route_failed)
		in_fz "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst "$dst" --dport 80 $ack \
			--seconds "$seconds" | sed 's/^/    /'
		sleep 1
		packets=$(($(tp_stat packets) - packets0)) replies=$(($(tp_stat "$reply") - replies0))
		failed=$(($(tp_stat no_reply_route_failed) - failed0))
		total_failed=$((total_failed + failed))
		echo "$what: $packets segments, $replies $reply, $failed not sent"
		check "$what: every segment is counted, as answered or not sent ($packets = $replies + $failed)" \
			test "$packets" -gt 0 -a "$packets" = $((replies + failed))
	done
done
# The fuzzer under the same faults, with a rule for every mode: every reply
# on the wire is right, and every missing one was counted as not sent.
in_tp iptables-legacy -F INPUT
in_tp ip6tables-legacy -F INPUT
wire_rules legacy || fail "TARPIT rules for every mode"
fuzz_count=$(scaled 5000 50000)
replies0=$(tp_replies) failed0=$(tp_stat no_reply_route_failed)
out=$(in_fz "$WIRE" fuzz --iface fz0 --dst-mac "$TP_MAC" --count "$fuzz_count")
echo "$out" | sed 's/^/    /'
# fuzz: replies N (answerable A, unanswered U), unknown K, violations V, capture drops C
read -r seen unanswered unknown violations drops < <(sed -n \
	's/^fuzz: replies \([0-9]*\) (answerable [0-9]*, unanswered \([0-9]*\)), unknown \([0-9]*\), violations \([0-9]*\), capture drops \([0-9]*\).*/\1 \2 \3 \4 \5/p' <<<"$out")
failed=$(($(tp_stat no_reply_route_failed) - failed0)) replies=$(($(tp_replies) - replies0))
total_failed=$((total_failed + failed))
echo "fuzzer, $fuzz_count frames, 10% of allocations failing: $seen replies seen, $unanswered missing, $failed not sent"
check "fuzzer under faults: replies were seen (${seen:-none})" test "${seen:-0}" -gt 0
check "fuzzer under faults: no reply breaks the logic's rules (unknown ${unknown:-?}, violations ${violations:-?}, capture drops ${drops:-?})" \
	test "${unknown:-x}${violations:-x}${drops:-x}" = 000
# The fuzzer counts segments that lack a reply, the target replies not
# sent: a SYN sent twice whose two replies failed is one and two. Never
# fewer counted than missing: none is lost silently.
check "fuzzer under faults: each missing reply was counted as not sent ($unanswered missing <= $failed counted)" \
	test "${unanswered:-x}" -le "$failed"
check "fuzzer under faults: the target counted the $seen replies seen (counted $replies)" \
	test "$replies" = "${seen:-none}"

slab=$(injected failslab) pages=$(injected fail_page_alloc)
faults 0
echo "injected failures: $slab slab allocations, $pages page allocations; $total_failed replies not sent"
check "failures were injected into the module's allocations ($slab + $pages)" test $((slab + pages)) -gt 0
check "some replies were not sent for them ($total_failed)" test "$total_failed" -gt 0
check "at most one reply not sent per injected failure ($total_failed <= $((slab + pages)))" \
	test "$total_failed" -le $((slab + pages))

replies0=$(tp_stat syn_ack_sent)
in_fz "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst 10.7.1.1 --dport 80 --count 100 --seconds 10 |
	sed 's/^/    /'
sleep 1
check "without faults, each of 100 SYNs is answered again ($(($(tp_stat syn_ack_sent) - replies0)))" \
	test $(($(tp_stat syn_ack_sent) - replies0)) = 100
cleanup_wire
unload_module && pass "the module unloads after the faults" || fail "the module unloads after the faults"
finish

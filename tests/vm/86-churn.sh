#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rule churn under traffic: TARPIT rules added and deleted again and again
# (iptables-legacy and iptables-nft, IPv4 and IPv6) while a SYN flood runs;
# rmmod while a rule exists fails cleanly and changes nothing; then the
# module is loaded and unloaded many times without leaking memory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wirelib.sh"

cycles=$(scaled 200 1000)
loads=$(scaled 50 200)
load_module || { fail "the module loads"; finish; }
setup_wire || { fail "the test network is set up"; finish; }

# The floods end (and report) on SIGTERM; `ip netns exec` execs the tool,
# so $! is its PID.
for dst in 10.7.1.1 fd07:1::1; do
	ip netns exec "$FZ" "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst "$dst" --dport 80 \
		--seconds 100000 --rate 10000 >"/tmp/churn-flood-$dst.out" &
	floods+=($!)
done

# cycles N MODE DST: N add/delete cycles of one rule as iptables-restore
# input, each add and each delete its own commit (kernel transaction).
cycles() {
	local i
	for i in $(seq "$1"); do
		printf '*filter\n-A INPUT -d %s -p tcp -j TARPIT %s\nCOMMIT\n' "$3" "$2"
		printf '*filter\n-D INPUT -d %s -p tcp -j TARPIT %s\nCOMMIT\n' "$3" "$2"
	done
}

batch=50
for v in $IPTABLES_VARIANTS; do
	errors=0 rmmod_refused=0 rmmod_tries=0
	start=$SECONDS
	for ((done = 0; done < cycles; done += batch)); do
		mode=$(echo --tarpit --honeypot --reset | cut -d' ' -f$((done / batch % 3 + 1)))
		cycles "$batch" "$mode" 10.7.1.1 | in_tp "iptables-$v-restore" --noflush || errors=$((errors + 1))
		cycles "$batch" "$mode" fd07:1::1 | in_tp "ip6tables-$v-restore" --noflush || errors=$((errors + 1))
		# Between batches, with the command line: a rule exists, so rmmod
		# must fail and change nothing.
		in_tp "iptables-$v" -A INPUT -d 10.7.1.1 -p tcp -j TARPIT $mode || errors=$((errors + 1))
		rmmod_tries=$((rmmod_tries + 1))
		out=$(rmmod xt_TARPIT 2>&1) || { [[ $out == *"in use"* ]] && rmmod_refused=$((rmmod_refused + 1)); }
		in_tp "iptables-$v" -D INPUT -d 10.7.1.1 -p tcp -j TARPIT $mode || errors=$((errors + 1))
	done
	echo "iptables-$v: $cycles add/delete cycles of an IPv4 and of an IPv6 rule in $((SECONDS - start)) s"
	check "iptables-$v: all $cycles add/delete cycles (IPv4 and IPv6) succeeded under a flood" test "$errors" = 0
	check "iptables-$v: rmmod while a rule exists fails with 'in use' ($rmmod_refused of $rmmod_tries)" \
		test "$rmmod_refused" = "$rmmod_tries"
	check "iptables-$v: the module stayed loaded" module_loaded
	left=$( (in_tp "iptables-$v-save"; in_tp "ip6tables-$v-save") 2>/dev/null | grep -c TARPIT)
	check "iptables-$v: no rule is left behind" test "$left" = 0
done
kill "${floods[@]}"
wait "${floods[@]}" 2>/dev/null
cat /tmp/churn-flood-*.out
answered=$(tp_stat syn_ack_sent)
check "the floods were answered while rules existed ($answered SYN/ACKs)" test "$answered" -gt 0

cleanup_wire
trap - EXIT
check "the module unloads after the churn" unload_module

# Memory that a load/unload cycle could leak, each read where that leak
# grows: the per-namespace proc file (the proc_dir_entry cache), the
# per-namespace per-CPU counters (live per-CPU allocations), the module's
# image (vmalloc). Each bound is half of what one leak a cycle would add,
# so such a leak fails it. The targets' registration (one kmalloc'd box a
# load) is one object among the noise of all caches: shown here, judged by
# kmemleak on the debug kernel.
load_module && coresize_kb=$(($(cat /sys/module/xt_TARPIT/coresize) / 1024)) && unload_module
settle_memory
pde0=$(slab_objects proc_dir_entry) objs0=$(slab_objects) pcpu0=$(percpu_allocations)
slab0=$(meminfo SUnreclaim) vmalloc0=$(meminfo VmallocUsed)
errors=0
for i in $(seq "$loads"); do
	insmod "$TARPIT_KO" && rmmod xt_TARPIT || errors=$((errors + 1))
done
settle_memory
pde1=$(slab_objects proc_dir_entry) objs1=$(slab_objects) pcpu1=$(percpu_allocations)
slab1=$(meminfo SUnreclaim) vmalloc1=$(meminfo VmallocUsed)
echo "$loads loads and unloads: proc_dir_entry objects $pde0 -> $pde1, slab objects $objs0 -> $objs1," \
	"per-CPU allocations $pcpu0 -> $pcpu1, unreclaimable slab $slab0 -> $slab1 kB," \
	"vmalloc $vmalloc0 -> $vmalloc1 kB (module image ${coresize_kb} kB)"
check "$loads loads and unloads all succeed" test "$errors" = 0
check "per-CPU allocations and proc entries are counted (CONFIG_PERCPU_STATS, slabinfo)" \
	test -n "$pcpu0" -a -n "$pcpu1" -a -n "$pde0" -a -n "$pde1"
memory_flat "$loads loads and unloads leave no proc entry behind (objects)" $((pde1 - pde0)) $((loads / 2))
# Not held back by KASAN's quarantine: judged on every kernel.
check "$loads loads and unloads leave no per-CPU block behind (allocations +$((pcpu1 - pcpu0)), limit $((loads / 2)))" \
	test $((pcpu1 - pcpu0)) -lt $((loads / 2))
memory_flat "$loads loads and unloads leave no module image behind (vmalloc kB)" \
	$((vmalloc1 - vmalloc0)) $((loads * coresize_kb / 2))
# All caches together: shown (each CPU's current slab of every cache
# counts as in use, more noise than one object a cycle).
echo "info: all slab caches: $((objs1 - objs0)) objects, $((slab1 - slab0)) kB over $loads cycles"
finish

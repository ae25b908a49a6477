#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Memory per held connection on the tarpit host: 10,000 connections held
# against a tarpitted port (handshake done, a window probe each every 5 s,
# all answered with window 0), with connection tracking in use, with and
# without the NOTRACK advice, for our TARPIT and for the C one. The clients
# are raw frames (tarpit-wire hold) from 10,000 addresses, so they hold no
# kernel memory themselves: whatever grows is the tarpit host's. A control
# run with no connections gives the noise. One line per run goes to
# $BENCH_OUT/memory.tsv:
#   module conntrack connections held slab_kb_delta sunreclaim_kb_delta
#   conntrack_entries_delta nf_conntrack_objects_delta
# (held: the connections that answered the probe round before the reading).
. "$(dirname "$0")/../tests/vm/lib.sh"
. "$repo/tests/vm/wirelib.sh"
. "$repo/bench/lib.sh"

connections=${TARPIT_BENCH_CONNECTIONS:-10000}
repeats=${TARPIT_BENCH_MEMORY_REPEATS:-3}
tsv=$out/memory.tsv

# A settled reading: Slab and SUnreclaim (kB), the namespace's conntrack
# entries, and the nf_conntrack cache's objects.
reading() {
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1
	echo "$(awk '$1 == "Slab:" { s = $2 } $1 == "SUnreclaim:" { u = $2 } END { print s, u }' /proc/meminfo)" \
		"$(in_tp cat /proc/sys/net/netfilter/nf_conntrack_count)" \
		"$(awk '$1 == "nf_conntrack" { print $2; f = 1 } END { if (!f) print 0 }' /proc/slabinfo)"
}

# run MODULE CONNTRACK N
run() {
	local module=$1 conntrack=$2 n=$3 log=/tmp/hold.out before during held pid
	use_module "$module" || return 1
	setup_wire || return 1
	in_tp iptables-legacy -A INPUT -d 10.7.1.1 -p tcp --dport 80 -j TARPIT
	# Any conntrack match makes the namespace track connections.
	in_tp iptables-legacy -t mangle -A PREROUTING -m conntrack --ctstate INVALID
	if [ "$conntrack" = notrack ]; then
		in_tp iptables-legacy -t raw -A PREROUTING -d 10.7.1.1 -p tcp --dport 80 -j CT --notrack
		in_tp iptables-legacy -t raw -A OUTPUT -s 10.7.1.1 -p tcp --sport 80 -j CT --notrack
	fi
	before=$(reading)
	in_fz "$WIRE" hold --iface fz0 --dst-mac "$TP_MAC" --dst 10.7.1.1 --dport 80 \
		--count "$n" --seconds 600 --interval 5 >"$log" 2>&1 &
	pid=$!
	# Measured once every connection has answered two probe rounds.
	for _ in $(seq 600); do grep -q '^hold: probe round 2 ' "$log" && break; sleep 0.5; done
	during=$(reading)
	kill "$pid"; wait "$pid" 2>/dev/null
	grep -v '^hold: probe round' "$log"
	# Held when measured: established and still answering (none if the
	# second round never came).
	held=$(sed -n 's/^hold: probe round 2 at [0-9]* s: \([0-9]*\) of .*/\1/p' "$log")
	held=${held:-0}
	set -- $before $during
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$module" "$conntrack" "$n" "$held" \
		$(($5 - $1)) $(($6 - $2)) $(($7 - $3)) $(($8 - $4)) | tee -a "$tsv"
	# The deltas are divided by $n: per held connection only if all were.
	[ "$held" = "$n" ] ||
		echo "bench: FAIL: memory, $module TARPIT, $conntrack: $held of $n connections held when measured"
	in_tp iptables-legacy -F; in_tp iptables-legacy -t raw -F; in_tp iptables-legacy -t mangle -F
	cleanup_wire
}

printf 'module\tconntrack\tconnections\theld\tslab_kb\tsunreclaim_kb\tconntrack_entries\tnf_conntrack_objects\n' >"$tsv"
echo "bench: memory per held connection: $connections connections, and a control run with none; $repeats times"
for _ in $(seq "$repeats"); do
	for module in rust c; do
		for conntrack in notrack tracked; do
			run "$module" "$conntrack" 0 || exit 1
			run "$module" "$conntrack" "$connections" || exit 1
		done
	done
done
! c_loaded || rmmod xt_TARPIT_c

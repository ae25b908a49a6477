#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scanner slowdown: three worm-like connect scanners (bench/scanner.py) run
# at once from the client namespace, each against its own /24 behind the
# tarpit host's FORWARD chain: one /24 tarpitted, one behind REJECT
# --reject-with tcp-reset, one behind DROP. Every probe goes to
# $BENCH_OUT/scan-{tarpit,reject,drop}.tsv.
. "$(dirname "$0")/../tests/vm/lib.sh"
. "$repo/tests/vm/wirelib.sh"

slots=${TARPIT_BENCH_SLOTS:-100}
seconds=${TARPIT_BENCH_SCAN_SECONDS:-300}
out=${BENCH_OUT:?}

load_module || exit 1
setup_wire || exit 1
ip -n "$FZ" route add 10.9.0.0/16 via 10.7.0.2
in_tp iptables-legacy -A FORWARD -d 10.9.1.0/24 -p tcp -j TARPIT
in_tp iptables-legacy -A FORWARD -d 10.9.2.0/24 -p tcp -j REJECT --reject-with tcp-reset
in_tp iptables-legacy -A FORWARD -d 10.9.3.0/24 -j DROP
echo "bench: scanner slowdown: $slots slots per scanner, $seconds s;" \
	"client defaults: tcp_syn_retries $(in_fz cat /proc/sys/net/ipv4/tcp_syn_retries)," \
	"tcp_retries2 $(in_fz cat /proc/sys/net/ipv4/tcp_retries2)"
pids=()
for pair in tarpit:1 reject:2 drop:3; do
	in_fz python3 "$repo/bench/scanner.py" "10.9.${pair#*:}" 80 "$slots" "$seconds" \
		"$out/scan-${pair%:*}.tsv" &
	pids+=($!)
done
wait "${pids[@]}"
in_tp iptables-legacy -L FORWARD -v -n -x

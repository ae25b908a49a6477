#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Per-packet cost, in the VM: the same flood of SYNs (and of ACKs) at one
# address, answered in turn by our TARPIT in each mode, xtables-addons'
# TARPIT in C in each mode, REJECT --reject-with tcp-reset, and DROP (the
# floor). Trials are interleaved over rounds, so that drift of the host hits
# every target alike. One line per trial goes to $BENCH_OUT/packets.tsv:
#   round target family kind sent seconds replies busy_ticks
# (busy_ticks: non-idle CPU time of the whole VM, in USER_HZ ticks).
. "$(dirname "$0")/../tests/vm/lib.sh"
. "$repo/tests/vm/wirelib.sh"
. "$repo/bench/lib.sh"

rounds=${TARPIT_BENCH_ROUNDS:-5}
count=${TARPIT_BENCH_PACKETS:-200000}
targets="rust-tarpit rust-honeypot rust-reset c-tarpit c-honeypot c-reset reject drop"
# SYNs for both families; ACKs (the tarpit's steady state) for IPv4.
flows="4:syn 6:syn 4:ack"
tsv=$out/packets.tsv

# set_rule TARGET FAMILY: the one rule of the trial.
set_rule() {
	local ipt=iptables-legacy dst=10.7.1.1 jump
	[ "$2" = 6 ] && ipt=ip6tables-legacy dst=fd07:1::1
	in_tp iptables-legacy -F INPUT && in_tp ip6tables-legacy -F INPUT || return 1
	case $1 in
	*-tarpit) jump=(TARPIT --tarpit) ;;
	*-honeypot) jump=(TARPIT --honeypot) ;;
	*-reset) jump=(TARPIT --reset) ;;
	reject) jump=(REJECT --reject-with tcp-reset) ;;
	drop) jump=(DROP) ;;
	esac
	use_module "${1%%-*}" && in_tp "$ipt" -A INPUT -d "$dst" -p tcp -j "${jump[@]}"
}

rx_packets() { in_fz cat /sys/class/net/fz0/statistics/rx_packets; }
# Waits until no more replies arrive (the backlog is drained).
settle() {
	local before after=$(rx_packets) i
	for i in $(seq 50); do
		sleep 0.1
		before=$after after=$(rx_packets)
		[ "$before" = "$after" ] && return
	done
}

# flood FAMILY KIND COUNT: prints the flooder's report.
flood() {
	local dst=10.7.1.1 ack=
	[ "$1" = 6 ] && dst=fd07:1::1
	[ "$2" = ack ] && ack=--ack
	# On one CPU: the sender, and the softirq work it triggers, stay there.
	in_fz taskset -c 1 "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst "$dst" --dport 80 \
		$ack --count "$3" --seconds 600
}

trial() {
	local round=$1 target=$2 family=$3 kind=$4 report r0 r1 sent secs busy ticks
	set_rule "$target" "$family" || { echo "bench: cannot set up $target"; return 1; }
	# Warm caches and routes first; not measured.
	flood "$family" "$kind" $((count / 10)) >/dev/null && settle
	r0=$(rx_packets)
	report=$(flood "$family" "$kind" "$count") || return 1
	settle
	r1=$(rx_packets)
	# "flood: sent N SYN segments (B IP bytes) in S s (R/s), ..." and
	# "flood: cpu C busy B of T ticks"
	sent=$(sed -n 's/^flood: sent \([0-9]*\) .* in \([0-9.]*\) s .*/\1 \2/p' <<<"$report")
	secs=${sent#* } sent=${sent% *}
	busy=$(sed -n 's/^flood: cpu [0-9]* busy \([0-9]*\) of \([0-9]*\) ticks/\1 \2/p' <<<"$report")
	ticks=${busy#* } busy=${busy% *}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$family" "$kind" \
		"$sent" "$secs" $((r1 - r0)) "$busy" "$ticks" | tee -a "$tsv"
}

setup_wire || { echo "bench: the test network cannot be set up"; exit 1; }
printf 'round\ttarget\tfamily\tkind\tsent\tseconds\treplies\tcpu_busy\tcpu_ticks\n' >"$tsv"
echo "bench: per-packet cost: $rounds rounds of $count segments per target and flow"
for round in $(seq "$rounds"); do
	# Alternate the order, so that neither module always goes first.
	order=$targets
	((round % 2)) || order=$(tr ' ' '\n' <<<"$targets" | tac | tr '\n' ' ')
	for flow in $flows; do
		for target in $order; do
			trial "$round" "$target" "${flow%:*}" "${flow#*:}" || exit 1
		done
	done
done
in_tp iptables-legacy -F INPUT; in_tp ip6tables-legacy -F INPUT
! c_loaded || rmmod xt_TARPIT_c

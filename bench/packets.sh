#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Per-packet cost, in the VM: the same flood of SYNs (and of ACKs) at one
# address, answered in turn by our TARPIT in each mode, xtables-addons'
# TARPIT in C in each mode, REJECT --reject-with tcp-reset, and DROP (the
# floor). Trials are interleaved over rounds, so that drift of the host hits
# every target alike. One line per trial goes to $BENCH_OUT/packets.tsv:
#   round target family kind sent seconds replies cpu_busy cpu_ticks other_replies
# (replies: TCP replies of the kind the target gives, to the flood's sources,
# as the flooder captured them; seconds: from its first segment to the last
# of those replies, or to its last segment if later; other_replies: TCP
# replies of any other kind; cpu_*: the sending CPU's time while sending,
# in USER_HZ ticks).
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

# expected_reply TARGET KIND: the reply the target gives a segment of KIND,
# as the flooder names it (none for DROP).
expected_reply() {
	case $1 in
	*-reset | reject) echo RST ;;
	drop) echo none ;;
	*) if [ "$2" = syn ]; then echo SYN/ACK; else echo ACK; fi ;;
	esac
}

# flood FAMILY KIND COUNT: prints the flooder's report; it returns once the
# replies are over (the backlog is drained).
flood() {
	local dst=10.7.1.1 ack=
	[ "$1" = 6 ] && dst=fd07:1::1
	# With a byte of data, which every TARPIT answers (ours answers an ACK
	# without data only from a client of its own: no reply is answered).
	[ "$2" = ack ] && ack="--ack --data 1"
	# On one CPU: the sender, and the softirq work it triggers, stay there.
	in_fz taskset -c 1 "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst "$dst" --dport 80 \
		$ack --count "$3" --seconds 600
}

trial() {
	local round=$1 target=$2 family=$3 kind=$4 expected report sent secs busy ticks lost
	local replies=0 other=0 n what until
	set_rule "$target" "$family" || { echo "bench: cannot set up $target"; return 1; }
	expected=$(expected_reply "$target" "$kind")
	# Warm caches and routes first; not measured.
	flood "$family" "$kind" $((count / 10)) >/dev/null || return 1
	report=$(flood "$family" "$kind" "$count") || return 1
	# "flood: sent N SYN segments (B IP bytes) in S s (R/s), ...",
	# "flood: cpu C busy B of T ticks", for each kind of reply
	# "flood: N KIND replies to our sources; sent and answered in S s", and
	# "flood: the capture of replies lost N frames"
	sent=$(sed -n 's/^flood: sent \([0-9]*\) .* in \([0-9.]*\) s .*/\1 \2/p' <<<"$report")
	secs=${sent#* } sent=${sent% *}
	busy=$(sed -n 's/^flood: cpu [0-9]* busy \([0-9]*\) of \([0-9]*\) ticks/\1 \2/p' <<<"$report")
	ticks=${busy#* } busy=${busy% *}
	lost=$(sed -n 's/^flood: the capture of replies lost \([0-9]*\) frames$/\1/p' <<<"$report")
	if [ "$lost" != 0 ]; then
		echo "bench: FAIL: $target, IPv$family $kind flood: the capture of replies lost ${lost:-all} frames" \
			"(fewer TARPIT_BENCH_PACKETS?)"
		return 1
	fi
	while read -r n what until; do
		if [ "$what" = "$expected" ]; then
			replies=$n secs=$until
		else
			other=$((other + n))
		fi
	done < <(sed -n 's/^flood: \([0-9]*\) \(.*\) replies to our sources; sent and answered in \([0-9.]*\) s$/\1 \2 \3/p' \
		<<<"$report")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$family" "$kind" \
		"$sent" "$secs" "$replies" "$busy" "$ticks" "$other" | tee -a "$tsv"
}

setup_wire || { echo "bench: the test network cannot be set up"; exit 1; }
printf 'round\ttarget\tfamily\tkind\tsent\tseconds\treplies\tcpu_busy\tcpu_ticks\tother_replies\n' >"$tsv"
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

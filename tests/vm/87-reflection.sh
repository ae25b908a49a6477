#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Reflection: a tarpit answering spoofed segments sends its replies to the
# spoofed victim. Measured per mode and segment kind: bytes and packets out
# per byte and packet in (never above 1: a reply carries no options or data
# and answers one segment at most). Then -m hashlimit in front of TARPIT
# caps what one victim receives, whatever the attacker sends.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wirelib.sh"

VICTIM=10.8.0.1
load_module || { fail "the module loads"; finish; }
setup_wire || { fail "the test network is set up"; finish; }
wire_rules legacy || { fail "TARPIT rules for every mode"; finish; }
# Count what comes from the victim's address and what leaves toward it
# (replies pass OUTPUT): rules without a target only count.
in_tp iptables-legacy -I INPUT -s "$VICTIM" -p tcp
in_tp iptables-legacy -A OUTPUT -d "$VICTIM" -p tcp

# counter CHAIN FIELD: packets (1) or bytes (2) of the first rule of CHAIN.
counter() { in_tp iptables-legacy -L "$1" 1 -v -x -n | awk -v f="$2" '{ print $f }'; }
in_packets() { counter INPUT 1; }
in_bytes() { counter INPUT 2; }
out_packets() { counter OUTPUT 1; }
out_bytes() { counter OUTPUT 2; }

n=$(scaled 2000 5000)
printf '%-9s %-22s %9s %9s %10s %10s %6s %6s\n' mode segment pkts-in pkts-out bytes-in bytes-out pkts bytes
for target in 10.7.1.1:tarpit 10.7.1.2:honeypot 10.7.1.3:reset; do
	addr=${target%%:*} mode=${target#*:}
	for kind in "SYN:" "SYN, 20 bytes of options:--options 20" "ACK:--ack" "ACK, 200 bytes of data:--ack --data 200"; do
		label=${kind%%:*} args=${kind#*:}
		pi=$(in_packets) bi=$(in_bytes) po=$(out_packets) bo=$(out_bytes)
		in_fz "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst "$addr" --dport 80 \
			--src "$VICTIM" --count "$n" --seconds 60 $args >/dev/null
		pi=$(($(in_packets) - pi)) bi=$(($(in_bytes) - bi))
		po=$(($(out_packets) - po)) bo=$(($(out_bytes) - bo))
		ratio_p=$(awk -v o="$po" -v i="$pi" 'BEGIN { printf "%.2f", i ? o / i : 0 }')
		ratio_b=$(awk -v o="$bo" -v i="$bi" 'BEGIN { printf "%.2f", i ? o / i : 0 }')
		printf '%-9s %-22s %9d %9d %10d %10d %6s %6s\n' "$mode" "$label" "$pi" "$po" "$bi" "$bo" "$ratio_p" "$ratio_b"
		if ((pi == 0)) || ((po > pi)) || ((bo > bi)); then
			fail "$mode, $label: at most one packet and byte out per packet and byte in ($po/$pi packets, $bo/$bi bytes)"
		else
			pass "$mode, $label: amplification $ratio_p in packets, $ratio_b in bytes"
		fi
	done
done

# hashlimit: each source address gets 10 replies a second after a burst of
# 20; more SYNs than that from one victim are dropped before TARPIT.
rate=10 burst=20
in_tp iptables-legacy -I INPUT -d 10.7.1.1 -p tcp -m hashlimit --hashlimit-above "$rate/sec" \
	--hashlimit-burst "$burst" --hashlimit-mode srcip --hashlimit-name tarpit -j DROP
po=$(out_packets)
start=$(date +%s.%N)
out=$(in_fz "$WIRE" flood --iface fz0 --dst-mac "$TP_MAC" --dst 10.7.1.1 --dport 80 --src "$VICTIM" \
	--seconds "$(scaled 3 10)")
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
po=$(($(out_packets) - po))
sent=$(sed -n 's/^flood: sent \([0-9]*\) .*/\1/p' <<<"$out")
# The most the limit lets through in the time the flood took, rounded up.
cap=$(awk -v b="$burst" -v r="$rate" -v t="$elapsed" 'BEGIN { printf "%d", b + r * (t + 1) }')
echo "hashlimit $rate/s burst $burst: $sent SYNs from one victim in $elapsed s, $po replies to it (cap $cap)"
check "hashlimit caps the replies to one victim ($po <= $cap of $sent SYNs)" test "$po" -le "$cap"
check "hashlimit still lets the first $burst through ($po)" test "$po" -ge "$burst"
finish

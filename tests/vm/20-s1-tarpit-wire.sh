#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S1 on the wire: `iptables -A INPUT -p tcp -m tcp --dport 135 -j TARPIT`,
# and the same with ip6tables, legacy and nft. Hand-made segments of every
# kind get exactly the reply the tarpit mode prescribes (tests/vm/s1_wire.py).
# (Reading xtables-addons' code, its tarpit mode never answers over IPv6.)
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v"
	in_srv "iptables-$v" -A INPUT -p tcp -m tcp --dport 135 -j TARPIT ||
		{ fail "iptables-$v accepts the S1 rule"; continue; }
	# A rule without target only counts: the replies must pass OUTPUT.
	in_srv "iptables-$v" -A OUTPUT -p tcp --sport 135
	if ! in_cli python3 "$repo/tests/vm/s1_wire.py" "$CLI4" "$SRV4" 135; then
		fail "the S1 wire behaviour with iptables-$v (see above)"
		dump_rules "$v"
	fi
	n=$(in_srv "iptables-$v" -L OUTPUT -v -n -x | awk '/spt:135/ { print $1 }')
	((${n:-0} > 0)) && pass "the replies passed the OUTPUT chain ($n packets)" ||
		fail "the replies pass through LOCAL_OUT, where an OUTPUT rule counts them; it counted ${n:-0}"
	in_srv "iptables-$v" -F INPUT
	in_srv "iptables-$v" -F OUTPUT

	echo "--- ip6tables-$v"
	in_srv "ip6tables-$v" -A INPUT -p tcp -m tcp --dport 135 -j TARPIT ||
		{ fail "ip6tables-$v accepts the S1 rule"; continue; }
	if ! in_cli python3 "$repo/tests/vm/s1_wire.py" fd00::1 fd00::2 135; then
		fail "the S1 wire behaviour over IPv6 with ip6tables-$v (see above)"
		in_srv "ip6tables-$v" -L -v -n
	fi
	in_srv "ip6tables-$v" -F INPUT
done
finish

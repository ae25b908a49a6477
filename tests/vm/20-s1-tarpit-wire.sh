#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S1 on the wire: `iptables -A INPUT -p tcp -m tcp --dport 135 -j TARPIT`,
# with iptables-legacy and iptables-nft. Hand-made segments of every kind
# get exactly the reply the tarpit mode prescribes (tests/vm/s1_wire.py).
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v"
	in_srv "iptables-$v" -A INPUT -p tcp -m tcp --dport 135 -j TARPIT ||
		{ fail "iptables-$v accepts the S1 rule"; continue; }
	if ! in_cli python3 "$repo/tests/vm/s1_wire.py" "$CLI4" "$SRV4" 135; then
		fail "the S1 wire behaviour with iptables-$v (see above)"
		dump_rules "$v"
	fi
	in_srv "iptables-$v" -F INPUT
done
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The --honeypot and --reset modes on the wire (tests/vm/modes_wire.py), for
# IPv4 and IPv6, with iptables/ip6tables legacy and nft.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }

for v in $IPTABLES_VARIANTS; do
	for ipt in iptables ip6tables; do
		echo "--- $ipt-$v"
		src=$CLI4 dst=$SRV4
		[ "$ipt" = ip6tables ] && src=fd00::1 dst=fd00::2
		in_srv "$ipt-$v" -A INPUT -p tcp --dport 136 -j TARPIT --honeypot &&
			in_srv "$ipt-$v" -A INPUT -p tcp --dport 137 -j TARPIT --reset ||
			{ fail "$ipt-$v accepts the honeypot and reset rules"; continue; }
		in_cli python3 "$repo/tests/vm/modes_wire.py" "$src" "$dst" 136 137 ||
			{ fail "the honeypot and reset modes with $ipt-$v (see above)"; in_srv "$ipt-$v" -L -v -n; }
		in_srv "$ipt-$v" -F INPUT
	done
done
finish

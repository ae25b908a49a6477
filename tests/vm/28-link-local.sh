#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# IPv6 link-local peers: a real client connecting to the tarpit's fe80::
# address over their link is held (the reply is routed out of the
# interface the segment came in by); the same with the tarpit's interface
# in a VRF, for its link-local and its global address. iptables legacy
# and nft; no reply is counted as failed.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
ip -n "$CLI" addr add fe80::1/64 dev veth0 nodad && ip -n "$SRV" addr add fe80::2/64 dev veth0 nodad ||
	fail "link-local addresses are set"

# held WHAT DST: a client from $CLI to DST port 135 is held.
held() {
	in_cli python3 "$repo/tests/vm/held_client.py" veth0 "$2" 135 --hold 2 >/tmp/ll.out 2>&1
	local rc=$?
	sed 's/^/    /' /tmp/ll.out
	check "$1" test "$rc" = 0
}
route_failed() { in_srv awk '$1 == "no_reply_route_failed" { print $2 }' /proc/net/xt_TARPIT; }

for vrf in "" "in a VRF"; do
	if [ -n "$vrf" ]; then
		ip -n "$SRV" link add vrf-blue type vrf table 10 && ip -n "$SRV" link set vrf-blue up &&
			ip -n "$SRV" link set veth0 master vrf-blue ||
			{ fail "the tarpit's interface goes into a VRF"; continue; }
		# Enslaving may have flushed the addresses.
		ip -n "$SRV" addr replace fe80::2/64 dev veth0 nodad
		ip -n "$SRV" addr replace fd00::2/64 dev veth0 nodad
	fi
	for v in $IPTABLES_VARIANTS; do
		in_srv "ip6tables-$v" -A INPUT -p tcp --dport 135 -j TARPIT ||
			{ fail "ip6tables-$v accepts a TARPIT rule"; continue; }
		held "ip6tables-$v${vrf:+, $vrf}: a client connecting to the tarpit's link-local address is held" \
			fe80::2%veth0
		[ -n "$vrf" ] &&
			held "ip6tables-$v, $vrf: a client connecting to the tarpit's global address is held" fd00::2
		flush_rules "$SRV"
	done
done
check "no reply was counted as failed (no_reply_route_failed $(route_failed))" test "$(route_failed)" = 0
finish

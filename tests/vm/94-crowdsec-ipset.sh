#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# crowdsec's firewall bouncer with `deny_action: TARPIT`: Debian's bouncer
# (0.0.25) turns that into DROP, so this drives the exact rules and sets
# upstream's bouncer (0.0.28 and later, mode iptables, ipset_type nethash)
# makes, with Debian's ipset, iptables-legacy and iptables-nft, IPv4 and
# IPv6: "ipset create crowdsec-blacklists hash:net timeout 300" (and
# crowdsec6-blacklists, family inet6), "-I INPUT -m set --match-set
# crowdsec-blacklists src -j TARPIT" (no -p). A decision adds the client's
# address with a timeout: its TCP is held, its UDP and echo requests are
# dropped, a client not listed reaches the service; deleting the decision
# lets it through; removing the rules and sets leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/managers.sh"

command -v ipset >/dev/null || skip "ipset is not installed on the host (scripts/setup-toolchain installs it)"
load_module || { fail "the module loads"; finish; }
setup_managed_hosts || { fail "the test namespaces are set up"; finish; }

for v in $IPTABLES_VARIANTS; do
	echo "--- crowdsec's rules, iptables-$v"
	if ! in_srv ipset create crowdsec-blacklists hash:net timeout 300 ||
		! in_srv ipset create crowdsec6-blacklists hash:net timeout 300 family inet6; then
		fail "ipset creates the bouncer's sets"
		continue
	fi
	ok=1
	for x in iptables ip6tables; do
		set=crowdsec-blacklists
		[ "$x" = ip6tables ] && set=crowdsec6-blacklists
		out=$(in_srv "$x-$v" -I INPUT -m set --match-set "$set" src -j TARPIT 2>&1) &&
			pass "$x-$v accepts the bouncer's rule '-I INPUT -m set --match-set $set src -j TARPIT'" ||
			{ fail "$x-$v accepts the bouncer's rule; it said: $out"; ok=0; }
	done
	((ok)) || { in_srv ipset destroy 2>/dev/null; continue; }
	check "$v: no decision yet: the client reaches the service" reaches "$CLI" "$SRV4" 22
	# A ban decision for 10.0.0.1 and fd00::1, as the bouncer adds it.
	in_srv ipset add crowdsec-blacklists "$CLI4" timeout 240 &&
		in_srv ipset add crowdsec6-blacklists fd00::1 timeout 240 || fail "ipset adds the decisions"
	held "$CLI" veth0 "$SRV4" 22 || fail "$v: the client under a decision is held over IPv4 (see above)"
	held "$CLI" veth0 fd00::2 22 || fail "$v: and over IPv6 (see above)"
	check "$v: its UDP and echo requests are dropped (IPv4)" silent "$CLI" "$SRV4"
	check "$v: and over IPv6" silent "$CLI" fd00::2
	check "$v: a client without a decision reaches the service (IPv4)" reaches "$OTHER" 10.0.1.2 22
	check "$v: and over IPv6" reaches "$OTHER" fd01::2 22
	in_srv ipset del crowdsec-blacklists "$CLI4" && in_srv ipset del crowdsec6-blacklists fd00::1
	check "$v: once the decision is deleted, the client reaches the service (IPv4)" reaches "$CLI" "$SRV4" 22
	check "$v: and over IPv6" reaches "$CLI" fd00::2 22
	# What the bouncer does when it stops.
	in_srv "iptables-$v" -D INPUT -m set --match-set crowdsec-blacklists src -j TARPIT &&
		in_srv "ip6tables-$v" -D INPUT -m set --match-set crowdsec6-blacklists src -j TARPIT &&
		in_srv ipset destroy crowdsec-blacklists && in_srv ipset destroy crowdsec6-blacklists ||
		fail "$v: the bouncer's rules and sets are removed"
	check "$v: no TARPIT rule is left" no_rules_left "$SRV"
done
finish

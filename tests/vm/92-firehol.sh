#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# firehol (Debian's package, which runs iptables-legacy only) with TARPIT
# as the action of a service, an interface's policy and a router's policy,
# IPv4 and IPv6 (firehol writes both), started and stopped by its own
# binary with the configuration below (/etc/default/firehol says
# START_FIREHOL=YES, as the admin sets it):
#  - `firehol CONF start` succeeds (its mirrored OUTPUT rules and
#    `policy tarpit` without -p are accepted: firehol's issue #203);
#  - world (veth0, $CLI): `policy tarpit`: the client is held on port 22,
#    its UDP and echo requests are dropped; port 80 is served;
#  - lan (veth1, $OTHER): `server ssh tarpit`: held on port 22; port 80
#    is served;
#  - a router section tarpits the unused subnet 10.9.0.0/24 (fd09::/64)
#    behind the host: a client's connection to it is held;
#  - `firehol stop` removes every rule.
# One setting is needed for `policy tarpit` (see the configuration).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/managers.sh"

command -v firehol >/dev/null || skip "firehol is not installed on the host (scripts/setup-toolchain installs it)"
load_module || { fail "the module loads"; finish; }
setup_managed_hosts || { fail "the test namespaces are set up"; finish; }
in_srv sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
in_srv ip link add dark0 type dummy && in_srv ip link set dark0 up &&
	in_srv ip route add 10.9.0.0/24 dev dark0 && in_srv ip -6 route add fd09::/64 dev dark0 ||
	fail "the unused subnet behind the host is set up"

fh=/tmp/firehol
mkdir -p "$fh"
cat >"$fh/firehol.conf" <<'EOT'
version 6

# A tarpitted client's ACKs belong to no tracked connection (the tarpit
# keeps none): firehol would drop them as orphans before a TARPIT policy
# sees them, and the client would get its SYN/ACK but no zero-window ACK.
FIREHOL_DROP_ORPHAN_TCP_ACK=0

# IPv6 needs neighbour discovery, as firehol's documentation says.
interface veth0 world
	policy tarpit
	server ipv6neigh accept
	client ipv6neigh accept
	server http accept

interface veth1 lan
	server ipv6neigh accept
	client ipv6neigh accept
	server ssh tarpit
	server http accept

router world2dark inface veth0 outface dark0
	policy tarpit
EOT
# firehol CMD...: firehol as the admin runs it once enabled, with its spool
# on a tmpfs (the VM's root is read-only).
firehol_run() {
	in_srv sh -c 'echo START_FIREHOL=YES >"$1/default" && mount --bind "$1/default" /etc/default/firehol &&
		mount -t tmpfs tmpfs /var/spool && shift && exec firehol "$@"' sh "$fh" "$@"
}

if out=$(firehol_run "$fh/firehol.conf" start 2>&1); then
	pass "firehol $fh/firehol.conf start succeeds: $(grep -o 'FireHOL: Activating ipv[46] rules.*OK' <<<"$out" | tr -s ' ' | paste -sd ';')"
	for x in iptables ip6tables; do
		n=$(in_srv "$x-legacy-save" | grep -c -- '-j TARPIT')
		echo "    $x-legacy: $n TARPIT rules, e.g.:"
		in_srv "$x-legacy-save" | grep -E -- '-A (in|out)_(world|lan)( -p tcp --sport 22| -j TARPIT)' | head -n 4 | sed 's/^/      /'
	done
	held "$CLI" veth0 "$SRV4" 22 || fail "world, policy tarpit: the client is held on port 22 over IPv4 (see above)"
	held "$CLI" veth0 fd00::2 22 || fail "world, policy tarpit: the client is held on port 22 over IPv6 (see above)"
	not_tcp=$(in_srv awk '$1 == "no_reply_not_tcp" { print $2 }' /proc/net/xt_TARPIT)
	check "world, policy tarpit: the client's UDP and echo requests are dropped (IPv4)" silent "$CLI" "$SRV4"
	check "world, policy tarpit: and over IPv6" silent "$CLI" fd00::2
	after=$(in_srv awk '$1 == "no_reply_not_tcp" { print $2 }' /proc/net/xt_TARPIT)
	check "world, policy tarpit: by TARPIT, as not TCP (no_reply_not_tcp $not_tcp -> $after)" \
		test "$after" -ge $((not_tcp + 4))
	check "world: port 80 (server http accept) is served over IPv4" reaches "$CLI" "$SRV4" 80
	check "world: and over IPv6" reaches "$CLI" fd00::2 80
	held "$OTHER" veth1 10.0.1.2 22 || fail "lan, server ssh tarpit: the client is held on port 22 over IPv4 (see above)"
	held "$OTHER" veth1 fd01::2 22 || fail "lan, server ssh tarpit: the client is held on port 22 over IPv6 (see above)"
	check "lan: port 80 (server http accept) is served over IPv4" reaches "$OTHER" 10.0.1.2 80
	check "lan: and over IPv6" reaches "$OTHER" fd01::2 80
	held "$CLI" veth0 10.9.0.5 135 ||
		fail "router world2dark, policy tarpit: a connection to the unused 10.9.0.5 is held (see above)"
	held "$CLI" veth0 fd09::5 135 ||
		fail "router world2dark, policy tarpit: a connection to the unused fd09::5 is held (see above)"
	if out=$(firehol_run stop 2>&1); then
		pass "firehol stop succeeds"
	else
		fail "firehol stop succeeds; it said: $out"
	fi
	check "firehol stop leaves no TARPIT rule" no_rules_left "$SRV"
	check "after firehol stop, port 22 is served" reaches "$CLI" "$SRV4" 22
else
	fail "firehol $fh/firehol.conf start succeeds; it said:"
	tail -n 25 <<<"$out"
fi
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The rule shapes firewall managers write, on the wire, with iptables-legacy
# and iptables-nft, IPv4 and IPv6:
#  - a ban list's rule without -p ("-I INPUT -s CLIENT -j TARPIT", as
#    fail2ban inserts it): the banned client's TCP is held, its UDP and
#    ICMP are dropped without a word (no port unreachable, no echo reply);
#  - a service tarpitted with its replies mirrored into OUTPUT under a DROP
#    policy (firehol's "server ssh tarpit"): the tarpit's own replies pass
#    the mirrored TARPIT rule (they are the service's ESTABLISHED replies),
#    and the client is held; what the host itself would send on such a
#    flow is dropped and counted (no_reply_output).
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
trap cleanup_hosts EXIT

stat_of() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }

# nd_out IPTABLES: what any OUTPUT policy of DROP comes with over IPv6: the
# host's own neighbour solicitations and advertisements.
nd_out() {
	[ "${1#ip6}" = "$1" ] && return 0
	in_srv "$1" -A OUTPUT -p icmpv6 --icmpv6-type neighbour-solicitation -j ACCEPT &&
		in_srv "$1" -A OUTPUT -p icmpv6 --icmpv6-type neighbour-advertisement -j ACCEPT
}

# silent DST: UDP to a closed port and an echo request get no answer.
silent() { in_cli python3 "$repo/tests/vm/silent.py" "$1"; }

for v in $IPTABLES_VARIANTS; do
	for fam in 4 6; do
		x=iptables-$v cli=$CLI4 srv=$SRV4
		[ "$fam" = 6 ] && x=ip6tables-$v cli=fd00::1 srv=fd00::2
		echo "--- $x"
		# Without a rule, UDP and echo requests are answered: the check
		# below can fail.
		if silent "$srv" >/dev/null; then
			fail "IPv$fam: without a rule the tarpit host answers UDP to a closed port and an echo request"
		fi

		# A ban, as fail2ban's iptables-multiport action inserts it.
		if out=$(in_srv "$x" -I INPUT 1 -s "$cli" -j TARPIT 2>&1); then
			pass "$x accepts the ban '-I INPUT 1 -s $cli -j TARPIT'"
			# Neither side knows the other's MAC: over IPv6 the banned
			# client's neighbour discovery must pass the ban (to the
			# next rule), or nothing could be answered.
			ip -n "$CLI" neigh flush dev veth0
			ip -n "$SRV" neigh flush dev veth0
			not_tcp=$(stat_of no_reply_not_tcp)
			in_cli python3 "$repo/tests/vm/held_client.py" veth0 "$srv" 22 --hold 3 ||
				fail "IPv$fam, $x: the banned client is held on port 22 (see above)"
			check "IPv$fam, $x: the banned client's UDP and echo requests get no answer" silent "$srv"
			after=$(stat_of no_reply_not_tcp)
			check "IPv$fam, $x: both, and nothing else (neighbour discovery passed on), are counted as not TCP (no_reply_not_tcp $not_tcp -> $after)" \
				test "$after" = $((not_tcp + 2))
		else
			fail "$x accepts the ban '-I INPUT 1 -s $cli -j TARPIT'; it said: $out"
		fi
		in_srv "$x" -F INPUT

		# A tarpitted service with its replies mirrored into OUTPUT, under
		# a DROP policy.
		if in_srv "$x" -A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW,ESTABLISHED -j TARPIT &&
			out=$(in_srv "$x" -A OUTPUT -p tcp --sport 22 -m conntrack --ctstate ESTABLISHED -j TARPIT 2>&1) &&
			in_srv "$x" -A OUTPUT -o lo -j ACCEPT && nd_out "$x" && in_srv "$x" -P OUTPUT DROP; then
			ip -n "$CLI" neigh flush dev veth0
			ip -n "$SRV" neigh flush dev veth0
			pass "$x accepts a TARPIT rule mirrored into OUTPUT"
			in_cli python3 "$repo/tests/vm/held_client.py" veth0 "$srv" 22 --hold 3 ||
				fail "IPv$fam, $x: with the mirrored rule and OUTPUT's DROP policy, the client is held (see above)"
			# The host's own segments of such a flow: a listener on
			# 2222, mirrored the same way, answers nothing.
			in_srv "$x" -A OUTPUT -p tcp --sport 2222 -j TARPIT
			in_srv "$x" -I INPUT 1 -p tcp --dport 2222 -j ACCEPT
			output=$(stat_of no_reply_output)
			out=$(in_srv timeout 10 python3 -c '
import socket, sys
fam = socket.AF_INET if sys.argv[1] == "4" else socket.AF_INET6
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 2222)); s.listen(); s.settimeout(4); s.accept()' "$fam" 2>&1 &
				sleep 0.5
				in_cli python3 -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 2222), timeout=2)
    print("connected")
except OSError as e:
    print(type(e).__name__)' "$srv"
				wait)
			after=$(stat_of no_reply_output)
			check "IPv$fam, $x: a real listener's SYN/ACK, matched by TARPIT in OUTPUT, never reaches the client (${out%%$'\n'*})" \
				test "${out%%$'\n'*}" = TimeoutError
			check "IPv$fam, $x: and is counted as no_reply_output ($output -> $after)" test "$after" -gt "$output"
		else
			fail "$x accepts a TARPIT rule mirrored into OUTPUT under a DROP policy; it said: $out"
		fi
		in_srv "$x" -P OUTPUT ACCEPT
		in_srv "$x" -F INPUT
		in_srv "$x" -F OUTPUT
	done
done
finish

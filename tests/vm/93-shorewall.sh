#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shorewall (Debian's package) with TARPIT in its rules file, checked,
# started and cleared by its own binary from a configuration directory,
# with iptables-legacy and iptables-nft (shorewall.conf's IPTABLES=):
#  - `shorewall check` and `shorewall start` succeed, and `shorewall show
#    capabilities` says the TARPIT target is available;
#  - net (veth0, $CLI): TARPIT on port 22 holds the client; TARPIT(honeypot)
#    on 23 and TARPIT(reset) on 24 answer as those modes prescribe
#    (modes_wire.py); port 80 is served; other traffic meets the net
#    policy (DROP): UDP and echo requests get nothing;
#  - loc (veth1, $OTHER): SSH(TARPIT), the macro form, holds the client;
#  - a rule whose source is $FW (TARPIT $FW net tcp 25: the host's own
#    outgoing SMTP) drops the host's SYN without a word, counted as
#    no_reply_output;
#  - `shorewall clear` removes every rule.
# IPv4 only: IPv6 is shorewall6, another product.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/managers.sh"

command -v shorewall >/dev/null || skip "shorewall is not installed on the host (scripts/setup-toolchain installs it)"
load_module || { fail "the module loads"; finish; }
setup_managed_hosts || { fail "the test namespaces are set up"; finish; }

sw=/tmp/shorewall
rm -rf "$sw" && mkdir -p "$sw"
# Its state directory, which the package makes, and the system log it reads
# (the VM's /var/lib and /var/log are empty).
mkdir -p /var/lib/shorewall && touch /var/log/messages
sed 's/^IPTABLES=.*/IPTABLES=@IPTABLES@/; s|^LOGFILE=.*|LOGFILE=/var/log/shorewall.log|' \
	/etc/shorewall/shorewall.conf >"$sw/shorewall.conf.in"
cat >"$sw/zones" <<'EOT'
fw	firewall
net	ipv4
loc	ipv4
EOT
# (No tcpflags on net: it would drop modes_wire.py's flagless segment
# before TARPIT sees it.)
cat >"$sw/interfaces" <<'EOT'
?FORMAT 2
net	veth0	nosmurfs
loc	veth1	tcpflags
EOT
cat >"$sw/policy" <<'EOT'
$FW	all	ACCEPT
loc	all	ACCEPT
net	all	DROP
all	all	REJECT
EOT
# Honeypot and reset in the ALL section: modes_wire.py's segments are of
# every conntrack state (a FIN, an ACK of no connection), which the NEW
# section would not see.
cat >"$sw/rules" <<'EOT'
?SECTION ALL
TARPIT(honeypot)	net	$FW	tcp	23
TARPIT(reset)		net	$FW	tcp	24
?SECTION NEW
TARPIT			net	$FW	tcp	22
HTTP(ACCEPT)		net	$FW
# modes_wire.py's barrier: a closed port whose RST tells that no more replies come.
ACCEPT			net	$FW	tcp	9
SSH(TARPIT)		loc	$FW
# The host's own outgoing SMTP, tarpitted: dropped without a word.
TARPIT			$FW	net	tcp	25
EOT
shorewall_run() { in_srv shorewall "$@"; }

stat_of() { in_srv awk -v k="$1" '$1 == k { print $2 }' /proc/net/xt_TARPIT; }

for v in $IPTABLES_VARIANTS; do
	echo "--- shorewall, iptables-$v"
	sed "s|@IPTABLES@|/usr/sbin/iptables-$v|" "$sw/shorewall.conf.in" >"$sw/shorewall.conf"
	if out=$(shorewall_run check "$sw" 2>&1); then
		pass "$v: shorewall check $sw succeeds: $(tail -n 1 <<<"$out")"
	else
		fail "$v: shorewall check $sw succeeds; it said: $(tail -n 15 <<<"$out")"
	fi
	if ! out=$(shorewall_run start "$sw" 2>&1); then
		fail "$v: shorewall start $sw succeeds; it said: $(tail -n 15 <<<"$out")"
		shorewall_run clear >/dev/null 2>&1
		continue
	fi
	pass "$v: shorewall start $sw succeeds: $(tail -n 1 <<<"$out")"
	caps=$(shorewall_run show capabilities 2>&1 | grep -i tarpit)
	grep -q 'TARPIT Target.*Available' <<<"$caps" && pass "$v: shorewall show capabilities: $(tr -s ' ' <<<"$caps")" ||
		fail "$v: shorewall's capability report says TARPIT is available; it says: $caps"
	echo "    its TARPIT rules:"
	in_srv "iptables-$v-save" | grep -- '-j TARPIT' | sed 's/^/      /'

	held "$CLI" veth0 "$SRV4" 22 || fail "$v: TARPIT net \$FW tcp 22 holds the client (see above)"
	# Shorewall drops what conntrack calls INVALID (a segment without
	# flags) before any rule, even in the ALL section.
	in_cli python3 "$repo/tests/vm/modes_wire.py" "$CLI4" "$SRV4" 23 24 --flagless-dropped ||
		fail "$v: TARPIT(honeypot) on 23 and TARPIT(reset) on 24 answer as those modes prescribe (see above)"
	skip_check "$v: reset mode's answer to a segment without flags" \
		"shorewall drops what conntrack calls INVALID before its rules (22-modes-wire checks it without shorewall)"
	check "$v: port 80 (HTTP(ACCEPT)) is served" reaches "$CLI" "$SRV4" 80
	check "$v: the net policy drops the client's UDP and echo requests" silent "$CLI" "$SRV4"
	held "$OTHER" veth1 10.0.1.2 22 || fail "$v: SSH(TARPIT) from loc holds the client (see above)"
	check "$v: loc reaches port 80" reaches "$OTHER" 10.0.1.2 80

	# The host's own SMTP to the net: dropped in OUTPUT by the $FW rule.
	in_cli python3 "$repo/tests/vm/banner_server.py" 25 26 >/dev/null 2>&1 &
	server=$!
	wait_listen "$CLI" 26 || fail "$v: a service listens on the net's ports 25 and 26"
	output=$(stat_of no_reply_output)
	if reaches "$SRV" "$CLI4" 25 >/dev/null; then
		fail "$v: TARPIT \$FW net tcp 25 keeps the host from reaching the net's port 25; it reached it"
	else
		pass "$v: TARPIT \$FW net tcp 25: the host's connection to the net's port 25 gets nowhere"
	fi
	after=$(stat_of no_reply_output)
	check "$v: its SYNs are counted as no_reply_output ($output -> $after)" test "$after" -gt "$output"
	check "$v: the host still reaches the net's port 26" reaches "$SRV" "$CLI4" 26
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null

	if out=$(shorewall_run clear 2>&1); then
		pass "$v: shorewall clear succeeds"
	else
		fail "$v: shorewall clear succeeds; it said: $(tail -n 5 <<<"$out")"
	fi
	check "$v: shorewall clear leaves no TARPIT rule" no_rules_left "$SRV"
done
finish

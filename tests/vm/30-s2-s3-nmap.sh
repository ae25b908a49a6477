#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S2: three tarpitted ports make a port scan report exactly them open.
# S3: tarpit every unused port: nmap -p- reports all 65535 open, the real
# services on 22 and 80 keep working, and nmap -O finds no exact OS match
# for the tarpitted ports, in tarpit and in honeypot mode.
# Both with iptables-legacy and iptables-nft.
. "$(dirname "$0")/lib.sh"

# The port numbers nmap's grepable output (-oG -) reports open / not open.
open_ports() { grep -oE '[0-9]+/open/' | cut -d/ -f1; }
not_open() { grep -oE '[0-9]+/(closed|filtered)/' | head -n 20 | tr '\n' ' '; }

# os_scan WHAT PORTS [OPEN]: nmap -O of $SRV4's PORTS (OPEN of them open,
# by default all); sets verdict
# (nmap's verdict lines: "OS details:", "Running:", "Aggressive OS
# guesses:", "No exact OS matches ...", "No OS matches ...") and guesses
# (the guessed systems, comma-separated, confidences removed). Fails, with
# nmap's output, unless nmap ran cleanly: exit 0, the host up, every port
# open, no error.
os_scan() {
	local what=$1 ports=$2 out rc errors open want
	want=${3:-$(tr ',' '\n' <<<"$ports" | wc -l)}
	out=$(in_cli nmap -n -Pn -O --max-os-tries 1 -p "$ports" "$SRV4" 2>&1)
	rc=$?
	verdict=$(grep -E '^(OS details|Running|Running \(JUST GUESSING\)|Aggressive OS guesses):|^No (exact )?OS matches for host' <<<"$out")
	guesses=$(sed -n 's/^Aggressive OS guesses: //p' <<<"$out" | sed 's/ ([0-9]*%)//g; s/, /,/g')
	errors=$(grep -Ei '^(ERROR|QUITTING|Failed to|Unable to)|requires root|0 hosts up' <<<"$out")
	open=$(grep -cE '^[0-9]+/tcp +open ' <<<"$out")
	echo "    nmap -O, $what (-p $ports): $(tr '\n' ' ' <<<"$verdict")"
	if ((rc == 0 && open == want)) && [ -z "$errors" ] &&
		grep -q '^Nmap done: 1 IP address (1 host up)' <<<"$out"; then
		return 0
	fi
	fail "nmap -O ($what) ran: exit $rc, $open of the ports $ports open (want $want), errors: '${errors:-none}'"
	sed 's/^/    /' <<<"$out" | tail -n 25
	return 1
}

load_module || { fail "the module loads"; finish; }

# The debug kernel answers many times slower; at full pace nmap's own
# capture drops SYN/ACKs and it calls those ports filtered.
if [ "${TARPIT_VARIANT:-}" = debug ]; then
	nmap_pace=(--max-rate 400 --max-retries 3)
else
	nmap_pace=(-T4 --min-rate 3000 --max-retries 1)
fi

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v: S2"
	setup_hosts || { fail "the test namespaces are set up"; finish; }
	ipt() { in_srv "iptables-$v" "$@"; }
	for port in 135 139 1025; do
		ipt -A INPUT -p tcp -m tcp --dport "$port" -j TARPIT
	done
	out=$(in_cli nmap -n -Pn -sS -p 1-2000 --max-retries 1 -oG - "$SRV4" 2>&1)
	open=$(open_ports <<<"$out" | tr '\n' ' ')
	[ "$open" = "135 139 1025 " ] && pass "nmap reports exactly 135, 139 and 1025 open" ||
		{ fail "nmap reports exactly 135, 139 and 1025 open; got: '$open'"; dump_rules "$v"; }

	echo "--- iptables-$v: S3"
	ipt -F INPUT
	ipt -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
	ipt -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
	ipt -A INPUT -p tcp -j TARPIT
	ipt -A INPUT -p tcp -j DROP
	in_srv python3 -m http.server --bind "$SRV4" 80 >/dev/null 2>&1 &
	in_srv ncat -l -k "$SRV4" 22 --sh-exec 'echo SSH-2.0-OpenSSH_9.2' >/dev/null 2>&1 &
	wait_listen "$SRV" 80 && wait_listen "$SRV" 22 || fail "the real services on 22 and 80 start"

	start=$SECONDS
	out=$(in_cli nmap -n -Pn -sS -p- "${nmap_pace[@]}" -oG - "$SRV4" 2>&1)
	count=$(open_ports <<<"$out" | wc -l)
	((count == 65535)) && pass "nmap -p- reports all 65535 ports open ($((SECONDS - start)) s)" ||
		{ fail "nmap -p- reports all 65535 ports open; got $count; not open: $(not_open <<<"$out")"; dump_rules "$v"; }

	page=$(in_cli curl -s -m 10 "http://$SRV4/" | head -c 200)
	grep -q "Directory listing" <<<"$page" && pass "the real web server on 80 still answers" ||
		fail "the real web server on 80 still answers; got: $page"
	banner=$(in_cli timeout 10 ncat --recv-only "$SRV4" 22 2>&1 | head -n 1)
	[ "$banner" = SSH-2.0-OpenSSH_9.2 ] && pass "the real service on 22 still answers" ||
		fail "the real service on 22 still answers; got: $banner"

	# OS detection of the tarpitted ports (the real services are the real
	# stack: shown for context, with a real closed port). Tarpit mode: no
	# exact match, only guesses (measured: old embedded Linux systems, at
	# most 93%), which the message shows; honeypot mode likewise (measured:
	# no guess at all while its FIN without ACK got a bare RST; since it
	# gets a RST|ACK, as from a real stack, "Thecus embedded", 85%).
	ipt -I INPUT 3 -p tcp --dport 81 -j REJECT --reject-with tcp-reset
	os_scan "real services, for context" 22,80,81 2 || true
	ipt -D INPUT 3
	for mode in tarpit honeypot; do
		[ $mode = honeypot ] && ipt -R INPUT 3 -p tcp -j TARPIT --honeypot
		if os_scan "$mode mode" 135,139,445 && ! grep -Eq '^(OS details|Running):' <<<"$verdict" &&
			grep -Eq '^No (exact )?OS matches for host' <<<"$verdict"; then
			pass "nmap -O finds no exact OS match for the tarpitted ports ($mode mode); it guesses: $(sed -n 's/^Aggressive OS guesses: //p' <<<"$verdict" | cut -d, -f1-3)"
		else
			fail "nmap -O finds no exact OS match for the tarpitted ports ($mode mode); verdict: '${verdict:-none}'"
		fi
	done
	cleanup_hosts
	load_module
done
finish

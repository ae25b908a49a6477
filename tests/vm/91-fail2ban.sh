#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fail2ban (Debian's package) with TARPIT as its ban action, driven by its
# own binaries in the protected host's namespace, with iptables-legacy and
# iptables-nft (the admin's choice of `iptables`, here by PATH):
#  - banaction = iptables-multiport[blocktype=TARPIT], and for IPv6 the
#    action.d/iptables.local the README gives: failed logins written to the
#    jail's log (fail2ban's own sshd filter finds them) ban a client over
#    IPv4 and IPv6; the banned client is held on the wire; a client not
#    banned reaches the real service; unbanip lets the client through again; banip bans it again;
#    stopping fail2ban removes every rule;
#  - iptables-allports[blocktype=TARPIT] with the jail's protocol = all
#    (every protocol of a banned address goes to the ban: its UDP and echo
#    requests are dropped), with iptables-legacy, and
#    iptables-ipset[blocktype=TARPIT], with iptables-nft: banip, held, others
#    served, stop.
# (iptables-multiport and -ipset send only TCP to the port to the jail's
# chain: a banned client's other traffic never meets TARPIT there.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/managers.sh"

command -v fail2ban-client >/dev/null ||
	skip "fail2ban is not installed on the host (scripts/setup-toolchain installs it)"
load_module || { fail "the module loads"; finish; }
setup_managed_hosts || { fail "the test namespaces are set up"; finish; }

f2b=/tmp/f2b
# f2b_conf VARIANT BANACTION [JAIL-LINE]: a configuration directory as the
# admin's /etc/fail2ban: Debian's files, plus jail.local (the sshd jail
# with JAIL-LINE), fail2ban.local and the IPv6 override; `iptables` is
# iptables-VARIANT.
f2b_conf() {
	rm -rf "$f2b" && mkdir -p "$f2b/bin" "$f2b/run" && cp -r /etc/fail2ban "$f2b/etc" || return 1
	for x in iptables ip6tables; do ln -s "/usr/sbin/$x-$1" "$f2b/bin/$x"; done
	cat >"$f2b/etc/fail2ban.local" <<-EOT
		[Definition]
		logtarget = $f2b/fail2ban.log
		socket = $f2b/run/fail2ban.sock
		pidfile = $f2b/run/fail2ban.pid
		dbfile = :memory:
	EOT
	cat >"$f2b/etc/jail.local" <<-EOT
		[DEFAULT]
		banaction = $2
		banaction_allports = $2
		backend = polling
		maxretry = 2
		findtime = 10m
		bantime = 1h

		[sshd]
		enabled = true
		port = ssh
		logpath = $f2b/auth.log
		${3:-}
	EOT
	# IPv6 bans keep REJECT unless told (action.d/iptables.conf's
	# [Init?family=inet6]): this makes them tarpit too.
	cat >"$f2b/etc/action.d/iptables.local" <<-EOT
		[Init?family=inet6]
		blocktype = TARPIT
	EOT
	: >"$f2b/auth.log"
}
f2b_client() { in_srv env PATH="$f2b/bin:$PATH" fail2ban-client -c "$f2b/etc" "$@"; }
# f2b_failed ADDRESS: a failed login from ADDRESS in the jail's log, by an
# sshd process of its own (the filter follows each process's lines).
f2b_failed() {
	echo "$(date '+%b %e %H:%M:%S') tarpit-vm sshd[$((2000 + RANDOM))]: Failed password for invalid user admin from $1 port $((30000 + RANDOM)) ssh2" >>"$f2b/auth.log"
}
# f2b_banned ADDRESS...: waits up to 20 s until the jail lists them all.
f2b_banned() {
	local a list
	for _ in $(seq 40); do
		list=$(f2b_client status sshd | sed -n 's/.*Banned IP list:\s*//p')
		for a; do grep -qw -- "$a" <<<"$list" || { sleep 0.5; continue 2; }; done
		return 0
	done
	echo "    banned: ${list:-none}"
	return 1
}
f2b_errors() { grep -E 'ERROR|returned [1-9]' "$f2b/fail2ban.log" | head -n 5; }

# f2b_start VARIANT BANACTION [JAIL-LINE]: starts fail2ban; it and its log
# say so.
f2b_start() {
	f2b_conf "$@" || { fail "a configuration for fail2ban"; return 1; }
	if ! out=$(f2b_client -x start 2>&1) || ! f2b_client status sshd >/dev/null 2>&1; then
		fail "fail2ban starts with banaction = $2 ($1): $out"
		cat "$f2b/fail2ban.log"
		return 1
	fi
	pass "fail2ban starts with banaction = $2 and iptables-$1: $(grep -o "Jail 'sshd' started" "$f2b/fail2ban.log")"
}

# f2b_stop VARIANT: stopping fail2ban removes its rules.
f2b_stop() {
	f2b_client stop >/dev/null 2>&1 || fail "fail2ban stops"
	for _ in $(seq 30); do [ -e "$f2b/run/fail2ban.sock" ] || break; sleep 0.2; done
	check "$1: stopping fail2ban leaves no TARPIT rule" no_rules_left "$SRV"
	[ -z "$(f2b_errors)" ] && pass "$1: fail2ban's log shows no action error" ||
		fail "$1: fail2ban's log shows no action error; it shows: $(f2b_errors)"
}

# targets_held LABEL [all]: the client is held (IPv4 and IPv6), and $OTHER
# reaches the service; with "all" (the jail sends every protocol to its
# chain), the client's UDP and echo requests get nothing.
targets_held() {
	local label=$1
	held "$CLI" veth0 "$SRV4" 22 || fail "$label: the banned client is held on port 22 over IPv4 (see above)"
	held "$CLI" veth0 fd00::2 22 || fail "$label: the banned client is held on port 22 over IPv6 (see above)"
	if [ "${2:-}" = all ]; then
		check "$label: the banned client's UDP and echo requests are dropped (IPv4)" silent "$CLI" "$SRV4"
		check "$label: and over IPv6" silent "$CLI" fd00::2
	fi
	check "$label: a client not banned reaches the service over IPv4" reaches "$OTHER" 10.0.1.2 22
	check "$label: and over IPv6" reaches "$OTHER" fd01::2 22
}

for v in $IPTABLES_VARIANTS; do
	echo "--- fail2ban, iptables-multiport[blocktype=TARPIT], iptables-$v"
	check "$v: before any ban, the client reaches the service" reaches "$CLI" "$SRV4" 22
	if f2b_start "$v" "iptables-multiport[blocktype=TARPIT]"; then
		for a in "$CLI4" fd00::1; do f2b_failed "$a"; f2b_failed "$a"; done
		if f2b_banned "$CLI4" fd00::1; then
			pass "$v: two failed logins each ban 10.0.0.1 and fd00::1 (fail2ban's sshd filter)"
		else
			fail "$v: two failed logins each ban 10.0.0.1 and fd00::1 (fail2ban's sshd filter); its log:"
			tail -n 20 "$f2b/fail2ban.log"
		fi
		for x in iptables ip6tables; do
			rule=$(in_srv "$x-$v-save" | grep -- '-j TARPIT')
			[ -n "$rule" ] && pass "$x-$v: fail2ban's ban: $rule" ||
				fail "$x-$v: fail2ban's ban is a TARPIT rule; errors: $(f2b_errors)"
		done
		targets_held "multiport, $v"
		f2b_client set sshd unbanip "$CLI4" >/dev/null
		check "$v: after unbanip, the client reaches the service again" reaches "$CLI" "$SRV4" 22
		f2b_client set sshd banip "$CLI4" >/dev/null
		HOLD=1 held "$CLI" veth0 "$SRV4" 22 || fail "$v: after banip, the client is held again"
		f2b_stop "$v"
		check "$v: after fail2ban stops, the client reaches the service" reaches "$CLI" "$SRV4" 22
	fi

	# The jail's protocol = all: every protocol of a banned address goes to
	# the ban (jail.conf passes the jail's protocol to the action).
	# One variant each (the action's rules differ, not the variant's part).
	action=iptables-ipset line= all=
	[ "$v" = legacy ] && action=iptables-allports line="protocol = all" all=all
	echo "--- fail2ban, $action[blocktype=TARPIT] ${line:+($line) }, iptables-$v"
	f2b_start "$v" "$action[blocktype=TARPIT]" "$line" || continue
	f2b_client set sshd banip "$CLI4" fd00::1 >/dev/null
	check "$v, $action: banip bans 10.0.0.1 and fd00::1" f2b_banned "$CLI4" fd00::1
	targets_held "$action, $v" "$all"
	f2b_stop "$v"
done
finish

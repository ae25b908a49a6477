#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rules, with iptables-legacy and iptables-nft: what -S, -L and
# iptables-save print; save/restore round trips, also through xtables-addons'
# own extension (the rule blob is the same); rules that cannot work are
# refused with the reason in the kernel log; rmmod fails while a rule uses
# the target and works once it is gone.
. "$(dirname "$0")/lib.sh"

ours=$XTABLES_LIBDIR
theirs=${TARPIT_CACHE:-}/xtables-addons:$(pkg-config --variable=xtlibdir xtables)

load_module || { fail "the module loads"; finish; }

# The rules of a saved rule set, without comments and counters.
rules_of() { grep -E '^(\*|:|-A|COMMIT)' | sed -E 's/ \[[0-9]+:[0-9]+\]$//; s/ +$//; s/  +/ /g'; }

# refused VARIANT WHY KERNEL-MESSAGE RULE...: the rule must fail, leave the
# rule set as it was, and (if given) log why. VARIANT is legacy or nft
# (iptables), or ip6-legacy or ip6-nft (ip6tables).
refused() {
	local v=$1 why=$2 msg=$3 before after out cmd
	shift 3
	cmd=iptables-$v
	[ "${v#ip6-}" = "$v" ] || cmd=ip6tables-${v#ip6-}
	before=$(in_srv "$cmd-save" | rules_of)
	dmesg_mark
	if out=$(in_srv "$cmd" "$@" 2>&1); then
		fail "$cmd refuses '$*' ($why); it accepted it"
		in_srv "$cmd" -F
		return
	fi
	after=$(in_srv "$cmd-save" | rules_of)
	[ "$before" = "$after" ] || fail "a refused rule changes nothing; before: $before; after: $after"
	if [ -n "$msg" ] && ! { grep -qF -- "$msg" <<<"$out" || dmesg_since | grep -qF -- "$msg"; }; then
		fail "refusing '$*' says '$msg'; iptables said: $out; kernel said: $(dmesg_since)"
		return
	fi
	pass "$cmd refuses '$*' ($why): ${msg:-$out}"
}

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v"
	# Fresh namespaces: iptables-nft warns about legacy tables in the same one.
	setup_hosts || { fail "the test namespaces are set up"; finish; }
	ipt() { in_srv "iptables-$v" "$@"; }
	# Listing creates a legacy table; do it now, not inside a refusal check.
	ipt -t raw -S >/dev/null
	ipt -t mangle -S >/dev/null
	in_srv "ip6tables-$v" -t mangle -S >/dev/null
	ipt -A INPUT -p tcp -m tcp --dport 135 -j TARPIT &&
		ipt -A INPUT -p tcp -m tcp --dport 136 -j TARPIT --honeypot &&
		ipt -A FORWARD -p tcp -j TARPIT --reset &&
		ipt -N HOLD && ipt -A HOLD -p tcp -j TARPIT --tarpit && ipt -A INPUT -j HOLD ||
		fail "iptables-$v accepts TARPIT rules in all three modes and in a chain called from INPUT"

	s=$(ipt -S)
	for want in "-A INPUT -p tcp -m tcp --dport 135 -j TARPIT --tarpit" \
		"-A INPUT -p tcp -m tcp --dport 136 -j TARPIT --honeypot" \
		"-A FORWARD -p tcp -j TARPIT --reset" "-A HOLD -p tcp -j TARPIT --tarpit"; do
		grep -qxF -- "$want" <<<"$s" && pass "-S prints '$want'" || fail "-S prints '$want'; got: $s"
	done
	l=$(ipt -L INPUT -n)
	grep -Eq '^TARPIT +(6|tcp) .*dpt:136 .*--honeypot' <<<"$l" && pass "-L -n shows the mode" ||
		fail "-L -n shows 'TARPIT ... dpt:136 ... --honeypot'; got: $l"

	saved=$(in_srv "iptables-$v-save" | rules_of)
	ipt -F && ipt -X && ipt -F FORWARD
	in_srv "iptables-$v-restore" <<<"$saved" || fail "iptables-$v-restore reads what iptables-$v-save wrote"
	again=$(in_srv "iptables-$v-save" | rules_of)
	[ "$saved" = "$again" ] && pass "save, restore, save round-trips" ||
		fail "save/restore round-trips; first: $saved; then: $again"

	# Across implementations: xtables-addons' extension reads our rules and
	# writes the same ones back, and the reverse.
	ipt -F && ipt -X && ipt -F FORWARD
	if XTABLES_LIBDIR=$theirs in_srv "iptables-$v-restore" <<<"$saved"; then
		theirs_saved=$(XTABLES_LIBDIR=$theirs in_srv "iptables-$v-save" | rules_of)
		[ "$saved" = "$theirs_saved" ] && pass "xtables-addons' extension restores and saves our rule set unchanged" ||
			fail "xtables-addons' extension saves our rule set unchanged; ours: $saved; theirs: $theirs_saved"
		ours_saved=$(in_srv "iptables-$v-save" | rules_of)
		[ "$saved" = "$ours_saved" ] && pass "rules written by xtables-addons' extension read back the same with ours" ||
			fail "rules written by xtables-addons' extension read back the same; got: $ours_saved"
	else
		fail "xtables-addons' extension restores our saved rule set"
	fi
	ipt -F && ipt -X && ipt -F FORWARD

	# What firewall managers write: ban lists without -p (fail2ban's
	# "-s IP -j TARPIT", crowdsec's "-m set ... -j TARPIT"), and rules
	# mirrored into OUTPUT and chains called from it (firehol, shorewall).
	for fam in ip ip6; do
		x=${fam}tables-$v
		src=192.0.2.9/32
		[ "$fam" = ip6 ] && src=2001:db8::9/128
		accepted="-A INPUT -s $src -j TARPIT --tarpit
-A INPUT -s $src -p all -j TARPIT --reset
-A OUTPUT -p tcp -m tcp --sport 22 -j TARPIT --tarpit
-A OUTPUT -j TARPIT --tarpit
-A FORWARD -j TARPIT --honeypot"
		while read -r -a rule; do
			out=$(in_srv "$x" "${rule[@]}" 2>&1) && pass "$x accepts '${rule[*]}'" ||
				fail "$x accepts '${rule[*]}'; it said: $out"
		done <<<"$accepted"
		in_srv "$x" -N MIRROR && in_srv "$x" -A OUTPUT -j MIRROR &&
			out=$(in_srv "$x" -A MIRROR -p tcp -j TARPIT 2>&1) &&
			pass "$x accepts TARPIT in a chain called from OUTPUT" ||
			fail "$x accepts TARPIT in a chain called from OUTPUT; it said: $out"
		# -p all reads back as no -p, as iptables prints any rule.
		want=$({ sed 's/ -p all//' <<<"$accepted"; echo "-A MIRROR -p tcp -j TARPIT --tarpit"; } | sort)
		got=$(in_srv "$x" -S | grep -e '-j TARPIT' | sort)
		[ "$want" = "$got" ] && pass "$x -S prints them back" ||
			fail "$x -S prints them back; want: $want; got: $got"
		saved=$(in_srv "$x-save" | rules_of)
		in_srv "$x" -F && in_srv "$x" -X
		in_srv "$x-restore" <<<"$saved" && again=$(in_srv "$x-save" | rules_of) && [ "$saved" = "$again" ] &&
			pass "$x: save, restore, save round-trips them" ||
			fail "$x: save/restore round-trips; first: $saved; then: ${again:-}"
		in_srv "$x" -F && in_srv "$x" -X
	done

	refused "$v" "not TCP" "only valid for protocol 6" -A INPUT -p udp -j TARPIT
	refused "ip6-$v" "not TCP" "only valid for protocol 6" -A INPUT -p udp -j TARPIT
	refused "$v" "every protocol but TCP" "every protocol but protocol 6" -A INPUT ! -p tcp -j TARPIT
	refused "ip6-$v" "every protocol but TCP" "every protocol but protocol 6" -A INPUT ! -p tcp -j TARPIT
	refused "$v" "PREROUTING cannot reply" "only usable from INPUT/FORWARD/OUTPUT" -t raw -A PREROUTING -p tcp -j TARPIT
	refused "ip6-$v" "PREROUTING cannot reply" "only usable from INPUT/FORWARD/OUTPUT" -t mangle -A PREROUTING -j TARPIT
	refused "$v" "POSTROUTING cannot reply" "only usable from INPUT/FORWARD/OUTPUT" -t mangle -A POSTROUTING -p tcp -j TARPIT
	ipt -t mangle -N PRE && ipt -t mangle -A PREROUTING -j PRE
	# nf_tables checks the hooks of a chain that is not a base chain at
	# commit time, without x_tables' message: iptables-nft only says EINVAL.
	why="only usable from INPUT/FORWARD/OUTPUT"
	[ "$v" = nft ] && why="Invalid argument"
	refused "$v" "a chain called from PREROUTING" "$why" -t mangle -A PRE -p tcp -j TARPIT
	ipt -t mangle -F PREROUTING && ipt -t mangle -X PRE
	refused "$v" "two modes" 'option "--tarpit" cannot be used together with "--reset"' \
		-A INPUT -p tcp -j TARPIT --tarpit --reset
	refused "$v" "a mode twice" 'can only be used once' -A INPUT -p tcp -j TARPIT --honeypot --honeypot
	refused "$v" "unknown option" 'unknown option "--slow"' -A INPUT -p tcp -j TARPIT --slow

	if [ "$v" = legacy ]; then
		# A rule blob straight through libiptc, past the extension's checks:
		# the module itself must refuse an unknown mode, and say why.
		out=$(in_srv python3 "$repo/tests/vm/raw_rule.py" 1)
		[ "$out" = accepted ] && grep -q -- '-A INPUT -p tcp -j TARPIT --honeypot' <<<"$(ipt -S)" &&
			pass "a raw rule blob with mode 1 is accepted and reads back as --honeypot" ||
			fail "a raw rule blob with mode 1 is accepted (else the blob is wrong); got: $out"
		ipt -F INPUT
		dmesg_mark
		out=$(in_srv python3 "$repo/tests/vm/raw_rule.py" 7)
		msg=$(dmesg_since | grep -o 'TARPIT: refusing a rule with unknown mode 7.*')
		[ "${out#refused}" != "$out" ] && [ -n "$msg" ] && [ -z "$(ipt -S INPUT | grep TARPIT)" ] &&
			pass "the module refuses a rule with unknown mode 7: $msg" ||
			fail "the module refuses a rule with an unknown mode, saying why; got: $out; kernel: $(dmesg_since)"
		# Anyone with CAP_NET_ADMIN in a user namespace can try: the
		# kernel log takes a bounded number of lines, however many.
		dmesg_mark
		start=$(date +%s)
		out=$(in_srv python3 "$repo/tests/vm/raw_rule.py" 7 1000)
		secs=$(($(date +%s) - start + 1))
		# printk's default limit: 10 lines per 5 s.
		bound=$((10 * ((secs + 4) / 5 + 1)))
		lines=$(dmesg_since | grep -c 'refusing a rule with unknown mode')
		echo "1000 refused rules in at most $secs s: $out; $lines kernel log lines say why"
		check "1000 refused rules leave at most $bound lines in the kernel log (rate-limited): $lines" \
			test "$lines" -le "$bound" -a "$lines" -ge 1
	fi

	ipt -A INPUT -p tcp --dport 135 -j TARPIT
	rmmod xt_TARPIT 2>/dev/null && fail "rmmod fails while an iptables-$v rule uses TARPIT" ||
		pass "rmmod fails while an iptables-$v rule uses TARPIT"
	ipt -D INPUT -p tcp --dport 135 -j TARPIT
	if rmmod xt_TARPIT; then
		pass "rmmod works once the iptables-$v rule is deleted"
	else
		fail "rmmod works once the iptables-$v rule is deleted"
	fi
	load_module || fail "the module loads again"
done
finish

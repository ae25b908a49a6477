#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What admins watch: the xt-tarpit package's collector (metrics/
# xt-tarpit-metrics, run as its timer runs it) writes every namespace with
# TARPIT rules to node_exporter's textfile directory; Debian's node exporter
# serves it on /metrics, and the counters move while a client is held;
# promtool (Debian's prometheus) accepts the file. And the per-source log
# recipe of the README: a rate-limited LOG rule in front of TARPIT logs one
# line per source and minute, however often it connects.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/managers.sh"

exporter=$(command -v prometheus-node-exporter) ||
	skip "prometheus-node-exporter is not installed on the host (scripts/setup-toolchain installs it)"
load_module || { fail "the module loads"; finish; }
setup_managed_hosts || { fail "the test namespaces are set up"; finish; }

textdir=/tmp/node-exporter
mkdir -p "$textdir"
"$exporter" --web.listen-address=127.0.0.1:9100 --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$textdir" >/tmp/node-exporter.log 2>&1 &
exporter_pid=$!
trap 'kill $exporter_pid 2>/dev/null; del_namespaces "$SRV" "$CLI" "$OTHER"; unload_module 2>/dev/null' EXIT

collect() { "$repo/metrics/xt-tarpit-metrics" "$textdir"; }
# scrape METRIC-PREFIX: the node exporter's lines for it.
scrape() {
	python3 -c '
import sys, time, urllib.request
for _ in range(50):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:9100/metrics", timeout=3).read().decode()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("the node exporter does not answer")
print("\n".join(l for l in body.splitlines() if l.startswith(sys.argv[1])))' "$1"
}
value() { awk -v k="$1" 'index($0, k) == 1 { print $2 }' <<<"$2"; }

in_srv iptables-legacy -A INPUT -p tcp --dport 22 -j TARPIT
in_srv ip6tables-nft -A INPUT -p tcp --dport 22 -j TARPIT
if collect; then
	pass "xt-tarpit-metrics writes $textdir/xt_tarpit.prom"
else
	fail "xt-tarpit-metrics writes $textdir/xt_tarpit.prom"
fi
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$textdir/xt_tarpit.prom" 2>&1) && pass "promtool check metrics accepts the file" ||
		fail "promtool check metrics accepts the file; it said: $out"
else
	skip_check "promtool check metrics" "Debian's prometheus package (promtool) is not installed"
fi
before=$(scrape xt_tarpit_)
echo "$before" | grep "netns=\"$SRV\"" | sed 's/^/    /'
check "/metrics: the namespace with rules has 2 (iptables-legacy and ip6tables-nft)" \
	test "$(value "xt_tarpit_rules{netns=\"$SRV\"}" "$before")" = 2
check "/metrics: namespaces without rules are not listed" test -z "$(grep -e "netns=\"$CLI\"" -e 'netns="init"' <<<"$before")"
grep -q '^# HELP xt_tarpit_no_reply_total' <<<"$(scrape '# HELP xt_tarpit')" &&
	grep -q "xt_tarpit_no_reply_total{netns=\"$SRV\",reason=\"not_tcp\"}" <<<"$before" &&
	pass "/metrics: HELP lines, and the silences by reason" || fail "/metrics shows HELP lines and a reason label"

held "$CLI" veth0 "$SRV4" 22 || fail "a client is held (see above)"
held "$CLI" veth0 fd00::2 22 || fail "a client is held over IPv6 (see above)"
collect
after=$(scrape xt_tarpit_)
for k in "xt_tarpit_replies_sent_total{netns=\"$SRV\",reply=\"syn_ack\"}" \
	"xt_tarpit_replies_sent_total{netns=\"$SRV\",reply=\"zero_window_ack\"}" \
	"xt_tarpit_packets_total{netns=\"$SRV\"}"; do
	b=$(value "$k" "$before") a=$(value "$k" "$after")
	check "/metrics: $k moves while clients are held: ${b:-none} -> ${a:-none}" test "${a:-0}" -ge "$((${b:-0} + 2))"
done
in_srv iptables-legacy -F INPUT
in_srv ip6tables-nft -F INPUT
# nf_tables destroys deleted rules in a work item after an RCU grace
# period: the count falls a moment later.
gone=
for _ in $(seq 25); do
	collect
	[ -z "$(scrape xt_tarpit_ | grep -e "netns=\"$SRV\"")" ] && { gone=1; break; }
	sleep 0.2
done
check "/metrics: a namespace whose rules are gone is not listed" test -n "$gone"

# The README's per-source log: at most one line per source and minute.
sysctl -qw net.netfilter.nf_log_all_netns=1
in_srv iptables-legacy -A INPUT -p tcp --dport 22 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 \
	--hashlimit-mode srcip --hashlimit-name tarpit_log -j LOG --log-prefix "TARPIT: "
in_srv iptables-legacy -A INPUT -p tcp --dport 22 -j TARPIT
dmesg_mark
for _ in 1 2 3; do HOLD=0 held "$CLI" veth0 "$SRV4" 22 >/dev/null; done
HOLD=0 held "$OTHER" veth1 10.0.1.2 22 >/dev/null
lines=$(dmesg_since | grep 'TARPIT: IN=')
echo "$lines" | sed 's/^/    /'
check "LOG in front of TARPIT: one line per source for 3 connections from $CLI4 and one from 10.0.1.1" \
	test "$(grep -c "SRC=$CLI4 " <<<"$lines")" = 1 -a "$(grep -c 'SRC=10.0.1.1 ' <<<"$lines")" = 1
sysctl -qw net.netfilter.nf_log_all_netns=0
finish

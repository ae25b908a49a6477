#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S1 with a real client, iptables-legacy and iptables-nft side by side (one
# tarpitted address each): connect() succeeds, the client's data is never
# acknowledged, its close gets no answer, and after 60 s the connection is
# still held: in the last half of the hold each connection's segments are
# still answered. The capture shows only SYN/ACKs and zero-window ACKs.
. "$(dirname "$0")/lib.sh"
HOLD=${S1_HOLD_SECONDS:-60}

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
ip -n "$SRV" addr add 10.0.0.3/24 dev veth0
in_srv iptables-legacy -A INPUT -d 10.0.0.2 -p tcp -m tcp --dport 135 -j TARPIT
in_srv iptables-nft -A INPUT -d 10.0.0.3 -p tcp -m tcp --dport 135 -j TARPIT

cap=/tmp/s1-client.pcap
in_cli tcpdump -i veth0 -U -n -s 128 -w "$cap" tcp port 135 2>/dev/null &
sleep 1
in_cli python3 "$repo/tests/vm/s1_client.py" "$HOLD" 135 10.0.0.2 10.0.0.3 ||
	fail "the real client's connections behave as S1 says (see above)"
sleep 1
kill %1 2>/dev/null; wait 2>/dev/null

trace=$(python3 "$repo/tests/vm/tcptrace.py" "$cap")
echo "--- capture (first lines):"
head -n 12 <<<"$trace" | sed 's/^/    /'
from_tarpit=$(grep -E '^10\.0\.0\.[23]:135 ' <<<"$trace")
[ -n "$from_tarpit" ] || fail "the tarpit answered at all"
bad=$(grep -Ev ' (S\.|\.) seq=' <<<"$from_tarpit")
[ -z "$bad" ] && pass "the tarpit sent only SYN/ACKs and ACKs (no FIN, no RST)" ||
	fail "the tarpit sends only SYN/ACKs and ACKs; also sent: $bad"
bad=$(grep -E '^[^ ]+ > [^ ]+ \. ' <<<"$from_tarpit" | grep -v ' win=0 ')
[ -z "$bad" ] && pass "every ACK from the tarpit advertises window 0" ||
	fail "every ACK from the tarpit advertises window 0; not: $bad"
# No ACK from the tarpit may pass the client's SYN: the ack numbers stay at
# ISN+1 (handshake) or ISN (the echo of a window probe, sent at snd_una-1).
bad=$(awk '
	$2 == ">" && $4 == "S" { split($5, s, "="); isn[$1] = s[2] }
	$1 ~ /:135$/ && $4 == "." {
		split($6, a, "=")
		if ((a[2] - isn[$3] + 4294967296) % 4294967296 > 1) print
	}' <<<"$trace")
[ -z "$bad" ] && pass "no ACK from the tarpit acknowledges any data" ||
	fail "the tarpit never acknowledges data; it did: $bad"
# Held means answered: per connection, the client's segments late in the
# hold (retransmissions of its byte, window probes) each got an answer.
python3 "$repo/tests/vm/s1_late_answers.py" "$cap" "$HOLD" 135 ||
	fail "the tarpit keeps answering each connection until the end of the hold (see above)"
finish

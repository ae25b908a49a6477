#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# --reset refuses connection attempts and ends tracked connections: a
# client's connect() to a --reset port fails at once with "connection
# refused" (the RST acknowledges the SYN, which a client in SYN-SENT
# requires), IPv4 and IPv6, iptables legacy and nft; a connection to a real
# server, killed inline by a --reset rule, leaves no ESTABLISHED conntrack
# entry behind.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }

# connect_outcome DST PORT: how a connect() ends, and in how many seconds.
connect_outcome() {
	in_cli python3 - "$1" "$2" <<'PY'
import socket, sys, time
start = time.monotonic()
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10).close()
    outcome = "connected"
except ConnectionRefusedError:
    outcome = "refused"
except OSError as e:
    outcome = type(e).__name__
print(f"{outcome} {time.monotonic() - start:.2f}")
PY
}

for v in $IPTABLES_VARIANTS; do
	for ipt in iptables ip6tables; do
		dst=$SRV4
		[ "$ipt" = ip6tables ] && dst=fd00::2
		in_srv "$ipt-$v" -A INPUT -p tcp --dport 137 -j TARPIT --reset ||
			{ fail "$ipt-$v accepts a --reset rule"; continue; }
		read -r outcome secs < <(connect_outcome "$dst" 137)
		what="$ipt-$v: connect() to a --reset port is refused at once"
		if [ "$outcome" = refused ] && awk -v s="$secs" 'BEGIN { exit !(s < 1) }'; then
			pass "$what ($secs s)"
		else
			fail "$what: $outcome after $secs s"
		fi
		in_srv "$ipt-$v" -F INPUT
	done
done

# A tracked connection to a real server, then a --reset rule in front of it.
# After its RST, conntrack keeps the entry 10 s (CLOSE) when marked
# closing, else 5 days (ESTABLISHED) or 300 s (unacknowledged data): one
# more segment of the connection, counted by mangle rules that read the
# entry's remaining lifetime (--ctexpire), tells which. Window checks off,
# so that that segment's numbers need not be the connection's.
in_srv sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1
for ipt in iptables ip6tables; do
	cli=$CLI4 srv=$SRV4 port=8000
	[ $ipt = ip6tables ] && cli=fd00::1 srv=fd00::2 port=8006
	in_srv "$ipt-legacy" -A INPUT -m conntrack --ctstate INVALID -j DROP
	in_srv "$ipt-legacy" -t mangle -A PREROUTING -p tcp --dport $port -m conntrack --ctexpire 0:60
	in_srv "$ipt-legacy" -t mangle -A PREROUTING -p tcp --dport $port -m conntrack --ctexpire 61:4294967295
	in_srv python3 -m http.server -b "$srv" $port >/dev/null 2>&1 &
	wait_listen "$SRV" $port || fail "$ipt: the real server listens"
	# expiring RULE: packets the mangle rule RULE (1: <= 60 s left, 2: more) matched.
	expiring() { in_srv "$ipt-legacy" -t mangle -L PREROUTING "$1" -v -x -n | awk '{ print $1 }'; }
	in_cli python3 - "$cli" "$srv" $port <<'PY' &
import socket, sys, time
sys.path.insert(0, "tests/vm")
from tcpprobe import ACK, Prober
s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5)
sport = s.getsockname()[1]
time.sleep(3)            # the --reset rule goes in meanwhile
try:
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    time.sleep(1)
    s.recv(100)
    print("client: still connected")
except OSError as e:
    print(f"client: {type(e).__name__}")
# One more segment of the connection, after its RST.
Prober(sys.argv[1], sys.argv[2]).send(sport, int(sys.argv[3]), ACK, seq=1, ack=1)
PY
	client=$!
	sleep 1.5
	short0=$(expiring 1) long0=$(expiring 2)
	in_srv "$ipt-legacy" -I INPUT -p tcp --dport $port -j TARPIT --reset
	wait "$client"
	short=$(($(expiring 1) - short0)) long=$(($(expiring 2) - long0))
	echo "$ipt: segments of the connection from the rule on: $short on an entry expiring within 60 s, $long on a longer-lived one (the data segment the RST answers is one)"
	check "$ipt: the connection was tracked before the rule ($long0 segments on a long-lived entry)" test "$long0" -gt 0
	check "$ipt: after the --reset rule's RST, the entry is closing: the next segment finds it expiring within 60 s" \
		test "$short" = 1
done
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S5, the tarpit for an unused subnet, with iptables-legacy and iptables-nft:
#  - routed: a router tarpits the unused 10.2.0.0/24 in FORWARD; every TCP
#    connection to any of its addresses is held, ping to it is dropped (a
#    host behind the router would answer it), and the real host behind the
#    router stays reachable;
#  - LaBrea-like, on one L2 segment (a bridge): scripts/tarpit-subnet makes
#    the router answer ARP for the unused 10.3.0.128/25 of the LAN, and a
#    client connecting to such an address is held, while the real host at
#    10.3.0.5 on the same LAN is not captured.
. "$(dirname "$0")/lib.sh"
RTR=tp-rtr HOST=tp-host SW=tp-sw
in_rtr() { ip netns exec "$RTR" "$@"; }
in_host() { ip netns exec "$HOST" "$@"; }

cleanup_s5() {
	del_namespaces "$RTR" "$HOST" "$SW"
	cleanup_hosts
}

# link NS-A DEV-A NS-B DEV-B: a veth pair between two namespaces, up.
link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

setup_s5() {
	setup_hosts || return 1
	ip netns del "$CLI" # setup_hosts' own link is not used here
	ip netns add "$CLI"
	for ns in "$RTR" "$HOST" "$SW"; do
		ip netns del "$ns" 2>/dev/null
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip -n "$CLI" link set lo up
	trap cleanup_s5 EXIT
	# Routed: client -- router -- real host; 10.2.0.0/24 unused.
	link "$CLI" c0 "$RTR" r0 && link "$RTR" r1 "$HOST" h0 || return 1
	ip -n "$CLI" addr add 10.0.0.1/24 dev c0 && ip -n "$CLI" route add default via 10.0.0.254
	ip -n "$RTR" addr add 10.0.0.254/24 dev r0 && ip -n "$RTR" addr add 10.1.0.254/24 dev r1
	ip -n "$HOST" addr add 10.1.0.1/24 dev h0 && ip -n "$HOST" route add default via 10.1.0.254
	in_rtr sysctl -qw net.ipv4.ip_forward=1
	# Behind the router, the real host answers for every address of the
	# "unused" block (a local route, AnyIP): whatever the rules let through
	# gets an answer, so a ping that gets none was dropped by them.
	in_rtr ip route add 10.2.0.0/24 via 10.1.0.1
	in_host ip route add local 10.2.0.0/24 dev lo
	# One LAN (a bridge in its own namespace): client .1, real host .5, router .254.
	ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up
	link "$CLI" c1 "$SW" s1 && link "$HOST" h1 "$SW" s2 && link "$RTR" r2 "$SW" s3 || return 1
	for p in s1 s2 s3; do ip -n "$SW" link set "$p" master br0; done
	ip -n "$CLI" addr add 10.3.0.1/24 dev c1
	ip -n "$HOST" addr add 10.3.0.5/24 dev h1
	ip -n "$RTR" addr add 10.3.0.254/24 dev r2
	in_host python3 -m http.server 80 >/dev/null 2>&1 &
	wait_listen "$HOST" 80
}

# held ADDR:PORT...: prints "held ADDR:PORT" for each client connection
# that succeeds and is held (established, its 5 bytes unacknowledged after
# 1.5 s), all at once, and "not held ADDR:PORT (why)" for the others.
held() {
	in_cli python3 - "$@" <<'PY'
import fcntl, socket, struct, sys, time
conns = {}
for target in sys.argv[1:]:
    addr, port = target.rsplit(":", 1)
    try:
        conns[target] = socket.create_connection((addr, int(port)), timeout=5)
        conns[target].send(b"hello")
    except OSError as e:
        print(f"not held {target} ({e})")
time.sleep(1.5)
for target, s in conns.items():
    state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
    unacked = struct.unpack("i", fcntl.ioctl(s.fileno(), 0x5411, b"\0" * 4))[0]
    ok = state == 1 and unacked == 5
    print(f"held {target}" if ok else f"not held {target} (state {state}, {unacked} bytes unacknowledged)")
PY
}

# expect_held WHAT ADDR:PORT...: one check per target.
expect_held() {
	local what=$1 out target; shift
	out=$(held "$@")
	for target in "$@"; do
		grep -qx "held $target" <<<"$out" && pass "$what $target is held" ||
			fail "$what $target is accepted and held (window 0, data unacknowledged): $(grep -F " $target" <<<"$out")"
	done
}

load_module || { fail "the module loads"; finish; }
for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v: routed"
	setup_s5 || { fail "the S5 namespaces are set up"; finish; }
	# Without the rules, the block answers (the check below can fail).
	check "without the rules, ping to the block is answered" in_cli ping -c 1 -W 2 -q 10.2.0.5
	in_rtr "iptables-$v" -A FORWARD -d 10.2.0.0/24 -p tcp -j TARPIT
	in_rtr "iptables-$v" -A FORWARD -d 10.2.0.0/24 -j DROP
	expect_held "a connection to unused" 10.2.0.1:80 10.2.0.77:22 10.2.0.254:445
	drops0=$(in_rtr "iptables-$v" -L FORWARD -v -x -n | awk '$3 == "DROP" { print $1 }')
	in_cli ping -c 1 -W 1 -q 10.2.0.5 >/dev/null 2>&1
	ping_rc=$?
	drops1=$(in_rtr "iptables-$v" -L FORWARD -v -x -n | awk '$3 == "DROP" { print $1 }')
	# ping's status 1 is "no reply"; 2 and others are errors (no ping, ...).
	[ "$ping_rc" = 1 ] && [ "$((drops1 - drops0))" = 1 ] &&
		pass "ping to the unused block is dropped by the DROP rule (its counter +1)" ||
		fail "ping to the unused block is dropped by the DROP rule; ping exit $ping_rc, DROP counter $drops0 -> $drops1"
	code=$(in_cli curl -s -o /dev/null -m 10 -w '%{http_code}' http://10.1.0.1/)
	[ "$code" = 200 ] && pass "the real host behind the router stays reachable" ||
		fail "the real host behind the router stays reachable; HTTP $code"

	echo "--- iptables-$v: one LAN, proxy ARP (scripts/tarpit-subnet)"
	in_rtr "$repo/scripts/tarpit-subnet" add r2 10.3.0.128/25 "iptables-$v" ||
		fail "scripts/tarpit-subnet sets up 10.3.0.128/25"
	expect_held "a LAN client's connection to unused" 10.3.0.200:445 10.3.0.129:135
	mac=$(in_cli ip neigh show 10.3.0.200 | awk '{ print $5 }')
	rmac=$(in_rtr cat /sys/class/net/r2/address)
	[ "$mac" = "$rmac" ] && pass "the router answered ARP for the unused address ($mac)" ||
		fail "the router answers ARP for the unused address; neighbour entry: $mac, router: $rmac"
	code=$(in_cli curl -s -o /dev/null -m 10 -w '%{http_code}' http://10.3.0.5/)
	[ "$code" = 200 ] && pass "the real host on the LAN is not captured" ||
		fail "the real host on the LAN (10.3.0.5) stays reachable; HTTP $code"
	in_rtr "$repo/scripts/tarpit-subnet" del r2 10.3.0.128/25 "iptables-$v"
	[ -z "$(in_rtr "iptables-$v" -S FORWARD | grep -F 10.3.0.128)" ] &&
		pass "scripts/tarpit-subnet del removes its rules" || fail "scripts/tarpit-subnet del removes its rules"
	cleanup_s5
	load_module
done
finish

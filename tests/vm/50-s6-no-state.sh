#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S6: with connection tracking in use, 1,000 connections held by the tarpit
# leave the conntrack table and the kernel's per-connection objects flat:
#   - a stateful firewall with the NOTRACK advice (raw PREROUTING);
#   - tracked traffic without the advice (the dropped SYN's conntrack is
#     never confirmed, and the replies stay with it);
# while the same load on a real listening service costs an entry and a
# socket per connection, which shows that the measurement sees state.
# Both iptables-legacy and iptables-nft. Then the same number of raw-frame
# clients, which hold no kernel memory: no slab object and no per-CPU
# allocation per connection appears on the tarpit host.
. "$(dirname "$0")/lib.sh"
N=${S6_CONNECTIONS:-1000}

load_module || { fail "the module loads"; finish; }

# Objects in use in a cache; 0 before its first use (nf_conntrack).
slab_objs() { local n; n=$(slab_objects "$1"); echo "${n:-0}"; }
ct_count() { in_srv cat /proc/sys/net/netfilter/nf_conntrack_count; }

# hold LABEL PORT: opens $N connections to PORT and reports what appeared in
# the kernel meanwhile; sets ct_delta (the server's conntrack entries),
# state_delta (conntrack and request-socket objects) and tcp_delta (TCP
# socket objects, of which the client's own $N are expected).
hold() {
	local out=/tmp/hold.out ct0 ct1 c0 c1 r0 r1 t0 t1 held
	settle_memory
	ct0=$(ct_count) c0=$(slab_objs nf_conntrack) r0=$(slab_objs request_sock_TCP) t0=$(slab_objs TCP)
	in_cli python3 "$repo/tests/vm/hold_many.py" "$N" "$SRV4" "$2" >"$out" 2>&1 &
	local pid=$!
	for _ in $(seq 600); do grep -q "^held" "$out" && break; sleep 0.2; done
	held=$(awk '/^held/ { print $2 }' "$out")
	settle_memory
	ct1=$(ct_count) c1=$(slab_objs nf_conntrack) r1=$(slab_objs request_sock_TCP) t1=$(slab_objs TCP)
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	ct_delta=$((ct1 - ct0)) state_delta=$((c1 - c0 + r1 - r0)) tcp_delta=$((t1 - t0))
	echo "$1: held ${held:-0}/$N; server conntrack entries +$ct_delta;" \
		"nf_conntrack+request_sock objects +$state_delta; TCP socket objects +$tcp_delta"
	[ "${held:-0}" -eq "$N" ] || fail "$1: all $N connections are established and held; only ${held:-0}"
}

flat() {
	((ct_delta <= 5)) && pass "$1: the conntrack table stays flat (+$ct_delta)" ||
		fail "$1: the conntrack table stays flat; it grew by $ct_delta"
	# A real service adds about 2 objects per connection (see the contrast).
	# Counted exactly (caches shrunk): one conntrack entry or request socket
	# for one connection in a hundred fails it.
	memory_flat "$1: no conntrack or request-socket objects appear" "$state_delta" $((N / 100))
	((tcp_delta <= N + 50)) && pass "$1: no socket per connection on the tarpit side (+$tcp_delta, the client's $N)" ||
		fail "$1: the only new sockets are the client's $N; +$tcp_delta"
}

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v"
	ipt() { in_srv "iptables-$v" "$@"; }

	setup_hosts || { fail "the test namespaces are set up"; finish; }
	ipt -t raw -A PREROUTING -p tcp --dport 135 -j CT --notrack
	ipt -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	ipt -A INPUT -p tcp -m tcp --dport 135 -j TARPIT
	hold "stateful firewall with NOTRACK" 135
	flat "with NOTRACK"
	cleanup_hosts && load_module

	setup_hosts || { fail "the test namespaces are set up"; finish; }
	ipt -A INPUT -m conntrack --ctstate INVALID -j DROP
	ipt -A INPUT -p tcp -m tcp --dport 135 -j TARPIT
	hold "tracked, without NOTRACK" 135
	flat "without NOTRACK"

	in_srv python3 -c 'import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], 136)); s.listen(4096); time.sleep(3600)' "$SRV4" &
	wait_listen "$SRV" 136 || fail "the real service starts"
	hold "a real listening service, tracked" 136
	((ct_delta >= N * 9 / 10 && tcp_delta >= N * 19 / 10)) &&
		pass "a real service costs an entry and a socket per connection (+$ct_delta, +$tcp_delta): the measurement sees state" ||
		fail "a real service shows about $N entries and $((2 * N)) sockets (else the measurement is blind); +$ct_delta, +$tcp_delta"
	cleanup_hosts && load_module
done

# The clients above are the same kernel's sockets, whose own allocations
# hide any other per-connection object. Raw-frame clients (tarpit-wire
# hold) hold no kernel memory: with them, every slab object and per-CPU
# allocation that appears is the tarpit host's. Half of one per connection
# fails it.
. "$(dirname "$0")/wirelib.sh"
echo "--- raw-frame clients (tarpit-wire hold), iptables-legacy"
setup_wire || { fail "the raw-frame test network is set up"; finish; }
in_tp iptables-legacy -A INPUT -d 10.7.1.1 -p tcp --dport 80 -j TARPIT
settle_memory
objs0=$(slab_objects) slab0=$(meminfo SUnreclaim) pcpu0=$(percpu_allocations)
# Read between the second and third probe rounds: the holder has read
# every reply of the second (its own socket's queue would count too).
in_fz "$WIRE" hold --iface fz0 --dst-mac "$TP_MAC" --dst 10.7.1.1 --dport 80 \
	--count "$N" --seconds 600 --interval 10 >/tmp/raw-hold.out 2>&1 &
raw_pid=$!
for _ in $(seq 600); do grep -q '^hold: probe round 2 ' /tmp/raw-hold.out && break; sleep 0.2; done
settle_memory
objs1=$(slab_objects) slab1=$(meminfo SUnreclaim) pcpu1=$(percpu_allocations)
kill "$raw_pid"; wait "$raw_pid" 2>/dev/null
cat /tmp/raw-hold.out
raw_held=$(sed -n 's/^held \([0-9]*\) of .*/\1/p' /tmp/raw-hold.out)
answered=$(sed -n 's/^hold: probe round 2 at [0-9]* s: \([0-9]*\) of .*/\1/p' /tmp/raw-hold.out)
echo "raw clients: held ${raw_held:-0}/$N, round 2 answered ${answered:-0}; unreclaimable slab objects $objs0 -> $objs1," \
	"unreclaimable slab $slab0 -> $slab1 kB, per-CPU allocations $pcpu0 -> $pcpu1"
check "raw clients: all $N connections held and answered (held ${raw_held:-0}, answered ${answered:-0})" \
	test "${raw_held:-0}" = "$N" -a "${answered:-0}" = "$N"
memory_flat "raw clients: no slab object per held connection on the tarpit host" $((objs1 - objs0)) $((N / 2))
check "raw clients: no per-CPU allocation per held connection (+$((pcpu1 - pcpu0)))" \
	test -n "$pcpu0" -a -n "$pcpu1" -a $((pcpu1 - pcpu0)) -lt $((N / 2))
cleanup_wire
finish

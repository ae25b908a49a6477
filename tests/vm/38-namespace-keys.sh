#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Each network namespace has its own key of the SYN/ACK numbers: two
# tarpit namespaces with the same addresses answer the same SYN (same
# 4-tuple, same sequence number) with different numbers, so that no
# observer can link them; within one namespace, the number stays the same
# (stateless). IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"

CLI2=tp-cli2 SRV2=tp-srv2
load_module || { fail "the module loads"; finish; }
setup_hosts || { fail "the test namespaces are set up"; finish; }
trap 'cleanup_hosts; del_namespaces "$SRV2" "$CLI2"' EXIT
# A second pair with the very same addresses.
ip netns add "$CLI2" && ip netns add "$SRV2" &&
	ip link add veth0 netns "$CLI2" type veth peer name veth0 netns "$SRV2" &&
	ip -n "$CLI2" addr add "$CLI4/24" dev veth0 && ip -n "$SRV2" addr add "$SRV4/24" dev veth0 &&
	ip -n "$CLI2" addr add fd00::1/64 dev veth0 nodad && ip -n "$SRV2" addr add fd00::2/64 dev veth0 nodad ||
	{ fail "a second pair of namespaces with the same addresses is set up"; finish; }
for ns in "$CLI2" "$SRV2"; do ip -n "$ns" link set lo up && ip -n "$ns" link set veth0 up; done

# isn CLIENT-NS SRC DST: the sequence number of the SYN/ACK to one fixed SYN.
isn() {
	ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import sys
from tcpprobe import SYN, Prober
r = Prober(sys.argv[1], sys.argv[2]).send(40123, 135, SYN, seq=123456)
print(r[0]["seq"] if r else "none")
PY
}

for ipt in iptables ip6tables; do
	src=$CLI4 dst=$SRV4
	[ $ipt = ip6tables ] && src=fd00::1 dst=fd00::2
	for ns in "$SRV" "$SRV2"; do ip netns exec "$ns" "$ipt-legacy" -A INPUT -p tcp --dport 135 -j TARPIT; done
	a=$(isn "$CLI" "$src" "$dst") a2=$(isn "$CLI" "$src" "$dst") b=$(isn "$CLI2" "$src" "$dst")
	echo "$ipt: the same SYN gets $a (again: $a2) in one namespace, $b in the other"
	check "$ipt: each namespace answers" test "$a" != none -a "$b" != none
	check "$ipt: one namespace answers the same SYN with the same number" test "$a" = "$a2"
	check "$ipt: two namespaces answer the same SYN with different numbers" test "$a" != "$b"
	flush_rules "$SRV"
	flush_rules "$SRV2"
done
finish

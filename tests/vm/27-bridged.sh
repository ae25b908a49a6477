#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bridged frames (br_netfilter, as on a Docker host): two namespaces on a
# Linux bridge in a third, bridge-nf-call-ip(6)tables=1, a TARPIT rule in
# a user chain called from FORWARD (as Docker's DOCKER-USER is). A real
# client connecting to the other namespace is held, and every reply comes
# back over the bridge from the tarpitted peer's MAC address: with the
# bridge holding addresses (Docker's docker0) and without any (a filtering
# bridge), IPv4 and IPv6, iptables legacy and nft.
. "$(dirname "$0")/lib.sh"

BH=tp-bh CA=tp-ca CB=tp-cb
cleanup() { del_namespaces "$BH" "$CA" "$CB"; unload_module 2>/dev/null || true; }
trap cleanup EXIT

setup_bridge() {
	del_namespaces "$BH" "$CA" "$CB"
	ip netns add "$BH" && ip netns add "$CA" && ip netns add "$CB" &&
		ip -n "$BH" link add br0 type bridge &&
		ip link add ca0 netns "$CA" type veth peer name pa netns "$BH" &&
		ip link add cb0 netns "$CB" type veth peer name pb netns "$BH" || return 1
	ip -n "$BH" link set pa master br0 && ip -n "$BH" link set pb master br0 || return 1
	local ns dev
	for dev in br0 pa pb lo; do ip -n "$BH" link set "$dev" up || return 1; done
	ip -n "$CA" addr add 10.77.0.1/24 dev ca0 && ip -n "$CA" addr add fd77::1/64 dev ca0 nodad &&
		ip -n "$CB" addr add 10.77.0.2/24 dev cb0 && ip -n "$CB" addr add fd77::2/64 dev cb0 nodad ||
		return 1
	for ns in "$CA" "$CB"; do
		ip -n "$ns" link set lo up && ip -n "$ns" link set "${ns#tp-}0" up || return 1
	done
	ip netns exec "$BH" sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
		net.bridge.bridge-nf-call-ip6tables=1 net.ipv4.ip_forward=1
}

load_module || { fail "the module loads"; finish; }
setup_bridge || { fail "the bridge and its two namespaces are set up"; finish; }
CB_MAC=$(ip netns exec "$CB" cat /sys/class/net/cb0/address)

for bridge in "holding addresses (Docker's docker0)" "without addresses"; do
	ip -n "$BH" addr flush dev br0
	if [ "$bridge" != "without addresses" ]; then
		ip -n "$BH" addr add 10.77.0.254/24 dev br0 && ip -n "$BH" addr add fd77::fe/64 dev br0 nodad ||
			fail "the bridge gets its addresses"
	fi
	for v in $IPTABLES_VARIANTS; do
		for ipt in iptables ip6tables; do
			dst=10.77.0.2
			[ $ipt = ip6tables ] && dst=fd77::2
			flush_rules "$BH"
			ip netns exec "$BH" "$ipt-$v" -X DOCKER-USER 2>/dev/null
			ip netns exec "$BH" "$ipt-$v" -N DOCKER-USER &&
				ip netns exec "$BH" "$ipt-$v" -A FORWARD -j DOCKER-USER &&
				ip netns exec "$BH" "$ipt-$v" -A DOCKER-USER -p tcp --dport 8080 -j TARPIT ||
				{ fail "$ipt-$v: a TARPIT rule in DOCKER-USER, called from FORWARD"; continue; }
			echo "--- bridge $bridge, $ipt-$v, client to $dst port 8080"
			ip netns exec "$CA" python3 "$repo/tests/vm/held_client.py" ca0 "$dst" 8080 \
				--hold 2 --peer-mac "$CB_MAC" >/tmp/bridged.out 2>&1
			rc=$?
			sed 's/^/    /' /tmp/bridged.out
			check "bridge $bridge, $ipt-$v: a client connecting across the bridge is held, answered from the peer's MAC" \
				test "$rc" = 0
		done
	done
done
echo "--- counters in the bridge's namespace:"
ip netns exec "$BH" cat /proc/net/xt_TARPIT | awk '$2 != 0' | sed 's/^/    /'
finish

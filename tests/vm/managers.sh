# SPDX-License-Identifier: GPL-2.0
# Helpers of the firewall-manager tests (tests/vm/9[1-5]-*.sh), sourced
# after lib.sh. The topology: $CLI (10.0.0.1, fd00::1) and $OTHER (10.0.1.1,
# fd01::1) each on a link of their own to the protected host $SRV (10.0.0.2
# and fd00::2 on veth0, 10.0.1.2 and fd01::2 on veth1), where real services
# answer on SERVICE_PORTS. $OTHER is the client a tool does not target.
OTHER=tp-other
SERVICE_PORTS=${SERVICE_PORTS:-22 80}

in_other() { ip netns exec "$OTHER" "$@"; }

setup_managed_hosts() {
	setup_hosts || return 1
	ip netns del "$OTHER" 2>/dev/null || true
	ip netns add "$OTHER" &&
		ip link add veth1 netns "$OTHER" type veth peer name veth1 netns "$SRV" &&
		ip -n "$OTHER" addr add 10.0.1.1/24 dev veth1 &&
		ip -n "$SRV" addr add 10.0.1.2/24 dev veth1 &&
		ip -n "$OTHER" addr add fd01::1/64 dev veth1 nodad &&
		ip -n "$SRV" addr add fd01::2/64 dev veth1 nodad &&
		ip -n "$OTHER" link set lo up && ip -n "$OTHER" link set veth1 up &&
		ip -n "$SRV" link set veth1 up || return 1
	ip -n "$OTHER" route add default via 10.0.1.2 && ip -n "$OTHER" -6 route add default via fd01::2 &&
		ip -n "$CLI" route add default via "$SRV4" && ip -n "$CLI" -6 route add default via fd00::2 || return 1
	# shellcheck disable=SC2086
	in_srv python3 "$repo/tests/vm/banner_server.py" $SERVICE_PORTS >/tmp/banner.out 2>&1 &
	for _ in $(seq 50); do grep -q listening /tmp/banner.out 2>/dev/null && break; sleep 0.1; done
	trap 'del_namespaces "$SRV" "$CLI" "$OTHER"; unload_module 2>/dev/null' EXIT
}

# reaches NS DST PORT: from NS, DST:PORT answers with its service's line.
reaches() {
	local out
	out=$(ip netns exec "$1" python3 - "$2" "$3" <<'PY'
import socket, sys
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3) as s:
        s.settimeout(3)
        print(s.recv(100).decode().strip() or "closed")
except OSError as e:
    print(type(e).__name__)
PY
)
	[ "$out" = "SERVICE $3" ] || { echo "    $1 -> $2 port $3: $out"; return 1; }
}

# held NS DEV DST PORT: from NS (over DEV), a real client is held at DST:PORT
# on the wire (tests/vm/held_client.py).
held() { ip netns exec "$1" python3 "$repo/tests/vm/held_client.py" "$2" "$3" "$4" --hold "${HOLD:-3}"; }

# silent NS DST: UDP and an echo request from NS get no answer from DST.
silent() { ip netns exec "$1" python3 "$repo/tests/vm/silent.py" "$2"; }

# no_rules_left NS: no TARPIT rule is left in NS, by either variant.
no_rules_left() {
	local v x
	for v in legacy nft; do
		for x in iptables ip6tables; do
			ip netns exec "$1" "$x-$v-save" 2>/dev/null | grep -q -- '-j TARPIT' && return 1
		done
	done
	return 0
}


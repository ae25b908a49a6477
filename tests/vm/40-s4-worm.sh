#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# S4: requests carrying worm signatures (Code Red's default.ida, Nimda's
# cmd.exe) are sent to the tarpit by string-match rules, while a real web
# server on port 80 keeps answering normal requests. Today's iptables needs
# --algo for the string match. Both iptables-legacy and iptables-nft.
. "$(dirname "$0")/lib.sh"

load_module || { fail "the module loads"; finish; }

for v in $IPTABLES_VARIANTS; do
	echo "--- iptables-$v"
	setup_hosts || { fail "the test namespaces are set up"; finish; }
	ipt() { in_srv "iptables-$v" "$@"; }
	ipt -I INPUT -j TARPIT -p tcp -s 0.0.0.0/0 --dport 80 -m string --string "default.ida" --algo bm &&
		ipt -I INPUT -j TARPIT -p tcp -s 0.0.0.0/0 --dport 80 -m string --string "cmd.exe" --algo bm ||
		fail "iptables-$v accepts the S4 rules"
	log=/tmp/http-$v.log
	in_srv python3 -m http.server --bind "$SRV4" 80 >"$log" 2>&1 &
	wait_listen "$SRV" 80 || fail "the web server starts"
	cap=/tmp/s4-$v.pcap
	in_cli tcpdump -i veth0 -U -n -s 128 -w "$cap" tcp port 80 2>/dev/null &
	tcpdump_pid=$!
	sleep 1

	page=$(in_cli curl -s -m 10 "http://$SRV4/")
	grep -q "Directory listing" <<<"$page" && pass "a normal request gets the page" ||
		fail "a normal request gets the page; got: ${page:0:200}"

	# Both worm requests at once; each must still be waiting when curl gives up.
	worms=('/default.ida?NNNNNNNNNNNNNNNNNNNNNNNNNNNN%u9090%u6858'
		'/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir')
	start=$SECONDS pids=()
	for i in 0 1; do
		in_cli sh -c 'curl -s -m 5 "$1" >"$2.body"; echo $? >"$2.rc"' - \
			"http://$SRV4${worms[i]}" "/tmp/worm-$v-$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 0 1; do
		path=${worms[i]} rc=$(cat "/tmp/worm-$v-$i.rc") body=$(cat "/tmp/worm-$v-$i.body")
		((rc == 28)) && [ -z "$body" ] &&
			pass "GET ${path:0:24}... gets no response and is held until curl gives up ($((SECONDS - start)) s)" ||
			fail "GET ${path:0:24}... gets no response and is held (curl exit 28); got exit $rc, body '${body:0:100}'"
	done

	page=$(in_cli curl -s -m 10 "http://$SRV4/")
	grep -q "Directory listing" <<<"$page" && pass "normal requests still work afterwards" ||
		fail "normal requests still work after the worm requests"
	sleep 1
	kill "$tcpdump_pid" 2>/dev/null; wait "$tcpdump_pid" 2>/dev/null

	grep -Eq 'default\.ida|cmd\.exe' "$log" && fail "the web server never sees a worm request; its log: $(cat "$log")" ||
		pass "the web server never saw a worm request"
	zero=$(python3 "$repo/tests/vm/tcptrace.py" "$cap" | grep -c "^$SRV4:80 > .* \. .* win=0 ")
	((zero >= 2)) && pass "the tarpit held the worm connections with zero-window ACKs ($zero seen)" ||
		{ fail "the tarpit answers the worm requests with zero-window ACKs; saw $zero"; dump_rules "$v"; }
	cleanup_hosts
	load_module
done
finish

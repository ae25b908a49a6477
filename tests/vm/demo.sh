#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: the classic TARPIT article's scenario in the test VM, on the
# wire. Runs as root in the guest (scripts/vm-run).
. "$(dirname "$0")/lib.sh"
set -e
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

echo "Test VM: kernel $(uname -r), $(nproc) CPUs"
run insmod "$TARPIT_KO"
run modinfo -F description "$TARPIT_KO"
setup_hosts
echo "client $CLI4 (namespace $CLI) -- tarpit $SRV4 (namespace $SRV)"

say "S1: one tarpitted port"
run in_srv iptables -A INPUT -p tcp -m tcp --dport 135 -j TARPIT
run in_srv iptables -S INPUT
# Our hand-made client has no socket: keep its kernel from answering the
# SYN/ACK with a RST of its own.
in_cli iptables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
in_cli tcpdump -i veth0 -U -n -S -s 128 -w /tmp/demo.pcap tcp port 135 2>/dev/null &
sleep 1
# The article's client: a SYN with options, the handshake ACK, 1 byte of
# data with PSH, then a FIN. Hand-made, so the data leaves before the zero
# window arrives, as in the 2003 trace.
in_cli python3 - "$CLI4" "$SRV4" <<'PY'
import random, sys
sys.path.insert(0, "tests/vm")
from tcpprobe import ACK, FIN, PSH, SYN, Prober
p, sport, seq = Prober(sys.argv[1], sys.argv[2]), random.randint(20000, 60000), 333636191
syn_ack = p.send(sport, 135, SYN, seq=seq, window=16384, options=bytes([2, 4, 5, 0xB4, 1, 1, 4, 2]))
isn = syn_ack[0]["seq"]
p.send(sport, 135, ACK, seq=seq + 1, ack=isn + 1, window=16616)
p.send(sport, 135, PSH | ACK, seq=seq + 1, ack=isn + 1, window=16616, payload=b"x")
p.send(sport, 135, FIN | ACK, seq=seq + 2, ack=isn + 1, window=16616)
PY
sleep 1
kill %1; wait %1 2>/dev/null || true
run tcpdump -n -S -r /tmp/demo.pcap 2>/dev/null | cut -d' ' -f2-
echo "(SYN/ACK: window 5, no options, a hashed sequence number; every ACK: window 0,"
echo " acknowledging nothing; the FIN gets no answer: the client must time out.)"

say "A real client: connect() succeeds, and the connection just hangs"
in_cli python3 -c '
import socket, time
s = socket.create_connection(("'"$SRV4"'", 135), timeout=5)
print("connected; sending 1 byte")
s.send(b"x"); time.sleep(5)
print("5 s later:", "still connected, data never acknowledged" if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1 else "closed")
'

say "S3: tarpit every unused port, keep the real services"
in_srv iptables -F INPUT
run in_srv iptables -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
run in_srv iptables -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
run in_srv iptables -A INPUT -p tcp -j TARPIT
run in_srv iptables -A INPUT -p tcp -j DROP
in_srv python3 -m http.server --bind "$SRV4" 80 >/dev/null 2>&1 &
in_srv ncat -l -k "$SRV4" 22 --sh-exec 'echo SSH-2.0-OpenSSH_9.2' >/dev/null 2>&1 &
wait_listen "$SRV" 80 && wait_listen "$SRV" 22
run in_cli nmap -n -Pn -sS -p 20-25,80,135-139,445,1025 "$SRV4" | grep -E 'open|closed|PORT|scanned'
printf '$ nmap -n -Pn -sS -p- -T4 %s\n' "$SRV4"
in_cli nmap -n -Pn -sS -p- -T4 --min-rate 3000 "$SRV4" | grep -E 'Not shown|scanned|closed' || true
echo "$(in_cli nmap -n -Pn -sS -p- -T4 --min-rate 3000 -oG - "$SRV4" | grep -oE '[0-9]+/open/' | wc -l) of 65535 ports open"
run in_cli curl -s -o /dev/null -w 'the real web server still answers: HTTP %{http_code}\n' "http://$SRV4/"

say "Rule counters"
run in_srv iptables -L INPUT -v -n
cleanup_hosts
trap - EXIT
printf '$ rmmod xt_TARPIT\n'
unload_module

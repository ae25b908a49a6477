# SPDX-License-Identifier: GPL-2.0
# Helpers for the VM tests; sourced by each tests/vm/*.sh script, which runs
# as root inside the test VM. A script's exit status is its verdict:
# 0 pass, 4 skip (kselftest's KSFT_SKIP), anything else fail.

set -u
KSFT_SKIP=4
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# scripts/vm-run names the module built for the booted kernel.
TARPIT_KO=${TARPIT_KO:-$(ls "$repo"/build/module/"$(uname -r)"-*/xt_TARPIT.ko 2>/dev/null | head -n 1)}
export XTABLES_LIBDIR=${XTABLES_LIBDIR:-$repo/build/xtables:$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)}

failures=0
# fail MESSAGE: records a failure; the message says what should have happened.
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
# skip REASON: the whole test cannot run here; run-all counts it as
# skipped only when a reason was given.
skip() {
	[ -n "$*" ] || { echo "FAIL: a skip without a reason"; exit 1; }
	echo "SKIP: $*"
	echo "test: $*" >>"${TARPIT_SKIP_LOG:-/dev/null}"
	exit $KSFT_SKIP
}
# skip_check WHAT REASON: a check shown but not judged here; counted as skipped.
skip_check() {
	echo "SKIP: $1 ($2)"
	echo "check: $1" >>"${TARPIT_SKIP_LOG:-/dev/null}"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what (command: $*)"; fi
}

# The kernel log since dmesg_mark, by its last line (timestamped): a count of
# lines stops growing once the log buffer is full. All of it if the mark
# has left the buffer. (The mark goes by the environment: awk -v would
# read its backslashes as escapes.)
dmesg_mark() { dmesg_last=$(dmesg | tail -n 1); }
dmesg_since() {
	dmesg | mark="${dmesg_last:-}" awk '
		BEGIN { mark = ENVIRON["mark"] }
		{ line[NR] = $0 } $0 == mark { from = NR }
		END { for (i = (mark == "" ? 0 : from) + 1; i <= NR; i++) print line[i] }'
}

module_loaded() { grep -q '^xt_TARPIT ' /proc/modules; }
# loaded_is FILE: the loaded xt_TARPIT is FILE (.ko or .ko.xz): the same GNU
# build ID (srcversion is not there on every kernel).
loaded_is() {
	local note=/sys/module/xt_TARPIT/notes/.note.gnu.build-id loaded built
	[ -r "$note" ] || { echo "    no $note"; return 1; }
	loaded=$(od -An -tx1 -v "$note" | tr -d ' \n' | tail -c 40)
	case $1 in
	*.xz) xz -dc "$1" ;;
	*) cat "$1" ;;
	esac >/tmp/loaded_is.ko
	built=$(readelf -n /tmp/loaded_is.ko | sed -n 's/.*Build ID: //p' | head -n 1)
	echo "    build ID: loaded $loaded, ${1##*/} ${built:-none}"
	[ -n "$built" ] && [ "$loaded" = "$built" ]
}
load_module() { module_loaded || insmod "$TARPIT_KO"; }
# Retries for a while: rules in a deleted namespace are freed asynchronously.
unload_module() {
	local i
	for i in $(seq 25); do
		module_loaded || return 0
		rmmod xt_TARPIT 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod xt_TARPIT
}

# Ends the script with the verdict; call last.
finish() {
	if ((failures)); then
		echo "$failures check(s) failed"
		exit 1
	fi
	exit 0
}

# Two hosts on one veth link, each in its own network namespace:
# the client $CLI (10.0.0.1, fd00::1) and the tarpit $SRV (10.0.0.2, fd00::2).
CLI=tp-cli
SRV=tp-srv
CLI4=10.0.0.1
SRV4=10.0.0.2
in_cli() { ip netns exec "$CLI" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

setup_hosts() {
	ip netns del "$CLI" 2>/dev/null || true
	ip netns del "$SRV" 2>/dev/null || true
	ip netns add "$CLI" && ip netns add "$SRV" &&
		ip link add veth0 netns "$CLI" type veth peer name veth0 netns "$SRV" &&
		ip -n "$CLI" addr add "$CLI4/24" dev veth0 &&
		ip -n "$SRV" addr add "$SRV4/24" dev veth0 &&
		ip -n "$CLI" addr add fd00::1/64 dev veth0 nodad &&
		ip -n "$SRV" addr add fd00::2/64 dev veth0 nodad || return 1
	for ns in "$CLI" "$SRV"; do
		ip -n "$ns" link set lo up && ip -n "$ns" link set veth0 up || return 1
	done
	trap cleanup_hosts EXIT
}

# s1_answers IPTABLES SRC DST: a TARPIT rule for port 135, added in $SRV by
# IPTABLES (iptables-legacy, ip6tables-nft, ...), is accepted, listed back,
# and answers s1_wire.py from $CLI (SRC to DST) as tarpit mode prescribes;
# the rules go again after.
s1_answers() {
	local ipt=$1 src=$2 dst=$3 rc
	in_srv "$ipt" -A INPUT -p tcp -m tcp --dport 135 -j TARPIT ||
		{ fail "$ipt accepts a TARPIT rule"; return; }
	pass "$ipt accepts a TARPIT rule"
	check "$ipt lists it back" grep -q "TARPIT.*dpt:135" <<<"$(in_srv "$ipt" -L INPUT -n)"
	in_cli python3 "$repo/tests/vm/s1_wire.py" "$src" "$dst" 135 >/tmp/s1.out 2>&1
	rc=$?
	check "$ipt: a connection to the tarpitted port gets what tarpit mode prescribes (s1_wire.py)" test "$rc" = 0
	((rc == 0)) || cat /tmp/s1.out
	flush_rules "$SRV"
}

# flush_rules NS: every rule of NS goes now: in a deleted namespace rules
# are freed asynchronously (and slowly), keeping the module in use meanwhile.
flush_rules() {
	[ -e "/run/netns/$1" ] || return 0
	local t
	for t in filter raw mangle; do
		ip netns exec "$1" iptables-legacy -t "$t" -F
		ip netns exec "$1" ip6tables-legacy -t "$t" -F
	done 2>/dev/null
	ip netns exec "$1" nft flush ruleset 2>/dev/null
}

# del_namespaces NS...: stops the script's background jobs, then deletes
# the namespaces, their rules first (see flush_rules).
del_namespaces() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	local ns
	for ns; do
		flush_rules "$ns"
		ip netns del "$ns" 2>/dev/null || true
	done
}

cleanup_hosts() {
	del_namespaces "$SRV" "$CLI"
	unload_module 2>/dev/null || true
}

# memory_flat WHAT GROWTH LIMIT: passes when GROWTH (kB, or objects) stays
# below LIMIT. Judged on the debug kernel too: settle_memory's shrink also
# empties KASAN's quarantine of each cache (kasan_cache_shrink()).
memory_flat() {
	if (($2 < $3)); then
		pass "$1 (+$2)"
	else
		fail "$1: +$2, limit $3"
	fi
}

# Memory readings for the leak checks; each reads where a named leak grows.
# settle_memory: freed memory back where the readings see it. Shrinking
# each slab cache flushes its per-CPU (partial) slabs, whose free objects
# /proc/slabinfo counts as in use (e.g. the uncached route of each reply).
settle_memory() {
	local shrink
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1
	for shrink in /sys/kernel/slab/*/shrink; do echo 1 >"$shrink"; done 2>/dev/null
}
# meminfo KEY: a /proc/meminfo figure, in kB (SUnreclaim, VmallocUsed, ...).
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# slab_objects [CACHE]: objects in use in one slab cache, or in all that
# the kernel does not reclaim (a leaked allocation of any size is one more
# object; slab_nomerge keeps each cache's count its own). Reclaimable
# caches (dentries, inodes, ...) swing by thousands with whatever ran
# before, such as the firewall managers' tests, and hold nothing of ours.
slab_objects() {
	local reclaimable=
	[ -n "${1:-}" ] || reclaimable=$(grep -l '^1' /sys/kernel/slab/*/reclaim_account 2>/dev/null | awk -F/ '{ print $5 }')
	awk -v c="${1:-}" -v skip="$reclaimable" '
		BEGIN { k = split(skip, s, "\n"); for (i = 1; i <= k; i++) r[s[i]] = 1 }
		NR > 2 && (c == "" ? !($1 in r) : $1 == c) { n += $2; f = 1 } END { if (f) print n + 0 }' /proc/slabinfo
}
# percpu_allocations: live per-CPU allocations (CONFIG_PERCPU_STATS).
percpu_allocations() {
	awk '$1 == "nr_cur_alloc" { print $3 }' /sys/kernel/debug/percpu_stats 2>/dev/null
}

# The iptables binaries every scenario runs with.
# TARPIT_IPTABLES_VARIANTS=nft: one variant only (CI's second kernel line,
# for time; tests that drive iptables-legacy by name still do).
IPTABLES_VARIANTS=${TARPIT_IPTABLES_VARIANTS:-legacy nft}

# dump_rules VARIANT: the rules and counters, for a failure's context.
dump_rules() {
	echo "--- iptables-$1 rules in $SRV:"
	in_srv "iptables-$1" -L -v -n 2>&1 | sed 's/^/    /'
}

# wait_listen NS PORT: waits (10 s at most) until a TCP socket listens there.
wait_listen() {
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.2
	done
	return 1
}

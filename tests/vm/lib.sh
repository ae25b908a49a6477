# SPDX-License-Identifier: GPL-2.0
# Helpers for the VM tests; sourced by each tests/vm/*.sh script, which runs
# as root inside the test VM. A script's exit status is its verdict:
# 0 pass, 4 skip (kselftest's KSFT_SKIP), anything else fail.

set -u
KSFT_SKIP=4
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARPIT_KO=${TARPIT_KO:-$repo/xt_TARPIT.ko}
export XTABLES_LIBDIR=${XTABLES_LIBDIR:-$repo/build/xtables:$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)}

failures=0
# fail MESSAGE: records a failure; the message says what should have happened.
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what (command: $*)"; fi
}

# The kernel log since the mark set by dmesg_mark.
dmesg_mark() { dmesg_lines=$(dmesg | wc -l); }
dmesg_since() { dmesg | tail -n +"$((${dmesg_lines:-0} + 1))"; }

module_loaded() { grep -q '^xt_TARPIT ' /proc/modules; }
load_module() { module_loaded || insmod "$TARPIT_KO"; }
unload_module() { ! module_loaded || rmmod xt_TARPIT; }

# Ends the script with the verdict; call last.
finish() {
	if ((failures)); then
		echo "$failures check(s) failed"
		exit 1
	fi
	exit 0
}

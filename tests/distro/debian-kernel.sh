#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM on Debian's own kernel, booted on the Debian unstable root
# where our packages were installed (scripts/check-distro): the module DKMS
# built loads with modprobe, and a TARPIT rule with the packaged extension
# answers a connection as tarpit mode must, IPv4 and IPv6, with both
# iptables variants.
. "$(dirname "$0")/../vm/lib.sh"

release=$(uname -r)
check "the kernel is Debian's $TARPIT_DISTRO_RELEASE" test "$release" = "$TARPIT_DISTRO_RELEASE"
grep -q Debian /proc/version && pass "/proc/version: $(cut -d' ' -f1-3 /proc/version), $(grep -o 'Debian [^)]*' /proc/version | head -n 1)" ||
	fail "/proc/version names Debian: $(cat /proc/version)"
check "modprobe xt_TARPIT loads the packaged module" modprobe xt_TARPIT
path=$(modinfo -n xt_TARPIT)
check "it is the one DKMS installed ($path)" grep -q "^/lib/modules/$release/updates/" <<<"$path"
check "and the one loaded" loaded_is "$path"
echo "    vermagic: $(modinfo -F vermagic xt_TARPIT); taint flags: $(cat /proc/sys/kernel/tainted)"

# The packaged extension only (not the repository's build).
export XTABLES_LIBDIR=$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)
check "the packaged extension is installed" test -f "$XTABLES_LIBDIR/libxt_TARPIT.so"
setup_hosts || { fail "the test namespaces are set up"; finish; }
for v in legacy nft; do
	s1_answers "iptables-$v" "$CLI4" "$SRV4"
	s1_answers "ip6tables-$v" fd00::1 fd00::2
done
cleanup_hosts
trap - EXIT
check "the module unloads" unload_module
finish

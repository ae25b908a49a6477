#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, says so, carries its metadata, and unloads cleanly.
. "$(dirname "$0")/lib.sh"

# logged_since_mark TEXT: the kernel logged TEXT since dmesg_mark.
logged_since_mark() { dmesg_since | grep -qF -- "$1"; }

[ -f "$TARPIT_KO" ] || { fail "the module exists at $TARPIT_KO"; finish; }
unload_module
dmesg_mark
check "insmod succeeds" insmod "$TARPIT_KO"
check "lsmod lists xt_TARPIT" sh -c 'lsmod | grep -q "^xt_TARPIT "'
check "load is logged" logged_since_mark "xt_TARPIT: loaded"

info=$(modinfo "$TARPIT_KO")
for field in "license: *GPL" "alias: *ipt_TARPIT" "alias: *ip6t_TARPIT" "name: *xt_TARPIT"; do
	grep -Eq "^$field\$" <<<"$info" && pass "modinfo has $field" || fail "modinfo shows '$field'; got: $info"
done

dmesg_mark
check "rmmod succeeds" rmmod xt_TARPIT
check "lsmod no longer lists xt_TARPIT" sh -c '! lsmod | grep -q "^xt_TARPIT "'
check "unload is logged" logged_since_mark "xt_TARPIT: unloaded"
finish

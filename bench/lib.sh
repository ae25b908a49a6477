# SPDX-License-Identifier: GPL-2.0
# What the bench/*.sh parts share; sourced after tests/vm/lib.sh and
# tests/vm/wirelib.sh.

c_ko=${TARPIT_C_KO:?the C TARPIT module (scripts/build-c-tarpit)}
out=${BENCH_OUT:?}

c_loaded() { grep -q '^xt_TARPIT_c ' /proc/modules; }
# use_module rust|c|other: the TARPIT module a target needs, loaded alone
# (both register the target TARPIT); other targets need neither.
use_module() {
	case $1 in
	rust) ! c_loaded || rmmod xt_TARPIT_c; load_module ;;
	c) unload_module && { c_loaded || insmod "$c_ko"; } ;;
	esac
}

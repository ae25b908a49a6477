/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TARPIT target's rule ABI, shared by the kernel module and the iptables
 * extension. Byte-compatible with xtables-addons' xt_TARPIT.h, so that rule
 * sets move between the two implementations. Rust mirrors the variants in
 * logic/src/decision.rs (Mode).
 */
#ifndef _XT_TARPIT_TARGET_H
#define _XT_TARPIT_TARGET_H

#include <linux/types.h>

enum xt_tarpit_target_variant {
	XTTARPIT_TARPIT,
	XTTARPIT_HONEYPOT,
	XTTARPIT_RESET,
};

struct xt_tarpit_tginfo {
	__u8 variant;
};

#endif /* _XT_TARPIT_TARGET_H */

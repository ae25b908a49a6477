// SPDX-License-Identifier: GPL-2.0
/*
 * The TARPIT target's descriptor for libxtables. This part is C because it
 * is made of libxtables' macros (XTABLES_VERSION, XT_ALIGN, the option table
 * markers) and is found through a constructor; the callbacks are Rust
 * (src/lib.rs).
 */
#include <xtables.h>
#include "xt_TARPIT.h"

void tarpit_tg_help(void);
void tarpit_tg_parse(struct xt_option_call *cb);
void tarpit_tg_print(const void *ip, const struct xt_entry_target *target, int numeric);
void tarpit_tg_save(const void *ip, const struct xt_entry_target *target);

/* Option ids are the variants themselves; each mode excludes the others. */
#define F(v) (1U << (v))
static const struct xt_option_entry tarpit_tg_opts[] = {
	{.name = "tarpit", .id = XTTARPIT_TARPIT, .type = XTTYPE_NONE,
	 .excl = F(XTTARPIT_HONEYPOT) | F(XTTARPIT_RESET)},
	{.name = "honeypot", .id = XTTARPIT_HONEYPOT, .type = XTTYPE_NONE,
	 .excl = F(XTTARPIT_TARPIT) | F(XTTARPIT_RESET)},
	{.name = "reset", .id = XTTARPIT_RESET, .type = XTTYPE_NONE,
	 .excl = F(XTTARPIT_TARPIT) | F(XTTARPIT_HONEYPOT)},
	XTOPT_TABLEEND,
};

static struct xtables_target tarpit_tg_reg = {
	.version = XTABLES_VERSION,
	.name = "TARPIT",
	.revision = 0,
	/* One registration serves iptables and ip6tables. */
	.family = NFPROTO_UNSPEC,
	.size = XT_ALIGN(sizeof(struct xt_tarpit_tginfo)),
	.userspacesize = XT_ALIGN(sizeof(struct xt_tarpit_tginfo)),
	.help = tarpit_tg_help,
	.x6_parse = tarpit_tg_parse,
	.x6_options = tarpit_tg_opts,
	.print = tarpit_tg_print,
	.save = tarpit_tg_save,
};

static __attribute__((constructor)) void tarpit_tg_ldr(void)
{
	xtables_register_target(&tarpit_tg_reg);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace counters of the TARPIT target, shown in
 * /proc/net/xt_TARPIT of each namespace (rust/stats.c). Rust picks the
 * counter for each packet (rust/stats.rs).
 */
#ifndef TARPIT_STATS_H
#define TARPIT_STATS_H

#include <linux/types.h>

struct net;
struct sock;

/* Keep in step with tarpit_counter_names in stats.c. */
enum tarpit_counter {
	TARPIT_PACKETS,			/* every packet the target saw */
	TARPIT_SYN_ACK_SENT,
	TARPIT_ZERO_WINDOW_ACK_SENT,	/* tarpit mode's ACKs */
	TARPIT_ACK_SENT,		/* other ACKs (honeypot mode) */
	TARPIT_RST_SENT,
	TARPIT_NO_REPLY_BY_MODE,	/* the mode stays silent (FIN, RST, ...) */
	TARPIT_NO_REPLY_NOT_HOST,	/* link-layer broadcast, multicast, other host */
	TARPIT_NO_REPLY_NOT_UNICAST,	/* broadcast/multicast route or address */
	TARPIT_NO_REPLY_TRUNCATED,
	TARPIT_NO_REPLY_MALFORMED,
	TARPIT_NO_REPLY_IP_OPTIONS,	/* IPv4 options, IPv6 extension headers */
	TARPIT_NO_REPLY_FRAGMENT,
	TARPIT_NO_REPLY_NOT_TCP,	/* another protocol (a rule without -p) */
	TARPIT_NO_REPLY_BAD_DATA_OFFSET,
	TARPIT_NO_REPLY_BAD_CHECKSUM,
	TARPIT_NO_REPLY_ROUTE_FAILED,	/* no route or memory, or dropped on output */
	TARPIT_NO_REPLY_OWN_ADDRESS,	/* the reply would come back to this host */
	TARPIT_NO_REPLY_OUTPUT,		/* sent by this host, matched in OUTPUT */
	TARPIT_NR_COUNTERS,
};

int tarpit_stats_register(void);
void tarpit_stats_unregister(void);

/*
 * A TARPIT rule was made (@delta 1) or is gone (-1) in @net: the "rules"
 * line after the counters. Also while @net exits: x_tables may destroy its
 * rules after this module's per-net exit, and the number lives in the
 * per-net data, freed only after every exit.
 */
void tarpit_rules_changed(struct net *net, int delta);

/*
 * The kernel socket @net's IPv4 (@ipv4) or IPv6 replies are sent by; NULL
 * once @net exits.
 */
struct sock *tarpit_reply_sock(struct net *net, bool ipv4);

/* Whether @sk is one of @net's reply sockets. Compares pointers only. */
bool tarpit_is_reply_sock(struct net *net, const struct sock *sk);

/*
 * Counts one packet in @net, with its @outcome. Any context; nothing once
 * @net exits.
 */
void tarpit_stats_count(struct net *net, enum tarpit_counter outcome);

/*
 * Copies @net's key of the SYN/ACK sequence numbers to @key. Each
 * namespace draws its own when created, and draws it again, once, the
 * first time it is asked after the RNG became ready (a namespace made from
 * an initramfs before that would otherwise keep a guessable key). Any
 * context.
 */
void tarpit_isn_key(struct net *net, u64 key[2]);

#endif /* TARPIT_STATS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace counters (and the key of the SYN/ACK numbers), in
 * C because they are made of C's
 * per-net, per-CPU and seq_file machinery (net_generic, this_cpu_inc,
 * proc_create_net_single), which the kernel crate does not wrap. The
 * counters live and die with their namespace; incrementing one is a
 * per-CPU add, without locks or shared cache lines.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/ipv6.h>
#include <net/inet_common.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "stats.h"

static const char *const tarpit_counter_names[TARPIT_NR_COUNTERS] = {
	[TARPIT_PACKETS] = "packets",
	[TARPIT_SYN_ACK_SENT] = "syn_ack_sent",
	[TARPIT_ZERO_WINDOW_ACK_SENT] = "zero_window_ack_sent",
	[TARPIT_ACK_SENT] = "ack_sent",
	[TARPIT_RST_SENT] = "rst_sent",
	[TARPIT_NO_REPLY_BY_MODE] = "no_reply_by_mode",
	[TARPIT_NO_REPLY_NOT_HOST] = "no_reply_not_host",
	[TARPIT_NO_REPLY_NOT_UNICAST] = "no_reply_not_unicast",
	[TARPIT_NO_REPLY_TRUNCATED] = "no_reply_truncated",
	[TARPIT_NO_REPLY_MALFORMED] = "no_reply_malformed",
	[TARPIT_NO_REPLY_IP_OPTIONS] = "no_reply_ip_options",
	[TARPIT_NO_REPLY_FRAGMENT] = "no_reply_fragment",
	[TARPIT_NO_REPLY_NOT_TCP] = "no_reply_not_tcp",
	[TARPIT_NO_REPLY_BAD_DATA_OFFSET] = "no_reply_bad_data_offset",
	[TARPIT_NO_REPLY_BAD_CHECKSUM] = "no_reply_bad_checksum",
	[TARPIT_NO_REPLY_ROUTE_FAILED] = "no_reply_route_failed",
	[TARPIT_NO_REPLY_OWN_ADDRESS] = "no_reply_own_address",
	[TARPIT_NO_REPLY_OUTPUT] = "no_reply_output",
};

struct tarpit_counters {
	u64 count[TARPIT_NR_COUNTERS];
};

struct tarpit_net {
	struct tarpit_counters __percpu *counters;
	/*
	 * Keys of the SYN/ACK numbers: slot 0 drawn with the namespace, slot
	 * 1 once the RNG is ready if slot 0 was drawn before. Each is written
	 * before it is published (isn_key_slot), never after.
	 */
	u64 isn_keys[2][2];
	unsigned int isn_key_slot;
	/* 1 while slot 0 was drawn before the RNG was ready. */
	atomic_t isn_key_redraw;
	/* TARPIT rules in this namespace (iptables and ip6tables, any variant). */
	atomic_t rules;
	/*
	 * The kernel sockets the replies are sent by (IPv4, IPv6): a TARPIT
	 * rule in OUTPUT knows the tarpit's own replies by them (the hook
	 * state's socket), also after a queue gave a reply back.
	 */
	struct sock *reply_sk[2];
};

static unsigned int tarpit_net_id __read_mostly;

static int tarpit_stats_show(struct seq_file *seq, void *v)
{
	struct tarpit_net *tn = net_generic(seq_file_single_net(seq), tarpit_net_id);
	unsigned int i;
	int cpu;

	for (i = 0; i < TARPIT_NR_COUNTERS; i++) {
		u64 sum = 0;

		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(tn->counters, cpu)->count[i]);
		seq_printf(seq, "%s %llu\n", tarpit_counter_names[i], sum);
	}
	seq_printf(seq, "rules %d\n", atomic_read(&tn->rules));
	return 0;
}

static void tarpit_reply_socks_destroy(struct tarpit_net *tn)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tn->reply_sk); i++) {
		if (tn->reply_sk[i])
			inet_ctl_sock_destroy(tn->reply_sk[i]);
		tn->reply_sk[i] = NULL;
	}
}

/*
 * Raw TCP sockets, unhashed (inet_ctl_sock_create()): they never see a
 * packet, as the kernel's own ICMP and TCP reply sockets.
 */
static int tarpit_reply_socks_create(struct tarpit_net *tn, struct net *net)
{
	int err;

	err = inet_ctl_sock_create(&tn->reply_sk[0], PF_INET, SOCK_RAW, IPPROTO_TCP, net);
#if IS_ENABLED(CONFIG_IPV6)
	/* Booted with ipv6.disable=1: no IPv6 replies, and no socket for them. */
	if (!err && ipv6_mod_enabled())
		err = inet_ctl_sock_create(&tn->reply_sk[1], PF_INET6, SOCK_RAW, IPPROTO_TCP,
					   net);
#endif
	if (err)
		tarpit_reply_socks_destroy(tn);
	return err;
}

static int __net_init tarpit_net_init(struct net *net)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);
	int err;

	/* Before the RNG is ready, drawn again later (tarpit_isn_key()). */
	atomic_set(&tn->isn_key_redraw, !rng_is_initialized());
	get_random_bytes(tn->isn_keys[0], sizeof(tn->isn_keys[0]));
	tn->isn_key_slot = 0;
	atomic_set(&tn->rules, 0);
	tn->counters = alloc_percpu(struct tarpit_counters);
	if (!tn->counters)
		return -ENOMEM;
	err = tarpit_reply_socks_create(tn, net);
	if (err)
		goto free_counters;
	/* World-readable: /proc/net shows only the reader's own namespace. */
	if (!proc_create_net_single("xt_TARPIT", 0444, net->proc_net,
				    tarpit_stats_show, NULL)) {
		err = -ENOMEM;
		goto destroy_socks;
	}
	return 0;

destroy_socks:
	tarpit_reply_socks_destroy(tn);
free_counters:
	free_percpu(tn->counters);
	tn->counters = NULL;
	return err;
}

/*
 * x_tables and nf_tables may destroy the namespace's rules after this (in
 * the order the per-net operations were registered), while the per-net
 * data itself stays until every exit has run: what this frees is NULL
 * afterwards, and the functions below leave it alone then.
 */
static void __net_exit tarpit_net_exit(struct net *net)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	remove_proc_entry("xt_TARPIT", net->proc_net);
	tarpit_reply_socks_destroy(tn);
	free_percpu(tn->counters);
	tn->counters = NULL;
}

static struct pernet_operations tarpit_net_ops = {
	.init = tarpit_net_init,
	.exit = tarpit_net_exit,
	.id = &tarpit_net_id,
	.size = sizeof(struct tarpit_net),
};

int tarpit_stats_register(void)
{
	return register_pernet_subsys(&tarpit_net_ops);
}

void tarpit_stats_unregister(void)
{
	unregister_pernet_subsys(&tarpit_net_ops);
}

void tarpit_isn_key(struct net *net, u64 key[2])
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	unsigned int slot;

	/* One CPU draws slot 1; the others use slot 0 until it is published. */
	if (unlikely(atomic_read(&tn->isn_key_redraw)) && rng_is_initialized() &&
	    atomic_cmpxchg(&tn->isn_key_redraw, 1, 0) == 1) {
		get_random_bytes(tn->isn_keys[1], sizeof(tn->isn_keys[1]));
		smp_store_release(&tn->isn_key_slot, 1);
	}
	slot = smp_load_acquire(&tn->isn_key_slot);
	key[0] = tn->isn_keys[slot][0];
	key[1] = tn->isn_keys[slot][1];
}

void tarpit_rules_changed(struct net *net, int delta)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	atomic_add(delta, &tn->rules);
}

struct sock *tarpit_reply_sock(struct net *net, bool ipv4)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	return tn->reply_sk[ipv4 ? 0 : 1];
}

bool tarpit_is_reply_sock(struct net *net, const struct sock *sk)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	return sk && (sk == tn->reply_sk[0] || sk == tn->reply_sk[1]);
}

void tarpit_stats_count(struct net *net, enum tarpit_counter outcome)
{
	struct tarpit_net *tn = net_generic(net, tarpit_net_id);

	if (!tn->counters)
		return;
	this_cpu_inc(tn->counters->count[TARPIT_PACKETS]);
	if (outcome > TARPIT_PACKETS && outcome < TARPIT_NR_COUNTERS)
		this_cpu_inc(tn->counters->count[outcome]);
}

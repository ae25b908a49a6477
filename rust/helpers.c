// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
/*
 * The few things the Rust side cannot do through bindings: reading bit
 * fields and calling static inline functions of sk_buff, dst and the IPv4
 * output path. Each helper is as thin as the C API allows; the decisions
 * are all made in Rust.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <linux/netfilter_ipv6.h>
#include <net/route.h>
#include <net/l3mdev.h>
#include <net/xfrm.h>
#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/netfilter_bridge.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include "helpers.h"
#include "stats.h"

/*
 * Local traffic comes over loopback; anything else with one of our own
 * addresses as its source was spoofed. (In a VRF, local traffic comes
 * with the VRF device instead, and is refused: a known limit.)
 */
static bool tarpit_from_loopback(const struct sk_buff *oldskb)
{
	return oldskb->dev && (oldskb->dev->flags & IFF_LOOPBACK);
}

/*
 * A bridged frame (br_netfilter, bridge-nf-call-ip(6)tables=1) reaches
 * FORWARD with a fake route that says nothing about its addresses and
 * would route a reply by this host's own L3 tables (wrong interface and
 * MAC, or no route at all on a bridge without addresses).
 */
static bool tarpit_bridged(const struct sk_buff *skb)
{
	const struct dst_entry *dst = skb_dst(skb);

	return dst && (dst->flags & DST_FAKE_RTABLE);
}

/*
 * The bridge a port belongs to (under RCU), or NULL: the port may have left
 * its bridge, or its index been reused by another device.
 */
static struct net_device *tarpit_bridge_of(struct net_device *port)
{
	struct net_device *master = netdev_master_upper_dev_get_rcu(port);

	return master && netif_is_bridge_master(master) ? master : NULL;
}

static bool tarpit_ipv4_route_is_unicast(const struct sk_buff *skb)
{
	const struct rtable *rt = skb_rtable(skb);
	struct net_device *bridge;
	unsigned int type;

	if (!rt)
		return false;
	if (!tarpit_bridged(skb))
		return !(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
	/*
	 * The fake route of a bridged frame has no flags: ask the tables of
	 * the bridge (skb->dev is the port the frame leaves by), whose VRF it
	 * may be in; a subnet's broadcast is known where the host has an
	 * address in it. The IPv4 hooks have the header in the linear part.
	 */
	bridge = tarpit_bridge_of(skb->dev);
	type = inet_addr_type_dev_table(dev_net(skb->dev), bridge ? bridge : skb->dev,
					ip_hdr(skb)->daddr);
	return type != RTN_BROADCAST && type != RTN_MULTICAST;
}

/*
 * The transport protocol of @skb, or -1 where its headers do not say: an
 * IPv6 packet's is found past its extension headers (also in a fragment,
 * whose fragment header names it).
 */
static int tarpit_transport_protocol(const struct sk_buff *skb, bool ipv4)
{
	unsigned int thoff = 0;
	const u8 *nexthdr;
	u8 buf;

	nexthdr = skb_header_pointer(skb, ipv4 ? offsetof(struct iphdr, protocol) :
				     offsetof(struct ipv6hdr, nexthdr), 1, &buf);
	if (!nexthdr)
		return -1;
	if (ipv4 || *nexthdr == IPPROTO_TCP)
		return *nexthdr;
	return max(ipv6_find_hdr(skb, &thoff, -1, NULL, NULL), -1);
}

void tarpit_skb_view(const struct sk_buff *skb, bool ipv4, unsigned int want, void *buf,
		     struct tarpit_skb_view *view)
{
	view->protocol = tarpit_transport_protocol(skb, ipv4);
	view->len = skb->len;
	view->pkt_type = skb->pkt_type;
	view->unicast_route = !ipv4 || tarpit_ipv4_route_is_unicast(skb);
	view->head = skb_header_pointer(skb, 0, min(skb->len, want), buf);
}

bool tarpit_tcp_checksum_ok(struct sk_buff *skb, bool ipv4, unsigned int hook,
			    unsigned int dataoff)
{
	/*
	 * nf_ip(6)_checksum() take CHECKSUM_COMPLETE as verified outside
	 * PRE_ROUTING and LOCAL_IN, but no such skb reaches FORWARD: routing
	 * and bridging turn it into CHECKSUM_NONE first (skb_forward_csum()),
	 * which is verified in software. CHECKSUM_PARTIAL (a sender on this
	 * host, over veth or tun) has no sum yet: its data crossed no wire.
	 */
	if (ipv4)
		return nf_ip_checksum(skb, hook, dataoff, IPPROTO_TCP) == 0;
	return nf_ip6_checksum(skb, hook, dataoff, IPPROTO_TCP) == 0;
}

void tarpit_refuse_unknown_mode(unsigned int mode)
{
	pr_info_ratelimited("TARPIT: refusing a rule with unknown mode %u: known are 0 (--tarpit), 1 (--honeypot), 2 (--reset)\n",
			    mode);
}

void tarpit_refuse_protocol(unsigned int protocol, bool inverted)
{
	pr_info_ratelimited("TARPIT: refusing a rule for %sprotocol %u: only valid for protocol 6 (-p tcp) or for every protocol (no -p, other protocols are dropped)\n",
			    inverted ? "every protocol but " : "", protocol);
}

/*
 * Ties the reply to the incoming packet's connection, if tracked, as the
 * server's side of it: IP_CT_ESTABLISHED_REPLY, as SYNPROXY sends its
 * SYN/ACK, not nf_ct_attach()'s RELATED (an ICMP error's state). Rules that
 * pass a service's replies by their ESTABLISHED state, as firewall managers
 * mirror every service (firehol's "server ssh tarpit"), then see the
 * tarpit's answers as that service's. The reply direction is never
 * confirmed, so the incoming packet's conntrack entry stays as it was.
 * Except where conntrack would then change the reply: on a connection with
 * a helper or sequence adjustment (a NAT helper's, SYNPROXY's), nf_confirm()
 * would have the helper parse it, or shift its numbers once more. There
 * the reply gets nf_ct_attach()'s RELATED state, as REJECT's RSTs do, which
 * nf_confirm() spares both for a reply to a segment of the original
 * direction (RELATED_REPLY; not for one of the reply direction, as for
 * REJECT).
 * A reply to an untracked packet (the NOTRACK advice) stays untracked:
 * conntrack in LOCAL_OUT would otherwise start tracking it, one entry per
 * held connection.
 */
static void tarpit_ct_attach(struct sk_buff *nskb, const struct sk_buff *oldskb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(oldskb, &ctinfo);

	if (!ct) {
		if (ctinfo == IP_CT_UNTRACKED)
			nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
		return;
	}
	if (nfct_help(ct) || test_bit(IPS_SEQ_ADJUST_BIT, &ct->status)) {
		nf_ct_attach(nskb, oldskb);
		return;
	}
	nf_conntrack_get(&ct->ct_general);
	nf_ct_set(nskb, ct, CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ?
		  IP_CT_ESTABLISHED_REPLY : IP_CT_ESTABLISHED);
#endif
}

/*
 * After a RST, the incoming packet's connection (if tracked) is closing, as
 * nf_send_reset() marks it: conntrack never sees the RST itself, which
 * carries the connection attached, and would keep the entry ESTABLISHED
 * for days.
 */
static void tarpit_ct_closing(const struct sk_buff *oldskb, bool closing)
{
	if (closing)
		nf_ct_set_closing(skb_nfct(oldskb));
}

/*
 * A fresh skb holding the reply @hdr (@len bytes, of which @nhlen network
 * header), to go back the way @oldskb came; NULL without memory. Fresh
 * rather than a copy of the incoming skb: no payload to copy.
 */
static struct sk_buff *tarpit_new_reply(const void *hdr, unsigned int len, unsigned int nhlen,
					__be16 protocol, u32 mark)
{
	struct sk_buff *nskb;

	nskb = alloc_skb(LL_MAX_HEADER + len, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	nskb->mark = mark;
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_reset_network_header(nskb);
	skb_put_data(nskb, hdr, len);
	skb_set_transport_header(nskb, nhlen);
	nskb->protocol = protocol;
	return nskb;
}

#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
/*
 * Whether @bridge filters VLANs. By symbol_get(), so that the module does
 * not depend on bridge.ko where the bridge is a module: a bridged frame
 * means that it is loaded. Not knowing counts as filtering (no answer).
 */
static bool tarpit_bridge_filters_vlans(const struct net_device *bridge)
{
#if IS_ENABLED(CONFIG_BRIDGE_VLAN_FILTERING)
	bool (*vlan_enabled)(const struct net_device *dev) = symbol_get(br_vlan_enabled);
	bool filters;

	if (!vlan_enabled)
		return true;
	filters = vlan_enabled(bridge);
	symbol_put(br_vlan_enabled);
	return filters;
#else
	return false;
#endif
}
#endif

/*
 * What dev_queue_xmit() or ip(6)_local_out() returned: a qdisc's drop
 * (NET_XMIT_DROP) is a failure too. A function, not net_xmit_eval() on the
 * call: that macro evaluates its argument twice, which would send the
 * reply twice.
 */
static enum tarpit_send_result tarpit_xmit_result(int err)
{
	return net_xmit_eval(err) ? TARPIT_SEND_FAILED : TARPIT_SENT;
}

/*
 * ip_local_out() or ip6_local_out() of the reply @nskb by the namespace's
 * reply socket, which the hook state carries through LOCAL_OUT (and through
 * a queue and back): a TARPIT rule in OUTPUT knows the reply by it. The
 * socket does not own the skb (no memory accounting, no cgroup egress
 * program of its own).
 */
static int tarpit_local_out(struct net *net, struct sk_buff *nskb, bool ipv4)
{
	struct sock *sk = tarpit_reply_sock(net, ipv4);

	return ipv4 ? ip_local_out(net, sk, nskb) : ip6_local_out(net, sk, nskb);
}

/*
 * Sends the reply @nskb to the sender of the bridged frame @oldskb: back out
 * of the bridge port it came in by, from the MAC address it was sent to, as
 * nf_send_reset() sends its RSTs. The reply passes no netfilter hook (it is
 * not routed). Not answered: a frame of a VLAN-filtering bridge or with a
 * VLAN tag (the tag seen here is the egress port's, and the reply would
 * lack the ingress one). @closing as for tarpit_send_ipv4().
 */
static enum tarpit_send_result tarpit_send_bridged(struct net *net, struct sk_buff *oldskb,
						   struct sk_buff *nskb, bool closing)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	struct net_device *port, *bridge;
	const struct ethhdr *oeth;

	if (!skb_mac_header_was_set(oldskb) || skb_mac_header_len(oldskb) != ETH_HLEN ||
	    skb_vlan_tag_present(oldskb))
		goto drop;
	port = nf_bridge_get_physindev(oldskb, net);
	if (!port)
		goto drop;
	bridge = tarpit_bridge_of(port);
	if (!bridge || tarpit_bridge_filters_vlans(bridge))
		goto drop;
	oeth = eth_hdr(oldskb);
	nskb->dev = port;
	if (dev_hard_header(nskb, port, ntohs(nskb->protocol), oeth->h_source, oeth->h_dest,
			    nskb->len) < 0)
		goto drop;
	tarpit_ct_attach(nskb, oldskb);
	tarpit_ct_closing(oldskb, closing);
	return tarpit_xmit_result(dev_queue_xmit(nskb));
drop:
#endif
	kfree_skb(nskb);
	return TARPIT_SEND_FAILED;
}

/* Modelled on nf_send_reset() (net/ipv4/netfilter/nf_reject_ipv4.c). */
enum tarpit_send_result tarpit_send_ipv4(struct net *net, struct sk_buff *oldskb,
					 const void *hdr, unsigned int len, u8 ttl,
					 unsigned int hook, bool closing)
{
	struct sk_buff *nskb;
	struct iphdr *niph;

	/* The routing that follows starts from the incoming packet's route. */
	if (!skb_dst(oldskb))
		return TARPIT_SEND_FAILED;
	nskb = tarpit_new_reply(hdr, len, sizeof(struct iphdr), htons(ETH_P_IP),
				IP4_REPLY_MARK(net, oldskb->mark));
	if (!nskb)
		return TARPIT_SEND_FAILED;
	niph = ip_hdr(nskb);
	if (tarpit_bridged(oldskb)) {
		niph->ttl = ttl ? ttl : READ_ONCE(net->ipv4.sysctl_ip_default_ttl);
		ip_send_check(niph);
		return tarpit_send_bridged(net, oldskb, nskb, closing);
	}
	/* ip_route_me_harder() expects a dst (and takes its device). */
	skb_dst_set_noref(nskb, skb_dst(oldskb));
	/*
	 * The source is the packet's destination: local in INPUT (whose
	 * broadcast routes the target refused), so no lookup is needed to
	 * classify it; in FORWARD, RTN_UNSPEC lets the routing code classify
	 * it (any address, FLOWI_FLAG_ANYSRC, when answering for the unused
	 * addresses of a FORWARD rule).
	 */
	if (ip_route_me_harder(net, NULL, nskb,
			       hook == NF_INET_LOCAL_IN ? RTN_LOCAL : RTN_UNSPEC))
		goto drop;
	/* Only the route knows that an address is some subnet's broadcast. */
	if (!tarpit_ipv4_route_is_unicast(nskb)) {
		kfree_skb(nskb);
		return TARPIT_SEND_NOT_UNICAST;
	}
	if ((skb_rtable(nskb)->rt_flags & RTCF_LOCAL) && !tarpit_from_loopback(oldskb)) {
		kfree_skb(nskb);
		return TARPIT_SEND_OWN_ADDRESS;
	}
	niph->ttl = ttl ? ttl : ip4_dst_hoplimit(skb_dst(nskb));
	/* ip_local_out() recomputes the header checksum after the TTL change. */

	/* "Never happens" for 40 bytes, but a route may have a tiny MTU. */
	if (nskb->len > dst4_mtu(skb_dst(nskb)))
		goto drop;

	tarpit_ct_attach(nskb, oldskb);
	tarpit_ct_closing(oldskb, closing);
	/* Through LOCAL_OUT and POSTROUTING, so OUTPUT rules see it. */
	return tarpit_xmit_result(tarpit_local_out(net, nskb, true));

drop:
	kfree_skb(nskb);
	return TARPIT_SEND_FAILED;
}

/*
 * Routes the IPv6 reply @nskb to @oldskb's sender as nf_send_reset6() does,
 * by its own addresses, ports and mark, in the VRF of @oldskb's route. A
 * link-scope peer (fe80::/10) is reached over the interface the segment
 * came in by: ip6_route_me_harder() would take the device of the borrowed
 * input route, which for a local address is loopback (or the VRF), where
 * no fe80::/64 route is.
 */
static int tarpit_route_ipv6(struct net *net, struct sk_buff *nskb, struct sk_buff *oldskb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(nskb);
	const struct tcphdr *th = tcp_hdr(nskb);
	struct dst_entry *dst;
	struct flowi6 fl6 = {
		.flowi6_proto = IPPROTO_TCP,
		.flowi6_mark = nskb->mark,
		.saddr = ip6h->saddr,
		.daddr = ip6h->daddr,
		.fl6_sport = th->source,
		.fl6_dport = th->dest,
	};

	if (rt6_need_strict(&fl6.daddr))
		fl6.flowi6_oif = IP6CB(oldskb)->iif;
	else
		fl6.flowi6_l3mdev = l3mdev_master_ifindex(skb_dst_dev(oldskb));
	security_skb_classify_flow(oldskb, flowi6_to_flowi_common(&fl6));
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return -EHOSTUNREACH;
	}
	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	skb_dst_set(nskb, dst);
	return 0;
}

/*
 * As tarpit_send_ipv4(); IPv6 headers have no checksum, 60 bytes always fit
 * the minimum MTU of 1280, and IPv6 has no broadcast: the logic refuses
 * multicast sources before a reply is built.
 */
enum tarpit_send_result tarpit_send_ipv6(struct net *net, struct sk_buff *oldskb,
					 const void *hdr, unsigned int len, u8 hop_limit,
					 bool closing)
{
	struct sk_buff *nskb;

	if (!skb_dst(oldskb))
		return TARPIT_SEND_FAILED;
	nskb = tarpit_new_reply(hdr, len, sizeof(struct ipv6hdr), htons(ETH_P_IPV6),
				IP6_REPLY_MARK(net, oldskb->mark));
	if (!nskb)
		return TARPIT_SEND_FAILED;
	if (tarpit_bridged(oldskb)) {
		ipv6_hdr(nskb)->hop_limit =
			hop_limit ? hop_limit : READ_ONCE(net->ipv6.devconf_all->hop_limit);
		return tarpit_send_bridged(net, oldskb, nskb, closing);
	}
	if (tarpit_route_ipv6(net, nskb, oldskb))
		goto drop;
	/* Our anycast addresses (a router's subnet-router anycast) too. */
	if ((dst_rt6_info(skb_dst(nskb))->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST)) &&
	    !tarpit_from_loopback(oldskb)) {
		kfree_skb(nskb);
		return TARPIT_SEND_OWN_ADDRESS;
	}
	ipv6_hdr(nskb)->hop_limit = hop_limit ? hop_limit : ip6_dst_hoplimit(skb_dst(nskb));

	tarpit_ct_attach(nskb, oldskb);
	tarpit_ct_closing(oldskb, closing);
	return tarpit_xmit_result(tarpit_local_out(net, nskb, false));

drop:
	kfree_skb(nskb);
	return TARPIT_SEND_FAILED;
}

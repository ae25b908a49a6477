// SPDX-License-Identifier: GPL-2.0
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
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <linux/netfilter_ipv6.h>
#include <net/route.h>
#include "helpers.h"

/*
 * Local traffic comes over loopback; anything else with one of our own
 * addresses as its source was spoofed. (In a VRF, local traffic comes
 * with the VRF device instead, and is refused: a known limit.)
 */
static bool tarpit_from_loopback(const struct sk_buff *oldskb)
{
	return oldskb->dev && (oldskb->dev->flags & IFF_LOOPBACK);
}

static bool tarpit_ipv4_route_is_unicast(const struct sk_buff *skb)
{
	const struct rtable *rt = skb_rtable(skb);

	return rt && !(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

void tarpit_skb_view(const struct sk_buff *skb, bool ipv4, unsigned int want, void *buf,
		     struct tarpit_skb_view *view)
{
	view->len = skb->len;
	view->pkt_type = skb->pkt_type;
	view->unicast_route = !ipv4 || tarpit_ipv4_route_is_unicast(skb);
	view->head = skb_header_pointer(skb, 0, min(skb->len, want), buf);
}

/*
 * Ties the reply to the incoming packet's connection, if tracked. A reply to
 * an untracked packet (the NOTRACK advice) stays untracked: nf_ct_attach()
 * would give it a RELATED state without a conntrack, and conntrack in
 * LOCAL_OUT would then start tracking it, one entry per held connection.
 */
static void tarpit_ct_attach(struct sk_buff *nskb, const struct sk_buff *oldskb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;

	if (!nf_ct_get(oldskb, &ctinfo) && ctinfo == IP_CT_UNTRACKED) {
		nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
		return;
	}
#endif
	nf_ct_attach(nskb, oldskb);
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
 * header), to go back the way @oldskb came; NULL without a route or memory.
 * Fresh rather than a copy of the incoming skb: no payload to copy.
 */
static struct sk_buff *tarpit_new_reply(struct sk_buff *oldskb, const void *hdr,
					unsigned int len, unsigned int nhlen,
					__be16 protocol, u32 mark)
{
	struct sk_buff *nskb;

	/* The routing that follows starts from the incoming packet's route. */
	if (!skb_dst(oldskb))
		return NULL;
	nskb = alloc_skb(LL_MAX_HEADER + len, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	/* ip(6)_route_me_harder() expect a dst (and take its device). */
	skb_dst_set_noref(nskb, skb_dst(oldskb));
	nskb->mark = mark;
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_reset_network_header(nskb);
	skb_put_data(nskb, hdr, len);
	skb_set_transport_header(nskb, nhlen);
	nskb->protocol = protocol;
	return nskb;
}

/* Modelled on nf_send_reset() (net/ipv4/netfilter/nf_reject_ipv4.c). */
enum tarpit_send_result tarpit_send_ipv4(struct net *net, struct sk_buff *oldskb,
					 const void *hdr, unsigned int len, u8 ttl,
					 unsigned int hook, bool closing)
{
	struct sk_buff *nskb;
	struct iphdr *niph;

	nskb = tarpit_new_reply(oldskb, hdr, len, sizeof(struct iphdr), htons(ETH_P_IP),
				IP4_REPLY_MARK(net, oldskb->mark));
	if (!nskb)
		return TARPIT_SEND_FAILED;
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
	niph = ip_hdr(nskb);
	niph->ttl = ttl ? ttl : ip4_dst_hoplimit(skb_dst(nskb));
	/* ip_local_out() recomputes the header checksum after the TTL change. */

	/* "Never happens" for 40 bytes, but a route may have a tiny MTU. */
	if (nskb->len > dst4_mtu(skb_dst(nskb)))
		goto drop;

	tarpit_ct_attach(nskb, oldskb);
	tarpit_ct_closing(oldskb, closing);
	/* Through LOCAL_OUT and POSTROUTING, so OUTPUT rules see it. */
	return ip_local_out(net, nskb->sk, nskb) < 0 ? TARPIT_SEND_FAILED : TARPIT_SENT;

drop:
	kfree_skb(nskb);
	return TARPIT_SEND_FAILED;
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

	nskb = tarpit_new_reply(oldskb, hdr, len, sizeof(struct ipv6hdr), htons(ETH_P_IPV6),
				IP6_REPLY_MARK(net, oldskb->mark));
	if (!nskb)
		return TARPIT_SEND_FAILED;
	if (ip6_route_me_harder(net, NULL, nskb))
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
	return ip6_local_out(net, nskb->sk, nskb) < 0 ? TARPIT_SEND_FAILED : TARPIT_SENT;

drop:
	kfree_skb(nskb);
	return TARPIT_SEND_FAILED;
}

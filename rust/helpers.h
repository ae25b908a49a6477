/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of the module (rust/helpers.c), called from Rust. They exist
 * because what they touch is static inline or a bit field in C, which
 * bindgen cannot bind; bindgen reads these prototypes (rust/bindings.h).
 */
#ifndef TARPIT_HELPERS_H
#define TARPIT_HELPERS_H

#include <linux/types.h>

struct net;
struct sk_buff;

/* What the target reads of a packet, gathered by one call per packet. */
struct tarpit_skb_view {
	/*
	 * The transport protocol (IPPROTO_*), past any IPv6 extension
	 * headers; -1 where the headers do not say.
	 */
	int protocol;
	/* The first bytes from skb->data (see tarpit_skb_view()); NULL when the packet is shorter. */
	const void *head;
	/* skb->len: the packet's length from its network header on. */
	unsigned int len;
	/* skb->pkt_type (a bit field): PACKET_HOST, PACKET_BROADCAST, ... */
	u8 pkt_type;
	/*
	 * For IPv4: whether the input route is neither broadcast nor multicast
	 * (such packets, e.g. to a subnet's broadcast address, are never
	 * answered); false without a route. Always true for IPv6.
	 */
	bool unicast_route;
};

/*
 * Fills @view for @skb, whose first min(skb->len, @want) bytes from
 * skb->data (the network header in netfilter's IP hooks) are found as
 * skb_header_pointer() does: in the skb's linear part when there, else
 * copied to @buf (@want bytes long).
 */
void tarpit_skb_view(const struct sk_buff *skb, bool ipv4, unsigned int want, void *buf,
		     struct tarpit_skb_view *view);

/*
 * Whether the TCP checksum of @skb (IPv4 if @ipv4, else IPv6; TCP header at
 * @dataoff), at netfilter hook @hook, is right (or was checked by the
 * device, at the hooks where that holds). May change @skb's checksum state
 * (ip_summed, csum), never its data.
 */
bool tarpit_tcp_checksum_ok(struct sk_buff *skb, bool ipv4, unsigned int hook,
			    unsigned int dataoff);

/* Logs, rate-limited, why a rule with @mode is refused. */
void tarpit_refuse_unknown_mode(unsigned int mode);

/*
 * Logs, rate-limited, why a rule for @protocol (every protocol but it, if
 * @inverted) is refused.
 */
void tarpit_refuse_protocol(unsigned int protocol, bool inverted);

/* What tarpit_send_ipv4() and tarpit_send_ipv6() return. */
enum tarpit_send_result {
	TARPIT_SENT = 0,
	/*
	 * No route or memory, the output path or a qdisc dropped the reply,
	 * or a bridged frame's port is gone or the frame is VLAN-tagged or
	 * of a VLAN-filtering bridge.
	 */
	TARPIT_SEND_FAILED = 1,
	/*
	 * The reply's own route is broadcast or multicast: our peer's source
	 * address is one (e.g. a subnet's broadcast, which rp_filter off lets
	 * in). Not sent: it would answer a whole link.
	 */
	TARPIT_SEND_NOT_UNICAST = 2,
	/*
	 * The reply's route is local: our peer's source address is one of
	 * ours, and the segment did not come over loopback (a spoof, which
	 * IPv6 and IPv4's accept_local let in). Not sent: it would come back
	 * to this host's own input.
	 */
	TARPIT_SEND_OWN_ADDRESS = 3,
};

/*
 * Sends the IPv4 reply @hdr (@len bytes: IP and TCP header, checksums
 * filled in) to @oldskb's sender: a fresh skb, routed, through LOCAL_OUT.
 * @ttl 0 takes the route's hop limit. @hook is the netfilter hook @oldskb
 * is in (NF_INET_LOCAL_IN: the reply's source is a local address).
 * @closing (the reply is a RST) marks @oldskb's tracked connection closing.
 */
enum tarpit_send_result tarpit_send_ipv4(struct net *net, struct sk_buff *oldskb, const void *hdr,
		     unsigned int len, u8 ttl, unsigned int hook, bool closing);

/* The same for IPv6 (@hdr: IPv6 and TCP header); @hop_limit 0 likewise. */
enum tarpit_send_result tarpit_send_ipv6(struct net *net, struct sk_buff *oldskb, const void *hdr,
		     unsigned int len, u8 hop_limit, bool closing);

#endif /* TARPIT_HELPERS_H */

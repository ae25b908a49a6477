// SPDX-License-Identifier: GPL-2.0

//! The TARPIT target: reads a matched IPv4 or IPv6 segment, asks the shared
//! logic for the reply, sends it, and drops the segment. No per-connection
//! state.

use crate::{
    bindings,
    logic::{
        decision::{decide, Entropy, Flags, Mode, Reply, Segment},
        packet::{self, Ipv4Segment, Ipv6Segment, NoReply},
        siphash,
    },
    skb::{NotSent, SkBuff, View, HEAD_LEN},
    stats,
    xtables::{ActionParam, Family, Net, RuleProtocol, Target},
};
use kernel::prelude::*;

/// Why a matched segment got no reply (counted in `/proc/net/xt_TARPIT`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Silence {
    /// Not addressed to this host at the link layer (broadcast, multicast).
    NotHost,
    /// Addressed to, or (the reply's route says) from, a broadcast or
    /// multicast IP address.
    NotUnicastRoute,
    /// The headers say no (see [`NoReply`]).
    Header(NoReply),
    /// The TCP checksum is wrong.
    BadChecksum,
    /// The mode answers these flags with silence (e.g. FIN in tarpit mode).
    ByMode,
    /// The rule's mode is unknown (cannot happen: `check` refuses it).
    UnknownMode,
    /// The reply could not be routed or sent.
    SendFailed,
    /// The reply would come back to this host (see [`NotSent::OwnAddress`]).
    OwnAddress,
    /// Sent by this host, matched in OUTPUT: dropped, never answered.
    Output,
    /// IPv6 neighbour discovery (see [`packet::ipv6_neighbour_discovery`]):
    /// passed on to the next rule, neither answered nor counted.
    NeighbourDiscovery,
}

/// An incoming segment, parsed.
enum Incoming {
    V4(Ipv4Segment),
    V6(Ipv6Segment),
}

impl Incoming {
    fn segment(&self) -> &Segment {
        match self {
            Incoming::V4(s) => &s.segment,
            Incoming::V6(s) => &s.segment,
        }
    }
}

/// Where a reply's unknowns come from in the kernel.
struct KernelEntropy<'a> {
    incoming: &'a Incoming,
    /// The namespace's key of the SYN/ACK numbers.
    key: siphash::Key,
}

impl Entropy for KernelEntropy<'_> {
    fn isn(&mut self) -> u32 {
        let key = &self.key;
        match self.incoming {
            Incoming::V4(s) => siphash::isn_ipv4(key, s.saddr, s.daddr, s.sport, s.dport),
            Incoming::V6(s) => siphash::isn_ipv6(key, s.saddr, s.daddr, s.sport, s.dport),
        }
    }

    fn random(&mut self) -> u8 {
        // SAFETY: get_random_u8() may be called from any context.
        unsafe { bindings::get_random_u8() }
    }
}

/// The TTL (hop limit) of a honeypot's replies: Windows' default.
const HONEYPOT_TTL: u8 = 128;

/// Reads the headers of the segment `view` shows.
fn parse(view: &View<'_>, family: Family) -> Result<Incoming, Silence> {
    let head = view.head.ok_or(Silence::Header(NoReply::Truncated))?;
    match family {
        Family::Ipv4 => packet::parse_ipv4(head, view.len).map(Incoming::V4),
        Family::Ipv6 => packet::parse_ipv6(head, view.len).map(Incoming::V6),
    }
    .map_err(Silence::Header)
}

/// Answers the segment in `skb` as `mode` says; returns the reply sent.
fn reply(skb: &mut SkBuff, mode: Mode, par: &ActionParam<'_>) -> Result<Reply, Silence> {
    let family = par.family();
    let mut buf = [0u8; HEAD_LEN];
    let view = skb.view(family, &mut buf);
    // Before anything else: a rule without -p (a ban list) drops every
    // other protocol, and says so in its own counter.
    if view
        .protocol
        .is_some_and(|p| u32::from(p) != bindings::IPPROTO_TCP)
    {
        if family == Family::Ipv6 && view.head.is_some_and(packet::ipv6_neighbour_discovery) {
            return Err(Silence::NeighbourDiscovery);
        }
        return Err(Silence::Header(NoReply::NotTcp));
    }
    if view.pkt_type != bindings::PACKET_HOST {
        return Err(Silence::NotHost);
    }
    if !view.unicast_route {
        return Err(Silence::NotUnicastRoute);
    }
    let incoming = parse(&view, family)?;
    // Last of the checks: it may read the whole packet. Neither header has
    // options or extensions here (parse refused them).
    let tcp_offset = match family {
        Family::Ipv4 => 20,
        Family::Ipv6 => 40,
    };
    if !skb.tcp_checksum_ok(family, par.hook(), tcp_offset) {
        return Err(Silence::BadChecksum);
    }
    let mut entropy = KernelEntropy {
        incoming: &incoming,
        key: stats::isn_key(par.net()).ok_or(Silence::SendFailed)?,
    };
    let reply = decide(mode, incoming.segment(), &mut entropy).ok_or(Silence::ByMode)?;
    let ttl = if mode == Mode::Honeypot {
        HONEYPOT_TTL
    } else {
        0
    };
    let closing = reply.flags.has(Flags::RST);
    let sent = match &incoming {
        Incoming::V4(s) => skb.send_reply(
            family,
            par.net(),
            par.hook(),
            &packet::build_ipv4_reply(s, &reply, ttl),
            ttl,
            closing,
        ),
        Incoming::V6(s) => skb.send_reply(
            family,
            par.net(),
            par.hook(),
            &packet::build_ipv6_reply(s, &reply, ttl),
            ttl,
            closing,
        ),
    };
    sent.map(|()| reply).map_err(|e| match e {
        NotSent::NotUnicastRoute => Silence::NotUnicastRoute,
        NotSent::Failed => Silence::SendFailed,
        NotSent::OwnAddress => Silence::OwnAddress,
    })
}

/// A packet this host sends, at a TARPIT rule in OUTPUT (which firewall
/// managers mirror from their INPUT rules): the tarpit's own replies pass,
/// as ACCEPT would pass them; so does IPv6 neighbour discovery, to the next
/// rule, or the host could not reach a banned neighbour; anything else is
/// dropped, never answered.
fn output(skb: &SkBuff, par: &ActionParam<'_>) -> u32 {
    if stats::is_reply_socket(par.net(), par.socket()) {
        return bindings::NF_ACCEPT;
    }
    if par.family() == Family::Ipv6 {
        let mut buf = [0u8; HEAD_LEN];
        let view = skb.view(Family::Ipv6, &mut buf);
        if view.head.is_some_and(packet::ipv6_neighbour_discovery) {
            return bindings::XT_CONTINUE;
        }
    }
    stats::count(par.net(), &Err(Silence::Output));
    bindings::NF_DROP
}

/// The TARPIT target.
pub(crate) struct Tarpit;

impl Target for Tarpit {
    const NAME: &'static str = "TARPIT";
    // OUTPUT only drops (see `target`): firewall managers mirror the rules
    // of a service into it. PREROUTING and POSTROUTING stay refused: a
    // segment there may be for another host (before routing) or be on its
    // way out (after), and no reply from there can be right.
    const HOOKS: u32 = (1 << bindings::NF_INET_LOCAL_IN)
        | (1 << bindings::NF_INET_FORWARD)
        | (1 << bindings::NF_INET_LOCAL_OUT);
    type Info = bindings::xt_tarpit_tginfo;

    fn check(info: &Self::Info, protocol: RuleProtocol, net: &Net) -> Result {
        if Mode::from_variant(info.variant).is_none() {
            // Rate-limited: CAP_NET_ADMIN in any user namespace may try.
            // SAFETY: the helper takes a plain number and may log from any
            // context.
            unsafe { bindings::tarpit_refuse_unknown_mode(info.variant.into()) };
            return Err(EINVAL);
        }
        // TCP, or every protocol (a ban list: the rest is dropped). An
        // explicit other protocol is a mistake, and says so.
        let refused = match protocol {
            RuleProtocol::Any => None,
            RuleProtocol::Only(p) if u32::from(p) == bindings::IPPROTO_TCP => None,
            RuleProtocol::Only(p) => Some((p, false)),
            RuleProtocol::AllBut(p) => Some((p, true)),
            RuleProtocol::Unknown => Some((0, false)),
        };
        if let Some((number, inverted)) = refused {
            // SAFETY: as above: plain values, any context.
            unsafe { bindings::tarpit_refuse_protocol(number.into(), inverted) };
            return Err(EINVAL);
        }
        stats::rules_changed(net, 1);
        Ok(())
    }

    fn destroy(_info: &Self::Info, net: &Net) {
        stats::rules_changed(net, -1);
    }

    fn target(skb: &mut SkBuff, info: &Self::Info, par: &ActionParam<'_>) -> u32 {
        if par.hook() == bindings::NF_INET_LOCAL_OUT {
            return output(skb, par);
        }
        let outcome = match Mode::from_variant(info.variant) {
            Some(mode) => reply(skb, mode, par),
            None => Err(Silence::UnknownMode),
        };
        if let Err(Silence::NeighbourDiscovery) = outcome {
            return bindings::XT_CONTINUE;
        }
        stats::count(par.net(), &outcome);
        // The matched segment is always dropped: the reply is a new packet.
        bindings::NF_DROP
    }
}

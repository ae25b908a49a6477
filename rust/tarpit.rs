// SPDX-License-Identifier: GPL-2.0

//! The TARPIT target: reads a matched segment, asks the shared logic for
//! the reply, sends it, and drops the segment. No per-connection state.

use crate::{
    bindings,
    logic::{
        decision::{decide, Entropy, Mode},
        packet::{self, Ipv4Segment, NoReply, IPV4_TCP_LEN},
        siphash,
    },
    skb::SkBuff,
    xtables::{ActionParam, Target},
};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

/// The key of the SYN/ACK sequence numbers, drawn when the module loads.
static ISN_KEY: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Draws a new key for the SYN/ACK sequence numbers.
pub(crate) fn init_isn_key() {
    for word in &ISN_KEY {
        // SAFETY: get_random_u64() may be called from any context.
        word.store(unsafe { bindings::get_random_u64() }, Ordering::Relaxed);
    }
}

/// Why a matched segment got no reply.
#[derive(Clone, Copy, Debug)]
#[expect(
    dead_code,
    reason = "the reasons are for statistics, which do not exist yet"
)]
pub(crate) enum Silence {
    /// Not addressed to this host at the link layer (broadcast, multicast).
    NotHost,
    /// Addressed to a broadcast or multicast IP route.
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
}

/// Where a reply's unknowns come from in the kernel.
struct KernelEntropy<'a> {
    segment: &'a Ipv4Segment,
}

impl Entropy for KernelEntropy<'_> {
    fn isn(&mut self) -> u32 {
        let s = self.segment;
        let mut endpoints = [0u8; 12];
        endpoints[..4].copy_from_slice(&s.saddr);
        endpoints[4..8].copy_from_slice(&s.daddr);
        endpoints[8..10].copy_from_slice(&s.sport.to_be_bytes());
        endpoints[10..].copy_from_slice(&s.dport.to_be_bytes());
        let key = siphash::Key(ISN_KEY.each_ref().map(|w| w.load(Ordering::Relaxed)));
        siphash::isn(&key, &endpoints)
    }

    fn random(&mut self) -> u32 {
        // SAFETY: get_random_u32() may be called from any context.
        unsafe { bindings::get_random_u32() }
    }
}

/// The TTL of a honeypot's replies: Windows' default.
const HONEYPOT_TTL: u8 = 128;

/// Answers an IPv4 segment as `mode` says.
fn reply_ipv4(skb: &SkBuff, mode: Mode, par: &ActionParam<'_>) -> Result<(), Silence> {
    if skb.pkt_type() != bindings::PACKET_HOST {
        return Err(Silence::NotHost);
    }
    if !skb.ipv4_route_is_unicast() {
        return Err(Silence::NotUnicastRoute);
    }
    let len = skb.len();
    let mut head = [0u8; IPV4_TCP_LEN];
    let head = &mut head[..len.min(IPV4_TCP_LEN)];
    skb.copy_bits(0, head)
        .map_err(|_| Silence::Header(NoReply::Truncated))?;
    let segment = packet::parse_ipv4(head, len).map_err(Silence::Header)?;
    // Last of the checks: it may read the whole packet.
    if !skb.ipv4_tcp_checksum_ok(par.hook(), 20) {
        return Err(Silence::BadChecksum);
    }
    let reply = decide(
        mode,
        &segment.segment,
        &mut KernelEntropy { segment: &segment },
    )
    .ok_or(Silence::ByMode)?;
    let ttl = if mode == Mode::Honeypot {
        HONEYPOT_TTL
    } else {
        0
    };
    let bytes = packet::build_ipv4_reply(&segment, &reply, ttl);
    skb.send_ipv4_reply(par.net(), &bytes, ttl)
        .map_err(|_| Silence::SendFailed)
}

/// The TARPIT target.
pub(crate) struct Tarpit;

impl Target for Tarpit {
    const NAME: &'static str = "TARPIT";
    const HOOKS: u32 = (1 << bindings::NF_INET_LOCAL_IN) | (1 << bindings::NF_INET_FORWARD);
    // The protocol number (6) fits in 16 bits.
    const PROTO: u16 = bindings::IPPROTO_TCP as u16;
    type Info = bindings::xt_tarpit_tginfo;

    fn check(info: &Self::Info) -> Result {
        if Mode::from_variant(info.variant).is_none() {
            pr_info!(
                "TARPIT: refusing a rule with unknown mode {}: known are 0 (--tarpit), 1 (--honeypot), 2 (--reset)\n",
                info.variant
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    fn target(skb: &SkBuff, info: &Self::Info, par: &ActionParam<'_>) -> u32 {
        let result = match Mode::from_variant(info.variant) {
            Some(mode) => reply_ipv4(skb, mode, par),
            None => Err(Silence::UnknownMode),
        };
        // Statistics of the outcome come later; silence is not an error.
        let _ = result;
        // The matched segment is always dropped: the reply is a new packet.
        bindings::NF_DROP
    }
}

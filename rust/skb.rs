// SPDX-License-Identifier: GPL-2.0

//! A borrowed socket buffer, as netfilter hands it to a target.

use crate::bindings;
use crate::logic::packet::{IPV4_TCP_LEN, IPV6_TCP_LEN};
use crate::xtables::{Family, Net};
use kernel::types::Opaque;

/// A `struct sk_buff` that a netfilter hook lends to a target.
///
/// Methods that may change the skb take `&mut self`, so that no [`View`]
/// into its data outlives such a change.
///
/// # Invariants
///
/// The wrapped `sk_buff` is valid, and not freed, for as long as the
/// reference to this `SkBuff` lives, and nothing else uses it meanwhile
/// (netfilter runs one hook on a packet at a time).
#[repr(transparent)]
pub(crate) struct SkBuff(Opaque<bindings::sk_buff>);

impl SkBuff {
    /// Wraps a raw `sk_buff` pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `sk_buff` that stays valid, is not freed,
    /// and is used by nothing else, for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::sk_buff) -> &'a mut Self {
        // SAFETY: `SkBuff` is a transparent wrapper of `sk_buff`, and the
        // caller guarantees that `ptr` is valid and unshared for `'a`.
        // INVARIANT: the caller guarantees both for the reference's life.
        unsafe { &mut *ptr.cast::<Self>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.get()
    }

    /// What the target reads of this packet (see [`View`]), the headers
    /// borrowed from the skb's linear part or copied into `buf`.
    pub(crate) fn view<'a>(&'a self, family: Family, buf: &'a mut [u8; HEAD_LEN]) -> View<'a> {
        let want = match family {
            Family::Ipv4 => IPV4_TCP_LEN,
            Family::Ipv6 => HEAD_LEN,
        };
        let mut raw = bindings::tarpit_skb_view {
            protocol: -1,
            head: core::ptr::null(),
            len: 0,
            pkt_type: 0,
            unicast_route: false,
        };
        // SAFETY: the skb is valid (type invariant), `buf` is writable for
        // `want` <= HEAD_LEN bytes, and `raw` is writable.
        unsafe {
            bindings::tarpit_skb_view(
                self.as_raw(),
                family == Family::Ipv4,
                want as u32,
                buf.as_mut_ptr().cast(),
                &mut raw,
            )
        };
        // A u32 always fits in usize on the 64-bit kernels Rust supports.
        let len = raw.len as usize;
        let head = if raw.head.is_null() {
            None
        } else {
            // SAFETY: `head` points to min(len, want) initialised bytes,
            // either in `buf` (borrowed for 'a) or in the skb's linear data,
            // which stays where it is and unchanged while the skb is
            // borrowed shared for 'a (what changes an skb takes `&mut`).
            Some(unsafe { core::slice::from_raw_parts(raw.head.cast::<u8>(), len.min(want)) })
        };
        View {
            protocol: u8::try_from(raw.protocol).ok(),
            head,
            len,
            pkt_type: u32::from(raw.pkt_type),
            unicast_route: raw.unicast_route,
        }
    }

    /// Whether the TCP checksum of this packet, whose TCP header is at
    /// `tcp_offset`, at netfilter hook `hook`, is valid (or was checked by
    /// the device where the kernel can trust that). May change the skb's
    /// checksum state, hence `&mut self`.
    pub(crate) fn tcp_checksum_ok(&mut self, family: Family, hook: u32, tcp_offset: u32) -> bool {
        // SAFETY: the skb is valid and lent to us alone (type invariant);
        // the helper changes only its checksum state, and no `View` into
        // it is alive (`&mut self`).
        unsafe {
            bindings::tarpit_tcp_checksum_ok(
                self.as_raw(),
                family == Family::Ipv4,
                hook,
                tcp_offset,
            )
        }
    }

    /// Sends `reply` (a whole IPv4 or IPv6 packet, per `family`) back to this
    /// packet's sender in `net`, from netfilter hook `hook`, with TTL or hop
    /// limit `ttl` (0: the route's); `closing` (the reply is a RST) marks
    /// this packet's tracked connection closing.
    pub(crate) fn send_reply(
        &self,
        family: Family,
        net: &Net,
        hook: u32,
        reply: &[u8],
        ttl: u8,
        closing: bool,
    ) -> core::result::Result<(), NotSent> {
        let len = u32::try_from(reply.len()).map_err(|_| NotSent::Failed)?;
        let skb = self.as_raw();
        let net = net.as_raw();
        let data = reply.as_ptr().cast();
        let result = match family {
            // SAFETY: the skb is valid (type invariant), `net` is alive (its
            // type invariant), and `reply` is readable for `len` bytes (the
            // helper copies it before returning).
            Family::Ipv4 => unsafe {
                bindings::tarpit_send_ipv4(net, skb, data, len, ttl, hook, closing)
            },
            // SAFETY: as for IPv4 just above.
            Family::Ipv6 => unsafe {
                bindings::tarpit_send_ipv6(net, skb, data, len, ttl, closing)
            },
        };
        match result {
            bindings::TARPIT_SENT => Ok(()),
            bindings::TARPIT_SEND_NOT_UNICAST => Err(NotSent::NotUnicastRoute),
            bindings::TARPIT_SEND_OWN_ADDRESS => Err(NotSent::OwnAddress),
            _ => Err(NotSent::Failed),
        }
    }
}

/// The most a target reads of a packet: IPv6 and TCP headers.
pub(crate) const HEAD_LEN: usize = IPV6_TCP_LEN;

/// What the target reads of a packet.
pub(crate) struct View<'a> {
    /// The transport protocol (past any IPv6 extension headers), if the
    /// headers say.
    pub(crate) protocol: Option<u8>,
    /// Its first bytes: the IP and TCP headers without options, or all of
    /// it when shorter; `None` if the skb could not provide them.
    pub(crate) head: Option<&'a [u8]>,
    /// Its length from the network header on.
    pub(crate) len: usize,
    /// The link-layer class (`PACKET_HOST`, `PACKET_BROADCAST`, ...).
    pub(crate) pkt_type: u32,
    /// Not an IPv4 packet with a broadcast or multicast input route.
    pub(crate) unicast_route: bool,
}

/// Why a reply was not sent.
pub(crate) enum NotSent {
    /// The reply's own route is broadcast or multicast: the peer's source
    /// address is one.
    NotUnicastRoute,
    /// The reply's route is local (the peer's source address is one of
    /// ours) and the packet did not come over loopback: a spoof, whose
    /// reply would come back to this host.
    OwnAddress,
    /// No route or memory, or the output path refused it.
    Failed,
}

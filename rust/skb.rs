// SPDX-License-Identifier: GPL-2.0

//! A borrowed socket buffer, as netfilter hands it to a target.

use crate::bindings;
use crate::xtables::Family;
use kernel::{error::to_result, prelude::*, types::Opaque};

/// A `struct sk_buff` that a netfilter hook lends to a target.
///
/// # Invariants
///
/// The wrapped `sk_buff` is valid, and not freed, for as long as the
/// reference to this `SkBuff` lives.
#[repr(transparent)]
pub(crate) struct SkBuff(Opaque<bindings::sk_buff>);

impl SkBuff {
    /// Wraps a raw `sk_buff` pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `sk_buff` that stays valid, and is not
    /// freed, for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::sk_buff) -> &'a Self {
        // SAFETY: `SkBuff` is a transparent wrapper of `sk_buff`, and the
        // caller guarantees that `ptr` is valid for `'a`.
        // INVARIANT: the caller guarantees validity for the reference's life.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.get()
    }

    /// The packet's length from its network header on.
    pub(crate) fn len(&self) -> usize {
        // SAFETY: the skb is valid (type invariant).
        let len = unsafe { bindings::tarpit_skb_len(self.as_raw()) };
        // A u32 always fits in usize on the 64-bit kernels Rust supports.
        len as usize
    }

    /// The link-layer class (`PACKET_HOST`, `PACKET_BROADCAST`, ...).
    pub(crate) fn pkt_type(&self) -> u32 {
        // SAFETY: the skb is valid (type invariant).
        u32::from(unsafe { bindings::tarpit_skb_pkt_type(self.as_raw()) })
    }

    /// Whether the packet's IPv4 input route is unicast (see helpers.h).
    pub(crate) fn ipv4_route_is_unicast(&self) -> bool {
        // SAFETY: the skb is valid (type invariant).
        unsafe { bindings::tarpit_ipv4_route_is_unicast(self.as_raw()) }
    }

    /// Copies `buf.len()` bytes from `offset` (from the network header)
    /// into `buf`, wherever the skb keeps them (linear part or pages).
    pub(crate) fn copy_bits(&self, offset: usize, buf: &mut [u8]) -> Result {
        let offset = i32::try_from(offset).map_err(|_| EINVAL)?;
        let len = i32::try_from(buf.len()).map_err(|_| EINVAL)?;
        // SAFETY: the skb is valid (type invariant) and `buf` is writable
        // for `len` bytes; skb_copy_bits() checks the range against the skb.
        to_result(unsafe {
            bindings::skb_copy_bits(self.as_raw(), offset, buf.as_mut_ptr().cast(), len)
        })
    }

    /// Whether the TCP checksum of this IPv4 packet, whose TCP header is at
    /// `tcp_offset`, is valid (or was already checked by the device).
    pub(crate) fn ipv4_tcp_checksum_ok(&self, hook: u32, tcp_offset: u32) -> bool {
        // The protocol number (6) fits in a byte.
        let tcp = bindings::IPPROTO_TCP as u8;
        // SAFETY: the skb is valid (type invariant); nf_ip_checksum() reads
        // only within it.
        unsafe { bindings::nf_ip_checksum(self.as_raw(), hook, tcp_offset, tcp) == 0 }
    }

    /// Whether the TCP checksum of this IPv6 packet, whose TCP header is at
    /// `tcp_offset`, is valid (or was already checked by the device).
    pub(crate) fn ipv6_tcp_checksum_ok(&self, hook: u32, tcp_offset: u32) -> bool {
        // The protocol number (6) fits in a byte.
        let tcp = bindings::IPPROTO_TCP as u8;
        // SAFETY: the skb is valid (type invariant); nf_ip6_checksum() reads
        // only within it.
        unsafe { bindings::nf_ip6_checksum(self.as_raw(), hook, tcp_offset, tcp) == 0 }
    }

    /// Sends `reply` (a whole IPv4 or IPv6 packet, per `family`) back to this
    /// packet's sender in `net`, with TTL or hop limit `ttl` (0: the
    /// route's).
    pub(crate) fn send_reply(
        &self,
        family: Family,
        net: *mut bindings::net,
        reply: &[u8],
        ttl: u8,
    ) -> core::result::Result<(), NotSent> {
        let len = u32::try_from(reply.len()).map_err(|_| NotSent::Failed)?;
        let send = match family {
            Family::Ipv4 => bindings::tarpit_send_ipv4,
            Family::Ipv6 => bindings::tarpit_send_ipv6,
        };
        // SAFETY: the skb is valid (type invariant), `net` is the namespace
        // netfilter passed with it, and `reply` is readable for `len` bytes
        // (the helper copies it before returning).
        let result = unsafe { send(net, self.as_raw(), reply.as_ptr().cast(), len, ttl) };
        match result {
            bindings::TARPIT_SENT => Ok(()),
            bindings::TARPIT_SEND_NOT_UNICAST => Err(NotSent::NotUnicastRoute),
            _ => Err(NotSent::Failed),
        }
    }
}

/// Why a reply was not sent.
pub(crate) enum NotSent {
    /// The reply's own route is broadcast or multicast: the peer's source
    /// address is one.
    NotUnicastRoute,
    /// No route or memory, or the output path refused it.
    Failed,
}

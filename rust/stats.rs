// SPDX-License-Identifier: GPL-2.0

//! Per network namespace state: the statistics in `/proc/net/xt_TARPIT`
//! and the key of the SYN/ACK numbers (both kept in `stats.c`).

use crate::{
    bindings,
    logic::{
        decision::{Flags, Reply},
        packet::NoReply,
        siphash,
    },
    tarpit::Silence,
    xtables::Net,
};
use core::sync::atomic::{AtomicU8, Ordering};
use kernel::{error::to_result, prelude::*};

/// Where the one `pernet_operations` stands: it can be registered once at a
/// time, and the state exists in every namespace only while it is.
static STATE: AtomicU8 = AtomicU8::new(FREE);
/// No [`Registration`] exists.
const FREE: u8 = 0;
/// A [`Registration`] is being made or dropped: the state may be missing.
const CLAIMED: u8 = 1;
/// Registered: every namespace has the state.
const READY: u8 = 2;

/// The per-namespace state, registered with the kernel's per-network
/// state; dropping it removes it from every namespace.
///
/// # Invariants
///
/// `tarpit_stats_register()` succeeded and [`STATE`] is [`READY`]; `Drop`
/// undoes both once. At most one `Registration` exists.
pub(crate) struct Registration(());

impl Registration {
    /// Registers the per-namespace state; `EBUSY` while another
    /// `Registration` exists.
    pub(crate) fn new() -> Result<Self> {
        if STATE
            .compare_exchange(FREE, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(EBUSY);
        }
        // SAFETY: registering the module's static pernet operations, which
        // no other `Registration` has registered (the state just claimed);
        // they are unregistered in `Drop`, before the module goes away.
        if let Err(e) = to_result(unsafe { bindings::tarpit_stats_register() }) {
            STATE.store(FREE, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just above, then published.
        STATE.store(READY, Ordering::Release);
        Ok(Registration(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        STATE.store(CLAIMED, Ordering::Release);
        // SAFETY: registered (type invariant), unregistered only here.
        unsafe { bindings::tarpit_stats_unregister() };
        STATE.store(FREE, Ordering::Release);
    }
}

/// Whether every namespace has the per-namespace state. Only the module's
/// exit drops the [`Registration`], after unregistering the targets, whose
/// rules each hold a reference on the module: no target call that passed
/// this check is still running when `Drop` removes the state.
fn registered() -> bool {
    STATE.load(Ordering::Acquire) == READY
}

/// What became of one packet: the reply sent, or why there was none.
pub(crate) type Outcome = Result<Reply, Silence>;

/// The counter for `outcome`.
fn counter(outcome: &Outcome) -> bindings::tarpit_counter {
    match outcome {
        Ok(reply) if reply.flags.has(Flags::SYN) => bindings::TARPIT_SYN_ACK_SENT,
        Ok(reply) if reply.flags.has(Flags::RST) => bindings::TARPIT_RST_SENT,
        Ok(reply) if reply.window == 0 => bindings::TARPIT_ZERO_WINDOW_ACK_SENT,
        Ok(_) => bindings::TARPIT_ACK_SENT,
        Err(Silence::ByMode | Silence::UnknownMode) => bindings::TARPIT_NO_REPLY_BY_MODE,
        Err(Silence::NotHost) => bindings::TARPIT_NO_REPLY_NOT_HOST,
        Err(Silence::NotUnicastRoute | Silence::Header(NoReply::BadAddress)) => {
            bindings::TARPIT_NO_REPLY_NOT_UNICAST
        }
        Err(Silence::Header(NoReply::Truncated)) => bindings::TARPIT_NO_REPLY_TRUNCATED,
        Err(Silence::Header(NoReply::Malformed)) => bindings::TARPIT_NO_REPLY_MALFORMED,
        Err(Silence::Header(NoReply::IpOptions | NoReply::ExtensionHeader)) => {
            bindings::TARPIT_NO_REPLY_IP_OPTIONS
        }
        Err(Silence::Header(NoReply::Fragment)) => bindings::TARPIT_NO_REPLY_FRAGMENT,
        Err(Silence::Header(NoReply::NotTcp)) => bindings::TARPIT_NO_REPLY_NOT_TCP,
        Err(Silence::Header(NoReply::BadDataOffset)) => bindings::TARPIT_NO_REPLY_BAD_DATA_OFFSET,
        Err(Silence::BadChecksum) => bindings::TARPIT_NO_REPLY_BAD_CHECKSUM,
        Err(Silence::SendFailed) => bindings::TARPIT_NO_REPLY_ROUTE_FAILED,
        Err(Silence::OwnAddress) => bindings::TARPIT_NO_REPLY_OWN_ADDRESS,
        Err(Silence::Output) => bindings::TARPIT_NO_REPLY_OUTPUT,
        // Never counted (the target passes it on): only a packet, if ever.
        Err(Silence::NeighbourDiscovery) => bindings::TARPIT_PACKETS,
    }
}

/// Counts one packet in `net`: it was seen, and what became of it.
pub(crate) fn count(net: &Net, outcome: &Outcome) {
    if !registered() {
        return;
    }
    // SAFETY: `net` is alive (type invariant) and has the per-namespace
    // state (see `registered`).
    unsafe { bindings::tarpit_stats_count(net.as_raw(), counter(outcome)) };
}

/// Counts a TARPIT rule made (`delta` 1) or gone (-1) in `net`: the
/// `rules` line, by which a collector finds the namespaces that use the
/// target.
pub(crate) fn rules_changed(net: &Net, delta: i32) {
    if !registered() {
        return;
    }
    // SAFETY: `net` is alive (type invariant) and has the per-namespace
    // state (see `registered`).
    unsafe { bindings::tarpit_rules_changed(net.as_raw(), delta) };
}

/// Whether `sk` (a hook state's socket, compared, never dereferenced) is
/// one of `net`'s reply sockets: the packet is a reply of this target.
pub(crate) fn is_reply_socket(net: &Net, sk: *const bindings::sock) -> bool {
    if !registered() {
        return false;
    }
    // SAFETY: `net` is alive (type invariant) and has the per-namespace
    // state (see `registered`); the helper only compares `sk`.
    unsafe { bindings::tarpit_is_reply_sock(net.as_raw(), sk) }
}

/// `net`'s key of the SYN/ACK sequence numbers; `None` without the
/// per-namespace state.
pub(crate) fn isn_key(net: &Net) -> Option<siphash::Key> {
    if !registered() {
        return None;
    }
    let mut key = [0u64; 2];
    // SAFETY: `net` is alive (type invariant) and has the per-namespace
    // state (see `registered`); `key` is writable.
    unsafe { bindings::tarpit_isn_key(net.as_raw(), key.as_mut_ptr()) };
    Some(siphash::Key(key))
}

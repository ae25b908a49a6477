// SPDX-License-Identifier: GPL-2.0

//! Per network namespace statistics: `/proc/net/xt_TARPIT` in each
//! namespace (the counters themselves are in `stats.c`).

use crate::{
    bindings,
    logic::{
        decision::{Flags, Reply},
        packet::NoReply,
    },
    tarpit::Silence,
};
use kernel::{error::to_result, prelude::*};

/// The per-namespace counters, registered with the kernel's per-network
/// state; dropping it removes them from every namespace.
///
/// # Invariants
///
/// `tarpit_stats_register()` succeeded, and `Drop` undoes it once.
pub(crate) struct Registration(());

impl Registration {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registering the module's static pernet operations; they
        // are unregistered in `Drop`, before the module goes away.
        to_result(unsafe { bindings::tarpit_stats_register() })?;
        // INVARIANT: registered just above.
        Ok(Registration(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant), unregistered only here.
        unsafe { bindings::tarpit_stats_unregister() };
    }
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
    }
}

/// Counts one packet in `net`: it was seen, and what became of it.
pub(crate) fn count(net: *mut bindings::net, outcome: &Outcome) {
    // SAFETY: `net` is the namespace of a packet in flight, alive for the
    // call; the pernet state exists for every namespace while the module's
    // targets are registered (stats are registered first, removed last).
    unsafe { bindings::tarpit_stats_count(net, counter(outcome)) };
}

// SPDX-License-Identifier: GPL-2.0

//! The packet logic, shared verbatim with the host crate `tarpit-logic`
//! (`logic/src`), where it is unit-tested and fuzzed.

#![expect(
    dead_code,
    unreachable_pub,
    reason = "public for the host crate, which uses all of it; the kernel uses some"
)]

#[path = "../logic/src/decision.rs"]
pub(crate) mod decision;
#[path = "../logic/src/packet.rs"]
pub(crate) mod packet;
#[path = "../logic/src/siphash.rs"]
pub(crate) mod siphash;

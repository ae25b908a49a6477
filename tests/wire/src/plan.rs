// SPDX-License-Identifier: GPL-2.0

//! The test network, as tests/vm/80-fuzz.sh and 85-flood.sh set it up.
//!
//! ```text
//!  namespace "fz" (this tool)             namespace "tp" (TARPIT rules)
//!  veth fz0 10.7.0.1, fd07::1  <------>   veth tp0 10.7.0.2, fd07::2
//!                                          local 10.7.1.1-3, fd07:1::1-3
//!                                          dummy fwd0: 10.9.0.0/16, fd09::/16
//! ```
//!
//! Segments come from the "identity" ranges 10.8.0.0/16 and fd08::/64,
//! routed back to fz, so every reply tells which segment it answers: the
//! low 16 bits of its destination address and its destination port
//! encode the segment's index.

use crate::frame::Addr;
use tarpit_logic::Mode;

/// How many segments the identity encoding can tell apart.
pub const MAX_SEGMENTS: usize = 60_000 << 16;

/// The source address and port of segment `index` of `family` (4 or 6).
pub fn identity(family: u8, index: usize) -> (Addr, u16) {
    let low = (index & 0xffff) as u16;
    let port = 1024 + (index >> 16) as u16;
    let [hi, lo] = low.to_be_bytes();
    let addr = if family == 4 {
        Addr::V4([10, 8, hi, lo])
    } else {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0xfd, 0x08, 0, 0]);
        a[14] = hi;
        a[15] = lo;
        Addr::V6(a)
    };
    (addr, port)
}

/// The segment index a reply to `daddr`:`dport` answers, if it is an
/// identity address.
pub fn index_of(daddr: &Addr, dport: u16) -> Option<usize> {
    let low = match daddr {
        Addr::V4([10, 8, hi, lo]) => u16::from_be_bytes([*hi, *lo]),
        Addr::V6(a) if a[..14] == [0xfd, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] => {
            u16::from_be_bytes([a[14], a[15]])
        }
        _ => return None,
    };
    let high = usize::from(dport.checked_sub(1024)?);
    Some(high << 16 | usize::from(low))
}

/// A destination with a TARPIT rule, and the rule's mode.
pub struct Target {
    pub addr: Addr,
    pub mode: Mode,
    /// Reached through FORWARD (else INPUT).
    pub forward: bool,
}

/// The destinations of `family` with TARPIT rules; `host` varies the last
/// byte of forwarded destinations.
pub fn targets(family: u8, host: u8) -> [Target; 7] {
    let v4 = |a, b, c, d| Addr::V4([a, b, c, d]);
    let v6 = |prefix: [u8; 4], last: u8| {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&prefix);
        a[15] = last;
        Addr::V6(a)
    };
    let t = |addr, mode, forward| Target {
        addr,
        mode,
        forward,
    };
    if family == 4 {
        [
            t(v4(10, 7, 1, 1), Mode::Tarpit, false),
            t(v4(10, 7, 1, 2), Mode::Honeypot, false),
            t(v4(10, 7, 1, 3), Mode::Reset, false),
            t(v4(10, 7, 0, 2), Mode::Tarpit, false),
            t(v4(10, 9, 1, host), Mode::Tarpit, true),
            t(v4(10, 9, 2, host), Mode::Honeypot, true),
            t(v4(10, 9, 3, host), Mode::Reset, true),
        ]
    } else {
        [
            t(v6([0xfd, 0x07, 0, 1], 1), Mode::Tarpit, false),
            t(v6([0xfd, 0x07, 0, 1], 2), Mode::Honeypot, false),
            t(v6([0xfd, 0x07, 0, 1], 3), Mode::Reset, false),
            t(v6([0xfd, 0x07, 0, 0], 2), Mode::Tarpit, false),
            t(v6([0xfd, 0x09, 0, 1], host), Mode::Tarpit, true),
            t(v6([0xfd, 0x09, 0, 2], host), Mode::Honeypot, true),
            t(v6([0xfd, 0x09, 0, 3], host), Mode::Reset, true),
        ]
    }
}

/// Addresses that must never be answered, as destinations (reaching the
/// rules through INPUT when the kernel delivers them at all).
pub fn unanswerable_destinations(family: u8) -> Vec<Addr> {
    if family == 4 {
        [
            [10, 7, 0, 255],
            [255, 255, 255, 255],
            [224, 0, 0, 1],
            [239, 1, 2, 3],
            [127, 0, 0, 1],
            [0, 0, 0, 0],
            [240, 0, 0, 1],
        ]
        .into_iter()
        .map(Addr::V4)
        .collect()
    } else {
        let mut list = Vec::new();
        for (prefix, last) in [
            ([0xff, 0x02], 1),
            ([0xff, 0x05], 2),
            ([0xff, 0x0e], 0x42),
            ([0, 0], 1),
            ([0, 0], 0),
        ] {
            let mut a = [0u8; 16];
            a[..2].copy_from_slice(&prefix);
            a[15] = last;
            list.push(Addr::V6(a));
        }
        // An IPv4-mapped address.
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 10, 7, 1, 1]);
        list.push(Addr::V6(mapped));
        list
    }
}

/// Source addresses that must never be answered.
pub fn unanswerable_sources(family: u8) -> Vec<Addr> {
    if family == 4 {
        [
            [0, 0, 0, 0],
            [127, 0, 0, 1],
            [224, 1, 1, 1],
            [255, 255, 255, 255],
            [240, 0, 0, 1],
            [10, 7, 0, 2],
            [10, 7, 0, 255],
        ]
        .into_iter()
        .map(Addr::V4)
        .collect()
    } else {
        let mut list = Vec::new();
        for (prefix, last) in [([0xff, 0x02], 1), ([0, 0], 1), ([0, 0], 0)] {
            let mut a = [0u8; 16];
            a[..2].copy_from_slice(&prefix);
            a[15] = last;
            list.push(Addr::V6(a));
        }
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 10, 8, 0, 1]);
        list.push(Addr::V6(mapped));
        list
    }
}

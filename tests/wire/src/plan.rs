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
//! Segments come from the "identity" ranges 10.8.0.0/16 and fd08::/64
//! (and, for the link-local class, fe80::fd08:0:0:0/112), routed back to
//! fz, so every reply tells which segment it answers: the low 16 bits of its
//! destination address and its destination port encode the segment's index.
//! The port is the index's high 16 bits mixed with a permutation of its low
//! 16 bits, so that the first 65,536 segments already use every source port
//! (0, the tarpitted ports and all the others) exactly once.

use crate::frame::Addr;
use tarpit_logic::Mode;

/// How many segments the identity encoding can tell apart: 2^32.
pub const MAX_SEGMENTS: usize = u32::MAX as usize + 1;

/// A permutation of the 16-bit numbers (each step is invertible).
fn port_mix(low: u16) -> u16 {
    let mut x = low.wrapping_mul(0x9e37) ^ 0x5bd1;
    x ^= x >> 7;
    x = x.wrapping_mul(0xa5b3);
    x ^ (x >> 9)
}

/// The identity address of the link-local class: fe80::fd08:0:HI:LO.
fn link_local_identity_addr(hi: u8, lo: u8) -> Addr {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&[0xfe, 0x80]);
    a[8..10].copy_from_slice(&[0xfd, 0x08]);
    a[14] = hi;
    a[15] = lo;
    Addr::V6(a)
}

/// Whether `addr` is one of the link-local identity addresses.
pub fn is_link_local_identity(addr: &Addr) -> bool {
    matches!(addr, Addr::V6(a) if a[..14] == [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xfd, 0x08, 0, 0, 0, 0])
}

/// The source address and port of segment `index` of `family` (4 or 6).
pub fn identity(family: u8, index: usize) -> (Addr, u16) {
    let low = (index & 0xffff) as u16;
    let port = (index >> 16) as u16 ^ port_mix(low);
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

/// The link-local source address and port of segment `index` (IPv6).
pub fn link_local_identity(index: usize) -> (Addr, u16) {
    let (_, port) = identity(6, index);
    let [hi, lo] = ((index & 0xffff) as u16).to_be_bytes();
    (link_local_identity_addr(hi, lo), port)
}

/// The segment index a reply to `daddr`:`dport` answers, if it is an
/// identity address.
pub fn index_of(daddr: &Addr, dport: u16) -> Option<usize> {
    let low = match daddr {
        Addr::V4([10, 8, hi, lo]) => u16::from_be_bytes([*hi, *lo]),
        Addr::V6(a) if a[..14] == [0xfd, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] => {
            u16::from_be_bytes([a[14], a[15]])
        }
        Addr::V6(a) if is_link_local_identity(daddr) => u16::from_be_bytes([a[14], a[15]]),
        _ => return None,
    };
    let high = usize::from(dport ^ port_mix(low));
    Some(high << 16 | usize::from(low))
}

/// The modified EUI-64 link-local address of a MAC address (RFC 4291,
/// appendix A): what the kernel gives an interface by default.
pub fn eui64_link_local(mac: [u8; 6]) -> Addr {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&[0xfe, 0x80]);
    a[8..11].copy_from_slice(&[mac[0] ^ 0x02, mac[1], mac[2]]);
    a[11..13].copy_from_slice(&[0xff, 0xfe]);
    a[13..].copy_from_slice(&mac[3..]);
    Addr::V6(a)
}

/// A destination with a TARPIT rule, and the rule's mode.
#[derive(Clone, Copy)]
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

fn v6(prefix: &[u8], last: u8) -> Addr {
    let mut a = [0u8; 16];
    a[..prefix.len()].copy_from_slice(prefix);
    a[15] = last;
    Addr::V6(a)
}

fn v4_mapped(v4: [u8; 4]) -> Addr {
    let mut a = [0u8; 16];
    a[10..12].copy_from_slice(&[0xff, 0xff]);
    a[12..].copy_from_slice(&v4);
    Addr::V6(a)
}

/// Destinations the tarpit host takes in (broadcasts, joined multicast
/// groups) but that must never be answered: they reach the INPUT rules.
pub fn bad_destinations(family: u8) -> Vec<Addr> {
    if family == 4 {
        [[10, 7, 0, 255], [255, 255, 255, 255], [224, 0, 0, 1]]
            .into_iter()
            .map(Addr::V4)
            .collect()
    } else {
        // All nodes; all routers, link and site scope (a forwarding host
        // joins both).
        vec![
            v6(&[0xff, 0x02], 1),
            v6(&[0xff, 0x02], 2),
            v6(&[0xff, 0x05], 2),
        ]
    }
}

/// Destinations IP drops before any TARPIT rule: 0.0.0.0/8 and loopback
/// (martian), multicast groups not joined, IPv6 interface-local multicast.
pub fn martian_destinations(family: u8) -> Vec<Addr> {
    if family == 4 {
        [[0, 0, 0, 0], [127, 0, 0, 1], [239, 1, 2, 3]]
            .into_iter()
            .map(Addr::V4)
            .collect()
    } else {
        vec![
            v6(&[], 1),
            v6(&[0xff, 0x01], 1),
            v6(&[0xff, 0x05], 0x42),
            v6(&[0xff, 0x0e], 0x42),
        ]
    }
}

/// Destinations the test network has no route for, which the logic must
/// refuse when a route (a default route) takes them to FORWARD: reserved
/// (240/4), unspecified, IPv4-mapped.
pub fn unrouted_destinations(family: u8) -> Vec<Addr> {
    if family == 4 {
        vec![Addr::V4([240, 0, 0, 1]), Addr::V4([254, 1, 2, 3])]
    } else {
        vec![v6(&[], 0), v4_mapped([10, 7, 1, 1])]
    }
}

/// Sources that reach the rules but must never be answered: reserved
/// (240/4), a subnet's broadcast; unspecified, IPv4-mapped.
pub fn bad_sources(family: u8) -> Vec<Addr> {
    if family == 4 {
        vec![Addr::V4([240, 0, 0, 1]), Addr::V4([10, 7, 0, 255])]
    } else {
        vec![v6(&[], 0), v4_mapped([10, 8, 0, 1])]
    }
}

/// Sources IP drops before any TARPIT rule: 0.0.0.0/8, loopback,
/// multicast, limited broadcast, the host's own address (IPv4); multicast
/// and loopback (IPv6).
pub fn martian_sources(family: u8) -> Vec<Addr> {
    if family == 4 {
        [
            [0, 0, 0, 0],
            [127, 0, 0, 1],
            [224, 1, 1, 1],
            [255, 255, 255, 255],
            [10, 7, 0, 2],
        ]
        .into_iter()
        .map(Addr::V4)
        .collect()
    } else {
        vec![v6(&[0xff, 0x02], 1), v6(&[], 1)]
    }
}

/// The tarpit host's own IPv6 addresses: tp0's, the INPUT targets' and its
/// link-local `link_local`.
pub fn own_addresses(link_local: Addr) -> Vec<Addr> {
    let mut list = vec![v6(&[0xfd, 0x07], 2)];
    for last in 1..=3 {
        list.push(v6(&[0xfd, 0x07, 0, 1], last));
    }
    list.push(link_local);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_65536_segments_use_every_source_port_once() {
        for family in [4, 6] {
            let mut seen = vec![false; 65536];
            for index in 0..65536 {
                let (_, port) = identity(family, index);
                assert!(!seen[usize::from(port)], "port {port} twice");
                seen[usize::from(port)] = true;
            }
            assert!(seen.iter().all(|&s| s), "every port, 0 and 65535 included");
        }
    }

    #[test]
    fn short_runs_use_low_and_tarpitted_ports_too() {
        let ports: Vec<u16> = (0..2000).map(|i| identity(4, i).1).collect();
        assert!(ports.iter().any(|&p| p < 1024), "privileged ports");
        assert!(ports.iter().any(|&p| p >= 49152), "ephemeral ports");
        let all: Vec<u16> = (0..65536).map(|i| identity(6, i).1).collect();
        for wanted in [0, 22, 80, 135, 443, 1024, 65535] {
            assert!(all.contains(&wanted), "port {wanted}");
        }
    }

    #[test]
    fn every_reply_names_its_segment() {
        let mut rng = crate::rng::Rng::new(7);
        let mut indices: Vec<usize> = vec![0, 1, 65535, 65536, 100_000, MAX_SEGMENTS - 1];
        indices.extend((0..10_000).map(|_| rng.below(MAX_SEGMENTS)));
        for index in indices {
            for family in [4, 6] {
                let (addr, port) = identity(family, index);
                assert_eq!(index_of(&addr, port), Some(index), "IPv{family} {index}");
            }
            let (addr, port) = link_local_identity(index);
            assert!(is_link_local_identity(&addr));
            assert_eq!(index_of(&addr, port), Some(index), "link-local {index}");
        }
        assert_eq!(index_of(&Addr::V4([10, 7, 0, 1]), 80), None);
        assert_eq!(index_of(&v6(&[0xfe, 0x80], 1), 80), None);
    }

    #[test]
    fn eui64_link_local_flips_the_universal_local_bit() {
        let a = eui64_link_local([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        assert_eq!(a.to_string(), "fe80::5054:ff:fe12:3456");
    }
}

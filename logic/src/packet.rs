// SPDX-License-Identifier: GPL-2.0

//! Reading an incoming IPv4/TCP or IPv6/TCP header and writing the reply's,
//! as bytes.
//!
//! Shared verbatim by the kernel module and the host crate `tarpit-logic`:
//! the kernel copies the first [`IPV4_TCP_LEN`] or [`IPV6_TCP_LEN`] bytes of
//! a packet out of its skb, and sends the bytes [`build_ipv4_reply`] or
//! [`build_ipv6_reply`] returns.

use super::decision::{Flags, Reply, Segment};

/// An IPv4 header without options plus a TCP header without options: what
/// is parsed of an incoming packet, and all of a reply.
pub const IPV4_TCP_LEN: usize = 40;

/// An IPv6 header without extension headers plus a TCP header without
/// options: what is parsed of an incoming packet, and all of a reply.
pub const IPV6_TCP_LEN: usize = 60;

const IPV4_HEADER_LEN: usize = 20;
const IPV6_HEADER_LEN: usize = 40;
const TCP_HEADER_LEN: usize = 20;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_ICMPV6: u8 = 58;
/// The IPv4 flags and fragment offset field: MF (0x2000) and the offset.
const IP_MF_AND_OFFSET: u16 = 0x3fff;
const IP_DF: u16 = 0x4000;

/// Why a packet gets no reply (before the mode is even asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoReply {
    /// Shorter than an IPv4 and a TCP header.
    Truncated,
    /// Not the IP version expected, a header length below 20 bytes, or
    /// lengths that disagree.
    Malformed,
    /// IP options: a reply would have to handle (e.g. source routes) them.
    IpOptions,
    /// A fragment: its TCP checksum cannot be checked, nor is it a segment.
    Fragment,
    /// Not TCP.
    NotTcp,
    /// An IPv6 extension header before TCP. Never answered, deliberately:
    /// a routing header would ask the reply to take another path, and a
    /// fragment header means the segment's checksum cannot be checked.
    ExtensionHeader,
    /// A TCP data offset below 5 or past the end of the packet.
    BadDataOffset,
    /// A source or destination that must never be answered (multicast,
    /// broadcast, unspecified, reserved).
    BadAddress,
}

/// An incoming IPv4 TCP segment, as far as a reply needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Segment {
    /// Source address.
    pub saddr: [u8; 4],
    /// Destination address.
    pub daddr: [u8; 4],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// The TCP fields the decision looks at.
    pub segment: Segment,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Whether an IPv4 address may be the source or destination of a segment we
/// answer: not unspecified, multicast, limited broadcast or reserved (240/4).
pub const fn ipv4_unicast(addr: [u8; 4]) -> bool {
    !matches!(addr, [0, 0, 0, 0]) && addr[0] < 224
}

/// An incoming IPv6 TCP segment, as far as a reply needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Segment {
    /// Source address.
    pub saddr: [u8; 16],
    /// Destination address.
    pub daddr: [u8; 16],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// The TCP fields the decision looks at.
    pub segment: Segment,
}

/// Whether an IPv6 address may be the source or destination of a segment we
/// answer: not unspecified, loopback, multicast (ff00::/8) or IPv4-mapped.
pub fn ipv6_unicast(addr: [u8; 16]) -> bool {
    let unspecified = addr == [0; 16];
    let mut loopback = [0u8; 16];
    loopback[15] = 1;
    let v4_mapped = addr[..10] == [0; 10] && addr[10..12] == [0xff, 0xff];
    !(unspecified || addr == loopback || addr[0] == 0xff || v4_mapped)
}

/// Parses the first bytes of a packet (`head`, at least [`IPV4_TCP_LEN`]
/// of them when the packet has that many) whose whole length is `len`.
pub fn parse_ipv4(head: &[u8], len: usize) -> Result<Ipv4Segment, NoReply> {
    if head.len() < IPV4_TCP_LEN || len < IPV4_TCP_LEN {
        return Err(NoReply::Truncated);
    }
    let version = head[0] >> 4;
    let ihl = usize::from(head[0] & 0x0f) * 4;
    if version != 4 || ihl < IPV4_HEADER_LEN {
        return Err(NoReply::Malformed);
    }
    if ihl != IPV4_HEADER_LEN {
        return Err(NoReply::IpOptions);
    }
    // The kernel trims a packet to its IP length before netfilter sees it;
    // anything else is malformed. (0 marks a BIG TCP packet over 64 KiB.)
    let total = usize::from(be16(head, 2));
    if total != len && !(total == 0 && len > usize::from(u16::MAX)) {
        return Err(NoReply::Malformed);
    }
    if be16(head, 6) & IP_MF_AND_OFFSET != 0 {
        return Err(NoReply::Fragment);
    }
    if head[9] != IPPROTO_TCP {
        return Err(NoReply::NotTcp);
    }
    let saddr = [head[12], head[13], head[14], head[15]];
    let daddr = [head[16], head[17], head[18], head[19]];
    if !ipv4_unicast(saddr) || !ipv4_unicast(daddr) {
        return Err(NoReply::BadAddress);
    }
    let (sport, dport, segment) = tcp_fields(&head[IPV4_HEADER_LEN..], len - IPV4_HEADER_LEN)?;
    Ok(Ipv4Segment {
        saddr,
        daddr,
        sport,
        dport,
        segment,
    })
}

/// The ports and decision fields of a TCP header (`tcp`, at least 20
/// bytes) in a segment of `tcp_len` bytes.
fn tcp_fields(tcp: &[u8], tcp_len: usize) -> Result<(u16, u16, Segment), NoReply> {
    let doff = usize::from(tcp[12] >> 4) * 4;
    if doff < TCP_HEADER_LEN || doff > tcp_len {
        return Err(NoReply::BadDataOffset);
    }
    let payload_len = u32::try_from(tcp_len - doff).map_err(|_| NoReply::Malformed)?;
    let segment = Segment {
        seq: be32(tcp, 4),
        ack_seq: be32(tcp, 8),
        flags: Flags(tcp[13]),
        window: be16(tcp, 14),
        payload_len,
    };
    Ok((be16(tcp, 0), be16(tcp, 2), segment))
}

/// Parses the first bytes of an IPv6 packet (`head`, at least
/// [`IPV6_TCP_LEN`] of them when the packet has that many) whose whole
/// length is `len`.
pub fn parse_ipv6(head: &[u8], len: usize) -> Result<Ipv6Segment, NoReply> {
    if head.len() < IPV6_TCP_LEN || len < IPV6_TCP_LEN {
        return Err(NoReply::Truncated);
    }
    if head[0] >> 4 != 6 {
        return Err(NoReply::Malformed);
    }
    // The kernel trims a packet to its payload length; anything else is
    // malformed. 0 marks a BIG TCP packet over 64 KiB (7.x's GRO and GSO
    // write no jumbo option), as for IPv4: only a GSO skb is that long
    // (the kernel trimmed any other with 0 to its IPv6 header). A
    // jumbogram's hop-by-hop option is an extension header anyway.
    let payload = usize::from(be16(head, 4));
    let big_tcp = payload == 0 && len > IPV6_HEADER_LEN + usize::from(u16::MAX);
    if payload + IPV6_HEADER_LEN != len && !big_tcp {
        return Err(NoReply::Malformed);
    }
    match head[6] {
        IPPROTO_TCP => {}
        // Hop-by-hop, routing, fragment, ESP, AH, destination options,
        // mobility, HIP, shim6.
        0 | 43 | 44 | 50 | 51 | 60 | 135 | 139 | 140 => return Err(NoReply::ExtensionHeader),
        _ => return Err(NoReply::NotTcp),
    }
    let mut saddr = [0u8; 16];
    let mut daddr = [0u8; 16];
    saddr.copy_from_slice(&head[8..24]);
    daddr.copy_from_slice(&head[24..40]);
    if !ipv6_unicast(saddr) || !ipv6_unicast(daddr) {
        return Err(NoReply::BadAddress);
    }
    let (sport, dport, segment) = tcp_fields(&head[IPV6_HEADER_LEN..], len - IPV6_HEADER_LEN)?;
    Ok(Ipv6Segment {
        saddr,
        daddr,
        sport,
        dport,
        segment,
    })
}

/// Whether the IPv6 packet whose first bytes are `head` is neighbour
/// discovery proper (RFC 4861: a neighbour solicitation or advertisement,
/// ICMPv6 type 135 or 136, code 0, hop limit 255, no extension header).
/// The link's own plumbing: a rule without `-p` (a ban list) passes it on
/// to the next rule, or the host could not reach a banned neighbour, nor
/// answer its TCP. Router advertisements and redirects from a banned host
/// are not passed: they would steer the host's routes.
pub fn ipv6_neighbour_discovery(head: &[u8]) -> bool {
    head.len() > IPV6_HEADER_LEN + 1
        && head[0] >> 4 == 6
        && head[6] == IPPROTO_ICMPV6
        && head[7] == 255
        && matches!(head[IPV6_HEADER_LEN], 135 | 136)
        && head[IPV6_HEADER_LEN + 1] == 0
}

/// The one's complement sum of `data` added to `sum` (RFC 1071), folded to
/// 16 bits: callers may add a few more small values before [`csum_fold`].
/// Big-endian 32-bit words give the same sum as 16-bit ones (RFC 1071,
/// 2(B)) in half the steps; a `u64` cannot overflow on any slice.
pub fn csum_add(sum: u32, data: &[u8]) -> u32 {
    let mut acc = u64::from(sum);
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        acc += u64::from(u32::from_be_bytes([word[0], word[1], word[2], word[3]]));
    }
    // The last 1-3 bytes, padded with zeros on the right.
    let mut last = [0u8; 4];
    let tail = words.remainder();
    last[..tail.len()].copy_from_slice(tail);
    acc += u64::from(u32::from_be_bytes(last));
    fold_to_16(acc)
}

/// A sum of big-endian 32-bit words folded to 16 bits with end-around
/// carries: 64 to 32 bits (twice), then 32 to 16 (twice).
const fn fold_to_16(mut acc: u64) -> u32 {
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    // At most 0xffff after the last fold.
    acc as u32
}

/// The sum of the 32-bit words of an address (4 or 16 bytes).
fn address_sum(addr: &[u8]) -> u64 {
    addr.chunks_exact(4)
        .map(|w| u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])))
        .sum()
}

/// The checksum field for the one's complement sum `sum`.
pub fn csum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // The loop leaves at most 16 bits.
    !(sum as u16)
}

/// The TCP header without options for `reply` from `sport` to `dport`,
/// checksum field 0, and the sum of its words. The sum is taken from the
/// fields rather than read back: the reply is built on every packet.
fn tcp_header(sport: u16, dport: u16, reply: &Reply) -> ([u8; TCP_HEADER_LEN], u64) {
    // 20 bytes are 5 words: the data offset fits its four bits.
    let offset_flags = u16::from_be_bytes([((TCP_HEADER_LEN / 4) as u8) << 4, reply.flags.0]);
    let words = [
        u32::from(sport) << 16 | u32::from(dport),
        reply.seq,
        reply.ack_seq,
        u32::from(offset_flags) << 16 | u32::from(reply.window),
        // Checksum and urgent pointer: 0.
        0,
    ];
    let mut tcp = [0u8; TCP_HEADER_LEN];
    let mut sum = 0u64;
    for (bytes, word) in tcp.chunks_exact_mut(4).zip(words) {
        bytes.copy_from_slice(&word.to_be_bytes());
        sum += u64::from(word);
    }
    (tcp, sum)
}

/// The reply to `incoming`: an IPv4 header (no options, DF, ID 0, TTL
/// `ttl`) and a TCP header (no options, no data), both checksums filled in.
pub fn build_ipv4_reply(incoming: &Ipv4Segment, reply: &Reply, ttl: u8) -> [u8; IPV4_TCP_LEN] {
    // The lengths are constants far below 65536.
    let ip_words = [
        0x4500_0000 | IPV4_TCP_LEN as u32,
        u32::from(IP_DF),
        u32::from(ttl) << 24 | u32::from(IPPROTO_TCP) << 16,
        u32::from_be_bytes(incoming.daddr),
        u32::from_be_bytes(incoming.saddr),
    ];
    let ip_sum: u64 = ip_words.iter().map(|&w| u64::from(w)).sum();
    let mut p = [0u8; IPV4_TCP_LEN];
    let (ip, tcp) = p.split_at_mut(IPV4_HEADER_LEN);
    for (bytes, word) in ip.chunks_exact_mut(4).zip(ip_words) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    ip[10..12].copy_from_slice(&csum_fold(fold_to_16(ip_sum)).to_be_bytes());

    let (header, tcp_sum) = tcp_header(incoming.dport, incoming.sport, reply);
    tcp.copy_from_slice(&header);
    // Pseudo-header: addresses, protocol, TCP length (RFC 9293, 3.1).
    let pseudo = u64::from(ip_words[3])
        + u64::from(ip_words[4])
        + u64::from(IPPROTO_TCP)
        + TCP_HEADER_LEN as u64;
    tcp[16..18].copy_from_slice(&csum_fold(fold_to_16(tcp_sum + pseudo)).to_be_bytes());
    p
}

/// The reply to `incoming`: an IPv6 header (no extension headers, traffic
/// class and flow label 0, hop limit `hop_limit`) and a TCP header (no
/// options, no data) with its checksum filled in.
pub fn build_ipv6_reply(
    incoming: &Ipv6Segment,
    reply: &Reply,
    hop_limit: u8,
) -> [u8; IPV6_TCP_LEN] {
    let mut p = [0u8; IPV6_TCP_LEN];
    p[0] = 0x60;
    // 20 bytes of TCP header is the whole payload.
    p[4..6].copy_from_slice(&(TCP_HEADER_LEN as u16).to_be_bytes());
    p[6] = IPPROTO_TCP;
    p[7] = hop_limit;
    p[8..24].copy_from_slice(&incoming.daddr);
    p[24..40].copy_from_slice(&incoming.saddr);

    let (header, tcp_sum) = tcp_header(incoming.dport, incoming.sport, reply);
    let tcp = &mut p[IPV6_HEADER_LEN..];
    tcp.copy_from_slice(&header);
    // Pseudo-header: addresses, upper-layer length, next header (RFC 8200, 8.1).
    let pseudo = address_sum(&incoming.saddr)
        + address_sum(&incoming.daddr)
        + TCP_HEADER_LEN as u64
        + u64::from(IPPROTO_TCP);
    tcp[16..18].copy_from_slice(&csum_fold(fold_to_16(tcp_sum + pseudo)).to_be_bytes());
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{vec, vec::Vec};

    /// An IPv6 header (from fd00::1 to fd00::2) with next header `next`
    /// and hop limit `hops`, followed by `rest`.
    fn ipv6_packet(next: u8, hops: u8, rest: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, rest.len() as u8, next, hops];
        p.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        p.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        p.extend_from_slice(rest);
        p
    }

    #[test]
    fn neighbour_discovery_is_passed_on_and_nothing_else() {
        for icmp_type in [135, 136] {
            let p = ipv6_packet(IPPROTO_ICMPV6, 255, &[icmp_type, 0, 0, 0, 0, 0, 0, 0]);
            assert!(ipv6_neighbour_discovery(&p), "type {icmp_type}");
            // Not from the link (RFC 4861 drops those), another code,
            // behind an extension header: not passed.
            let routed = ipv6_packet(IPPROTO_ICMPV6, 254, &[icmp_type, 0, 0, 0, 0, 0, 0, 0]);
            assert!(!ipv6_neighbour_discovery(&routed));
            let code = ipv6_packet(IPPROTO_ICMPV6, 255, &[icmp_type, 1, 0, 0, 0, 0, 0, 0]);
            assert!(!ipv6_neighbour_discovery(&code));
            let behind = ipv6_packet(0, 255, &[IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0, icmp_type, 0]);
            assert!(!ipv6_neighbour_discovery(&behind));
        }
        // Router solicitations and advertisements and redirects steer
        // routes: a banned host's are not passed; nor is anything else.
        for icmp_type in [1, 128, 129, 132, 133, 134, 137, 138, 143] {
            let p = ipv6_packet(IPPROTO_ICMPV6, 255, &[icmp_type, 0, 0, 0]);
            assert!(!ipv6_neighbour_discovery(&p), "type {icmp_type}");
        }
        let tcp = ipv6_packet(IPPROTO_TCP, 255, &[135; 20]);
        assert!(!ipv6_neighbour_discovery(&tcp));
        // A header alone, or an IPv4 packet, is none.
        assert!(!ipv6_neighbour_discovery(&ipv6_packet(
            IPPROTO_ICMPV6,
            255,
            &[]
        )));
        assert!(!ipv6_neighbour_discovery(&ipv6_packet(
            IPPROTO_ICMPV6,
            255,
            &[135]
        )));
        let mut v4 = ipv6_packet(IPPROTO_ICMPV6, 255, &[135, 0]);
        v4[0] = 0x45;
        assert!(!ipv6_neighbour_discovery(&v4));
    }

    /// A SYN from 10.0.0.1:40000 to 10.0.0.2:135, seq 333636191, window
    /// 16384, with 4 bytes of options (MSS), checksums valid.
    fn syn() -> [u8; 44] {
        let mut p = [0u8; 44];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&44u16.to_be_bytes());
        p[6] = 0x40;
        p[8] = 64;
        p[9] = 6;
        p[12..16].copy_from_slice(&[10, 0, 0, 1]);
        p[16..20].copy_from_slice(&[10, 0, 0, 2]);
        p[20..22].copy_from_slice(&40000u16.to_be_bytes());
        p[22..24].copy_from_slice(&135u16.to_be_bytes());
        p[24..28].copy_from_slice(&333_636_191u32.to_be_bytes());
        p[32] = 6 << 4;
        p[33] = Flags::SYN.0;
        p[34..36].copy_from_slice(&16384u16.to_be_bytes());
        p[40..44].copy_from_slice(&[2, 4, 0x05, 0xb4]);
        p
    }

    #[test]
    fn parses_a_syn() {
        let p = syn();
        let s = parse_ipv4(&p[..IPV4_TCP_LEN], p.len()).unwrap();
        assert_eq!((s.saddr, s.daddr), ([10, 0, 0, 1], [10, 0, 0, 2]));
        assert_eq!((s.sport, s.dport), (40000, 135));
        assert_eq!(s.segment.seq, 333_636_191);
        assert_eq!(s.segment.flags, Flags::SYN);
        assert_eq!(s.segment.window, 16384);
        assert_eq!(s.segment.payload_len, 0, "options are not payload");
    }

    /// Damages a valid packet in one way.
    type Mangle = fn(&mut [u8; 44]);

    #[test]
    fn refuses_what_must_not_be_answered() {
        let cases: [(Mangle, NoReply); 10] = [
            (|p| p[0] = 0x65, NoReply::Malformed),
            (|p| p[0] = 0x44, NoReply::Malformed),
            (|p| p[0] = 0x46, NoReply::IpOptions),
            (
                |p| p[2..4].copy_from_slice(&43u16.to_be_bytes()),
                NoReply::Malformed,
            ),
            (|p| p[6] = 0x20, NoReply::Fragment),
            (|p| p[7] = 0x01, NoReply::Fragment),
            (|p| p[9] = 17, NoReply::NotTcp),
            (
                |p| p[16..20].copy_from_slice(&[255, 255, 255, 255]),
                NoReply::BadAddress,
            ),
            (
                |p| p[12..16].copy_from_slice(&[224, 0, 0, 1]),
                NoReply::BadAddress,
            ),
            (|p| p[32] = 4 << 4, NoReply::BadDataOffset),
        ];
        for (i, (mangle, want)) in cases.iter().enumerate() {
            let mut p = syn();
            mangle(&mut p);
            assert_eq!(parse_ipv4(&p[..40], p.len()), Err(*want), "case {i}");
        }
        let p = syn();
        assert_eq!(parse_ipv4(&p[..39], 39), Err(NoReply::Truncated));
        let mut p = syn();
        p[32] = 15 << 4; // 60 bytes of TCP header in a 24-byte segment
        assert_eq!(parse_ipv4(&p[..40], 44), Err(NoReply::BadDataOffset));
    }

    #[test]
    fn reply_has_swapped_endpoints_and_valid_checksums() {
        let p = syn();
        let s = parse_ipv4(&p[..40], 44).unwrap();
        let reply = Reply {
            seq: 0xdead_beef,
            ack_seq: 333_636_192,
            flags: Flags::SYN_ACK,
            window: 5,
        };
        let r = build_ipv4_reply(&s, &reply, 64);
        assert_eq!(csum_fold(csum_add(0, &r[..20])), 0, "IP checksum");
        let mut pseudo = csum_add(0, &r[12..20]);
        pseudo += 6 + 20;
        assert_eq!(csum_fold(csum_add(pseudo, &r[20..])), 0, "TCP checksum");
        let back = parse_ipv4(&r, r.len()).unwrap();
        assert_eq!((back.saddr, back.daddr), (s.daddr, s.saddr));
        assert_eq!((back.sport, back.dport), (135, 40000));
        assert_eq!(back.segment.seq, 0xdead_beef);
        assert_eq!(back.segment.ack_seq, 333_636_192);
        assert_eq!(back.segment.flags, Flags::SYN_ACK);
        assert_eq!(back.segment.window, 5);
        assert_eq!(r[8], 64, "TTL");
        assert_eq!(&r[6..8], &[0x40, 0], "DF, no fragment");
    }

    /// An IPv6 SYN from fd00::1 port 40000 to fd00::2 port 135, with 4
    /// bytes of TCP options (MSS).
    fn syn6() -> [u8; 64] {
        let mut p = [0u8; 64];
        p[0] = 0x60;
        p[4..6].copy_from_slice(&24u16.to_be_bytes());
        p[6] = 6;
        p[7] = 64;
        p[8] = 0xfd;
        p[23] = 1;
        p[24] = 0xfd;
        p[39] = 2;
        p[40..42].copy_from_slice(&40000u16.to_be_bytes());
        p[42..44].copy_from_slice(&135u16.to_be_bytes());
        p[44..48].copy_from_slice(&7u32.to_be_bytes());
        p[52] = 6 << 4;
        p[53] = Flags::SYN.0;
        p[54..56].copy_from_slice(&64800u16.to_be_bytes());
        p[60..64].copy_from_slice(&[2, 4, 0x05, 0xa0]);
        p
    }

    #[test]
    fn parses_an_ipv6_syn() {
        let p = syn6();
        let s = parse_ipv6(&p[..IPV6_TCP_LEN], p.len()).unwrap();
        assert_eq!((s.saddr[0], s.saddr[15], s.daddr[15]), (0xfd, 1, 2));
        assert_eq!((s.sport, s.dport), (40000, 135));
        assert_eq!(s.segment.seq, 7);
        assert_eq!(s.segment.flags, Flags::SYN);
        assert_eq!(s.segment.window, 64800);
        assert_eq!(s.segment.payload_len, 0);
    }

    #[test]
    fn ipv6_refuses_what_must_not_be_answered() {
        let cases: [(Mangle6, NoReply); 9] = [
            (|p| p[0] = 0x40, NoReply::Malformed),
            (|p| p[5] = 23, NoReply::Malformed),
            (|p| p[6] = 0, NoReply::ExtensionHeader),
            (|p| p[6] = 43, NoReply::ExtensionHeader),
            (|p| p[6] = 44, NoReply::ExtensionHeader),
            (|p| p[6] = 17, NoReply::NotTcp),
            (|p| p[24] = 0xff, NoReply::BadAddress),
            (|p| p[8..24].copy_from_slice(&[0; 16]), NoReply::BadAddress),
            (|p| p[52] = 3 << 4, NoReply::BadDataOffset),
        ];
        for (i, (mangle, want)) in cases.iter().enumerate() {
            let mut p = syn6();
            mangle(&mut p);
            assert_eq!(parse_ipv6(&p[..60], p.len()), Err(*want), "case {i}");
        }
        let p = syn6();
        assert_eq!(parse_ipv6(&p[..59], 59), Err(NoReply::Truncated));
    }

    #[test]
    fn a_payload_length_of_0_is_big_tcp_only_over_64_kib() {
        let mut p = syn6();
        p[4..6].copy_from_slice(&0u16.to_be_bytes());
        let biggest = IPV6_HEADER_LEN + usize::from(u16::MAX);
        for len in [p.len(), 1000, biggest] {
            assert_eq!(parse_ipv6(&p, len), Err(NoReply::Malformed), "length {len}");
        }
        for len in [biggest + 1, 185_000, 512 * 1024] {
            let s = parse_ipv6(&p, len).unwrap();
            assert_eq!(
                s.segment.payload_len as usize,
                len - 40 - 24,
                "length {len}"
            );
        }
        // A payload length that is not 0 must still be the packet's.
        p[4..6].copy_from_slice(&1u16.to_be_bytes());
        assert_eq!(parse_ipv6(&p, biggest + 1), Err(NoReply::Malformed));
    }

    /// Damages a valid IPv6 packet in one way.
    type Mangle6 = fn(&mut [u8; 64]);

    #[test]
    fn ipv6_unicast_excludes_special_addresses() {
        let mut a = [0u8; 16];
        assert!(!ipv6_unicast(a), "unspecified");
        a[15] = 1;
        assert!(!ipv6_unicast(a), "loopback");
        a[10] = 0xff;
        a[11] = 0xff;
        assert!(!ipv6_unicast(a), "IPv4-mapped");
        let mut m = [0u8; 16];
        m[0] = 0xff;
        assert!(!ipv6_unicast(m), "multicast");
        let mut ll = [0u8; 16];
        ll[0] = 0xfe;
        ll[1] = 0x80;
        ll[15] = 9;
        assert!(ipv6_unicast(ll), "link-local is unicast");
    }

    #[test]
    fn ipv6_reply_has_swapped_endpoints_and_a_valid_checksum() {
        let p = syn6();
        let s = parse_ipv6(&p[..60], 64).unwrap();
        let reply = Reply {
            seq: 99,
            ack_seq: 8,
            flags: Flags::SYN_ACK,
            window: 5,
        };
        let r = build_ipv6_reply(&s, &reply, 128);
        let sum = csum_add(csum_add(0, &r[8..40]) + 20 + 6, &r[40..]);
        assert_eq!(csum_fold(sum), 0, "TCP checksum");
        assert_eq!(r[7], 128, "hop limit");
        let back = parse_ipv6(&r, r.len()).unwrap();
        assert_eq!((back.saddr, back.daddr), (s.daddr, s.saddr));
        assert_eq!((back.sport, back.dport), (135, 40000));
        assert_eq!((back.segment.seq, back.segment.ack_seq), (99, 8));
        assert_eq!(back.segment.flags, Flags::SYN_ACK);
        assert_eq!(back.segment.window, 5);
    }

    #[test]
    fn checksum_of_odd_length_pads_with_zero() {
        assert_eq!(csum_add(0, &[0x12]), 0x1200);
        assert_eq!(csum_fold(0x1_fffe), 0);
    }

    /// RFC 1071's own definition: 16-bit words, carries folded at the end.
    fn reference_sum(data: &[u8]) -> u16 {
        let mut sum: u64 = 0;
        for pair in data.chunks(2) {
            sum += u64::from(pair[0]) << 8 | u64::from(*pair.get(1).unwrap_or(&0));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    #[test]
    fn checksum_agrees_with_rfc_1071_on_every_length_and_start() {
        // Bytes that carry often: mostly 0xff, some varied.
        let mut data = [0xffu8; 1500];
        for (i, byte) in data.iter_mut().enumerate() {
            if i % 7 == 3 {
                *byte = (i * 37) as u8;
            }
        }
        for start in 0..4 {
            for len in 0..data.len() - start {
                let slice = &data[start..start + len];
                assert_eq!(
                    csum_fold(csum_add(0, slice)),
                    !reference_sum(slice),
                    "start {start} len {len}"
                );
            }
        }
        // A running sum passed in is added too, whatever its size.
        assert_eq!(csum_add(0xffff_ffff, &[0xff, 0xff]), 0xffff);
        assert_eq!(csum_add(0x1_0000, &[]), 1);
    }
}

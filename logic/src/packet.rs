// SPDX-License-Identifier: GPL-2.0

//! Reading an incoming IPv4/TCP header and writing the reply's, as bytes.
//!
//! Shared verbatim by the kernel module and the host crate `tarpit-logic`:
//! the kernel copies the first [`IPV4_TCP_LEN`] bytes of a packet out of
//! its skb, and sends the bytes [`build_ipv4_reply`] returns.

use super::decision::{Flags, Reply, Segment};

/// An IPv4 header without options plus a TCP header without options: what
/// is parsed of an incoming packet, and all of a reply.
pub const IPV4_TCP_LEN: usize = 40;

const IPV4_HEADER_LEN: usize = 20;
const TCP_HEADER_LEN: usize = 20;
const IPPROTO_TCP: u8 = 6;
/// The IPv4 flags and fragment offset field: MF (0x2000) and the offset.
const IP_MF_AND_OFFSET: u16 = 0x3fff;
const IP_DF: u16 = 0x4000;

/// Why a packet gets no reply (before the mode is even asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoReply {
    /// Shorter than an IPv4 and a TCP header.
    Truncated,
    /// Not IPv4, a header length below 20 bytes, or lengths that disagree.
    Malformed,
    /// IP options: a reply would have to handle (e.g. source routes) them.
    IpOptions,
    /// A fragment: its TCP checksum cannot be checked, nor is it a segment.
    Fragment,
    /// Not TCP.
    NotTcp,
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
    let tcp = &head[IPV4_HEADER_LEN..];
    let doff = usize::from(tcp[12] >> 4) * 4;
    let tcp_len = len - IPV4_HEADER_LEN;
    if doff < TCP_HEADER_LEN || doff > tcp_len {
        return Err(NoReply::BadDataOffset);
    }
    let payload_len = u32::try_from(tcp_len - doff).map_err(|_| NoReply::Malformed)?;
    Ok(Ipv4Segment {
        saddr,
        daddr,
        sport: be16(tcp, 0),
        dport: be16(tcp, 2),
        segment: Segment {
            seq: be32(tcp, 4),
            ack_seq: be32(tcp, 8),
            flags: Flags(tcp[13]),
            window: be16(tcp, 14),
            payload_len,
        },
    })
}

/// The one's complement sum of `data` folded into `sum` (RFC 1071).
fn csum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn csum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // The loop leaves at most 16 bits.
    !(sum as u16)
}

/// The reply to `incoming`: an IPv4 header (no options, DF, ID 0, TTL
/// `ttl`) and a TCP header (no options, no data), both checksums filled in.
pub fn build_ipv4_reply(incoming: &Ipv4Segment, reply: &Reply, ttl: u8) -> [u8; IPV4_TCP_LEN] {
    let mut p = [0u8; IPV4_TCP_LEN];
    // The lengths are constants far below 65536.
    let total = IPV4_TCP_LEN as u16;
    p[0] = 0x45;
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p[6..8].copy_from_slice(&IP_DF.to_be_bytes());
    p[8] = ttl;
    p[9] = IPPROTO_TCP;
    p[12..16].copy_from_slice(&incoming.daddr);
    p[16..20].copy_from_slice(&incoming.saddr);
    let ip_check = csum_fold(csum_add(0, &p[..IPV4_HEADER_LEN]));
    p[10..12].copy_from_slice(&ip_check.to_be_bytes());

    let t = IPV4_HEADER_LEN;
    p[t..t + 2].copy_from_slice(&incoming.dport.to_be_bytes());
    p[t + 2..t + 4].copy_from_slice(&incoming.sport.to_be_bytes());
    p[t + 4..t + 8].copy_from_slice(&reply.seq.to_be_bytes());
    p[t + 8..t + 12].copy_from_slice(&reply.ack_seq.to_be_bytes());
    p[t + 12] = ((TCP_HEADER_LEN / 4) as u8) << 4;
    p[t + 13] = reply.flags.0;
    p[t + 14..t + 16].copy_from_slice(&reply.window.to_be_bytes());
    // Pseudo-header: addresses, protocol, TCP length (RFC 9293, 3.1).
    let mut sum = csum_add(0, &p[12..20]);
    sum += u32::from(IPPROTO_TCP) + TCP_HEADER_LEN as u32;
    let tcp_check = csum_fold(csum_add(sum, &p[t..]));
    p[t + 16..t + 18].copy_from_slice(&tcp_check.to_be_bytes());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn checksum_of_odd_length_pads_with_zero() {
        assert_eq!(csum_add(0, &[0x12]), 0x1200);
        assert_eq!(csum_fold(0x1_fffe), 0);
    }
}

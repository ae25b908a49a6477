// SPDX-License-Identifier: GPL-2.0

//! Ethernet frames carrying IPv4 or IPv6 TCP segments, well formed by
//! default; the fuzzer breaks them on purpose afterwards.

pub const ETH_LEN: usize = 14;
pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const IPPROTO_TCP: u8 = 6;

/// An IP address of either family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Addr {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Addr::V4(a) => a,
            Addr::V6(a) => a,
        }
    }
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addr::V4(a) => write!(f, "{}", std::net::Ipv4Addr::from(*a)),
            Addr::V6(a) => write!(f, "{}", std::net::Ipv6Addr::from(*a)),
        }
    }
}

/// One segment to put on the wire.
#[derive(Clone, Debug)]
pub struct Segment {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub saddr: Addr,
    pub daddr: Addr,
    pub ttl: u8,
    pub tos: u8,
    /// IPv4 flags and fragment offset field (DF, MF, offset).
    pub frag: u16,
    /// IPv4 options, a multiple of 4 bytes.
    pub ip_options: Vec<u8>,
    /// IPv6 extension headers before TCP: (next-header value of the
    /// header, its bytes, whose first byte is overwritten by the chain).
    pub ext_headers: Vec<(u8, Vec<u8>)>,
    /// The transport protocol number (TCP unless a test wants otherwise).
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    /// TCP options, a multiple of 4 bytes.
    pub tcp_options: Vec<u8>,
    pub payload_len: usize,
}

/// Where the parts of a built frame are, for later corruption.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Offset of the IP header.
    pub ip: usize,
    /// Offset of the TCP header.
    pub tcp: usize,
}

/// The one's complement sum and its checksum field: the logic's own.
pub use tarpit_logic::packet::{csum_add as sum, csum_fold as fold};

/// The IPv4 header checksum over `header`.
pub fn ipv4_header_checksum(header: &[u8]) -> u16 {
    fold(sum(0, header))
}

/// The checksum of the upper-layer data `data` (protocol `proto`: TCP,
/// ICMPv6) with the pseudo-header of `saddr`/`daddr`: 0 over data whose
/// checksum field holds, else the field's value when it is zero.
pub fn l4_checksum(saddr: &Addr, daddr: &Addr, proto: u8, data: &[u8]) -> u16 {
    let mut s = sum(0, saddr.bytes());
    s = sum(s, daddr.bytes());
    s += u32::from(proto);
    s += data.len() as u32 & 0xffff;
    s += (data.len() as u32) >> 16;
    fold(sum(s, data))
}

/// The TCP checksum of `tcp` (header and payload, checksum field zero or
/// not: the caller zeroes it) with the pseudo-header of `saddr`/`daddr`.
pub fn tcp_checksum(saddr: &Addr, daddr: &Addr, tcp: &[u8]) -> u16 {
    l4_checksum(saddr, daddr, IPPROTO_TCP, tcp)
}

impl Segment {
    /// A well-formed segment as a client sends it: no IP options, extension
    /// headers, TCP options or data; DF, TTL 64, window 64240.
    #[allow(clippy::too_many_arguments)]
    pub fn plain(
        src_mac: [u8; 6],
        dst_mac: [u8; 6],
        (saddr, sport): (Addr, u16),
        (daddr, dport): (Addr, u16),
        seq: u32,
        ack: u32,
        flags: u8,
    ) -> Segment {
        Segment {
            src_mac,
            dst_mac,
            saddr,
            daddr,
            ttl: 64,
            tos: 0,
            frag: 0x4000,
            ip_options: Vec::new(),
            ext_headers: Vec::new(),
            proto: IPPROTO_TCP,
            sport,
            dport,
            seq,
            ack,
            flags,
            window: 64240,
            urgent: 0,
            tcp_options: Vec::new(),
            payload_len: 0,
        }
    }

    /// The frame, and where its headers are. `payload` provides the data
    /// bytes (at least `payload_len` of them).
    pub fn build(&self, payload: &[u8]) -> (Vec<u8>, Layout) {
        let tcp_len = 20 + self.tcp_options.len() + self.payload_len;
        let mut frame = Vec::with_capacity(ETH_LEN + 60 + tcp_len);
        frame.extend_from_slice(&self.dst_mac);
        frame.extend_from_slice(&self.src_mac);
        let ip = ETH_LEN;
        match (&self.saddr, &self.daddr) {
            (Addr::V4(s), Addr::V4(d)) => {
                frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
                let ihl = 20 + self.ip_options.len();
                let total = (ihl + tcp_len) as u16;
                frame.push(0x40 | (ihl / 4) as u8);
                frame.push(self.tos);
                frame.extend_from_slice(&total.to_be_bytes());
                frame.extend_from_slice(&0x1234u16.to_be_bytes());
                frame.extend_from_slice(&self.frag.to_be_bytes());
                frame.push(self.ttl);
                frame.push(self.proto);
                frame.extend_from_slice(&[0, 0]);
                frame.extend_from_slice(s);
                frame.extend_from_slice(d);
                frame.extend_from_slice(&self.ip_options);
                let csum = ipv4_header_checksum(&frame[ip..ip + ihl]);
                frame[ip + 10..ip + 12].copy_from_slice(&csum.to_be_bytes());
            }
            (Addr::V6(s), Addr::V6(d)) => {
                frame.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
                let ext_len: usize = self.ext_headers.iter().map(|(_, h)| h.len()).sum();
                frame.extend_from_slice(&[0x60 | (self.tos >> 4), self.tos << 4, 0, 0]);
                frame.extend_from_slice(&((ext_len + tcp_len) as u16).to_be_bytes());
                frame.push(self.ext_headers.first().map_or(self.proto, |(nh, _)| *nh));
                frame.push(self.ttl);
                frame.extend_from_slice(s);
                frame.extend_from_slice(d);
                for (i, (_, header)) in self.ext_headers.iter().enumerate() {
                    let next = self
                        .ext_headers
                        .get(i + 1)
                        .map_or(self.proto, |(nh, _)| *nh);
                    frame.push(next);
                    frame.extend_from_slice(&header[1..]);
                }
            }
            _ => unreachable!("the addresses of one segment are of one family"),
        }
        let tcp = frame.len();
        frame.extend_from_slice(&self.sport.to_be_bytes());
        frame.extend_from_slice(&self.dport.to_be_bytes());
        frame.extend_from_slice(&self.seq.to_be_bytes());
        frame.extend_from_slice(&self.ack.to_be_bytes());
        frame.push((((20 + self.tcp_options.len()) / 4) as u8) << 4);
        frame.push(self.flags);
        frame.extend_from_slice(&self.window.to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&self.urgent.to_be_bytes());
        frame.extend_from_slice(&self.tcp_options);
        frame.extend_from_slice(&payload[..self.payload_len]);
        let csum = tcp_checksum(&self.saddr, &self.daddr, &frame[tcp..]);
        frame[tcp + 16..tcp + 18].copy_from_slice(&csum.to_be_bytes());
        (frame, Layout { ip, tcp })
    }
}

fn get16(frame: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([frame[at], frame[at + 1]])
}

pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_VLAN: u16 = 0x8100;
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_IGMP: u8 = 2;
pub const IPPROTO_ICMPV6: u8 = 58;
const ICMPV6_NEIGHBOUR_SOLICITATION: u8 = 135;
const ICMPV6_NEIGHBOUR_ADVERTISEMENT: u8 = 136;

/// A TCP reply read off the wire.
pub struct Captured {
    pub family: u8,
    pub saddr: Addr,
    pub daddr: Addr,
    pub ttl: u8,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// What is wrong with its headers, if anything.
    pub defect: Option<&'static str>,
    /// The IP packet as received (headers and whatever follows).
    pub raw: Vec<u8>,
}

/// Link traffic that is nobody's reply: address resolution and multicast
/// membership. Recognised, counted, never judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Housekeeping {
    Arp,
    /// IPv6 neighbour discovery (router and neighbour solicitations and
    /// advertisements, redirects).
    Ndp,
    /// IPv6 multicast listener reports and queries.
    Mld,
    Igmp,
}

/// A frame that arrived on the fuzzer's interface, by kind.
pub enum Received {
    /// An IPv4 or IPv6 TCP segment (IPv6: TCP right after the header).
    Reply(Captured),
    Housekeeping(Housekeeping),
    /// ICMP errors and echo replies: the tarpit host's IP stack answering
    /// what passed the TARPIT rules (e.g. UDP to a closed port); TARPIT
    /// itself never sends ICMP.
    Icmp,
    /// Anything else: what it is, as far as it could be read.
    Unparseable(String),
}

fn icmpv4_from_stack(kind: u8) -> bool {
    // Echo reply, destination unreachable, source quench, redirect, time
    // exceeded, parameter problem, timestamp reply.
    matches!(kind, 0 | 3 | 4 | 5 | 11 | 12 | 14)
}

/// What `frame` (a whole Ethernet frame) is.
pub fn classify(frame: &[u8]) -> Received {
    let Some(eth) = frame.get(..ETH_LEN) else {
        return Received::Unparseable(format!("a runt frame of {} bytes", frame.len()));
    };
    let ip = &frame[ETH_LEN..];
    match get16(eth, 12) {
        ETHERTYPE_ARP => Received::Housekeeping(Housekeeping::Arp),
        tpid @ (ETHERTYPE_VLAN | ETHERTYPE_QINQ) => Received::Unparseable(format!(
            "a VLAN-tagged frame (TPID {tpid:#06x}, VLAN {})",
            ip.get(..2).map_or(0, |t| get16(t, 0) & 0x0fff)
        )),
        ETHERTYPE_IPV4 => classify_ipv4(frame, ip),
        ETHERTYPE_IPV6 => classify_ipv6(frame, ip),
        other => Received::Unparseable(format!("ethertype {other:#06x}, {} bytes", frame.len())),
    }
}

fn classify_ipv4(frame: &[u8], ip: &[u8]) -> Received {
    let ihl = usize::from(ip.first().map_or(0, |b| b & 0x0f)) * 4;
    if ip.len() < 20 || ip[0] >> 4 != 4 || ihl < 20 || ip.len() < ihl {
        return Received::Unparseable(format!(
            "a malformed IPv4 header ({} bytes after the Ethernet header)",
            ip.len()
        ));
    }
    if get16(ip, 6) & 0x3fff != 0 {
        return Received::Unparseable(format!("an IPv4 fragment (protocol {})", ip[9]));
    }
    match ip[9] {
        IPPROTO_TCP => match parse_tcp(frame) {
            Some(reply) => Received::Reply(reply),
            None => Received::Unparseable(format!(
                "IPv4 TCP with {} bytes of TCP header",
                ip.len() - ihl
            )),
        },
        IPPROTO_ICMP => match ip.get(ihl) {
            Some(&kind) if icmpv4_from_stack(kind) => Received::Icmp,
            kind => Received::Unparseable(format!("ICMP type {kind:?}")),
        },
        IPPROTO_IGMP => Received::Housekeeping(Housekeeping::Igmp),
        proto => Received::Unparseable(format!("IPv4 protocol {proto}")),
    }
}

/// The upper-layer protocol of an IPv6 packet `ip`, its offset, and how
/// many extension headers come before it; `None` when the chain runs off
/// the end.
pub fn ipv6_upper_layer(ip: &[u8]) -> Option<(u8, usize, usize)> {
    let mut next = *ip.get(6)?;
    let mut at = 40;
    let mut count = 0;
    loop {
        let len = match next {
            // Hop-by-hop, routing, destination options.
            0 | 43 | 60 => (usize::from(*ip.get(at + 1)?) + 1) * 8,
            44 => 8,
            // AH counts 4-byte words, less 2.
            51 => (usize::from(*ip.get(at + 1)?) + 2) * 4,
            _ => return (at <= ip.len()).then_some((next, at, count)),
        };
        next = *ip.get(at)?;
        at += len;
        count += 1;
    }
}

fn classify_ipv6(frame: &[u8], ip: &[u8]) -> Received {
    if ip.len() < 40 || ip[0] >> 4 != 6 {
        return Received::Unparseable(format!(
            "a malformed IPv6 header ({} bytes after the Ethernet header)",
            ip.len()
        ));
    }
    let Some((proto, at, headers)) = ipv6_upper_layer(ip) else {
        return Received::Unparseable("IPv6 extension headers running off the end".to_string());
    };
    match proto {
        IPPROTO_TCP if headers > 0 => {
            Received::Unparseable(format!("IPv6 TCP behind {headers} extension header(s)"))
        }
        IPPROTO_TCP => match parse_tcp(frame) {
            Some(reply) => Received::Reply(reply),
            None => Received::Unparseable(format!(
                "IPv6 TCP with {} bytes of TCP header",
                ip.len() - at
            )),
        },
        IPPROTO_ICMPV6 => match ip.get(at) {
            Some(133..=137) => Received::Housekeeping(Housekeeping::Ndp),
            Some(130..=132 | 143) => Received::Housekeeping(Housekeeping::Mld),
            // Errors (destination unreachable, packet too big, time
            // exceeded, parameter problem) and echo replies.
            Some(1..=4 | 129) => Received::Icmp,
            kind => Received::Unparseable(format!("ICMPv6 type {kind:?}")),
        },
        proto => Received::Unparseable(format!("IPv6 next header {proto}")),
    }
}

/// A TCP reply, if `frame` is one (see [`classify`]).
pub fn parse_reply(frame: &[u8]) -> Option<Captured> {
    match classify(frame) {
        Received::Reply(reply) => Some(reply),
        _ => None,
    }
}

/// The TCP segment in an IPv4 or IPv6 frame whose protocol is TCP (IPv6:
/// without extension headers); `None` without a whole TCP header.
fn parse_tcp(frame: &[u8]) -> Option<Captured> {
    let ethertype = get16(frame.get(..ETH_LEN)?, 12);
    let ip = &frame[ETH_LEN..];
    let (family, saddr, daddr, ttl, tcp, ip_ok) = match ethertype {
        ETHERTYPE_IPV4 if ip.len() >= 20 && ip[9] == IPPROTO_TCP => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let ok = ip[0] == 0x45
                && usize::from(get16(ip, 2)) == 40
                && ipv4_header_checksum(&ip[..20]) == 0;
            let s = Addr::V4(ip[12..16].try_into().ok()?);
            let d = Addr::V4(ip[16..20].try_into().ok()?);
            (4, s, d, ip[8], ip.get(ihl..)?, ok)
        }
        ETHERTYPE_IPV6 if ip.len() >= 40 && ip[6] == IPPROTO_TCP => {
            let ok = ip[0] >> 4 == 6 && get16(ip, 4) == 20;
            let s = Addr::V6(ip[8..24].try_into().ok()?);
            let d = Addr::V6(ip[24..40].try_into().ok()?);
            (6, s, d, ip[7], &ip[40..], ok)
        }
        _ => return None,
    };
    let defect = if !ip_ok {
        Some("a malformed IP header")
    } else if tcp.len() != 20 || tcp.get(12) != Some(&0x50) {
        Some("TCP options or data")
    } else if tcp_checksum(&saddr, &daddr, tcp) != 0 {
        Some("a bad TCP checksum")
    } else {
        None
    };
    let tcp = tcp.get(..20)?;
    Some(Captured {
        family,
        saddr,
        daddr,
        ttl,
        sport: get16(tcp, 0),
        dport: get16(tcp, 2),
        seq: u32::from_be_bytes(tcp[4..8].try_into().ok()?),
        ack: u32::from_be_bytes(tcp[8..12].try_into().ok()?),
        flags: tcp[13],
        window: get16(tcp, 14),
        defect,
        raw: ip.to_vec(),
    })
}

/// Recomputes the IPv4 header checksum and the TCP checksum of a frame
/// holding a TCP segment without IPv4 options or IPv6 extension headers
/// (after a test changed a field on purpose).
pub fn refresh_checksums(frame: &mut [u8]) {
    let ip = ETH_LEN;
    match get16(frame, 12) {
        ETHERTYPE_IPV4 if frame.len() >= ip + 40 => {
            frame[ip + 10..ip + 12].fill(0);
            let csum = ipv4_header_checksum(&frame[ip..ip + 20]);
            frame[ip + 10..ip + 12].copy_from_slice(&csum.to_be_bytes());
            let s = Addr::V4(frame[ip + 12..ip + 16].try_into().unwrap());
            let d = Addr::V4(frame[ip + 16..ip + 20].try_into().unwrap());
            frame[ip + 36..ip + 38].fill(0);
            let csum = tcp_checksum(&s, &d, &frame[ip + 20..]);
            frame[ip + 36..ip + 38].copy_from_slice(&csum.to_be_bytes());
        }
        ETHERTYPE_IPV6 if frame.len() >= ip + 60 => {
            let s = Addr::V6(frame[ip + 8..ip + 24].try_into().unwrap());
            let d = Addr::V6(frame[ip + 24..ip + 40].try_into().unwrap());
            frame[ip + 56..ip + 58].fill(0);
            let csum = tcp_checksum(&s, &d, &frame[ip + 40..]);
            frame[ip + 56..ip + 58].copy_from_slice(&csum.to_be_bytes());
        }
        _ => {}
    }
}

/// Puts an 802.1Q tag (`tci`) into `frame` after its MAC addresses, where
/// a capture whose kernel took the tag out of the data puts it back.
pub fn insert_vlan_tag(frame: &mut Vec<u8>, tpid: u16, tci: u16) {
    if frame.len() < 12 {
        return;
    }
    let mut tag = tpid.to_be_bytes().to_vec();
    tag.extend_from_slice(&tci.to_be_bytes());
    frame.splice(12..12, tag);
}

/// A neighbour solicitation in `frame`: (its link-layer source, its IPv6
/// source, the target address).
pub fn neighbour_solicitation(frame: &[u8]) -> Option<([u8; 6], [u8; 16], [u8; 16])> {
    if get16(frame.get(..ETH_LEN)?, 12) != ETHERTYPE_IPV6 {
        return None;
    }
    let ip = &frame[ETH_LEN..];
    let (proto, at, _) = ipv6_upper_layer(ip)?;
    let icmp = ip.get(at..at + 24)?;
    if proto != IPPROTO_ICMPV6 || icmp[0] != ICMPV6_NEIGHBOUR_SOLICITATION {
        return None;
    }
    Some((
        frame[6..12].try_into().ok()?,
        ip.get(8..24)?.try_into().ok()?,
        icmp[8..24].try_into().ok()?,
    ))
}

/// A solicited neighbour advertisement of `target` at `mac`, answering a
/// solicitation from `to_mac`/`to_ip` (the all-nodes group for the
/// unspecified address of address duplication checks).
pub fn neighbour_advertisement(
    mac: [u8; 6],
    (to_mac, to_ip): ([u8; 6], [u8; 16]),
    target: [u8; 16],
) -> Vec<u8> {
    let dad = to_ip == [0; 16];
    let mut all_nodes = [0u8; 16];
    all_nodes[..2].copy_from_slice(&[0xff, 0x02]);
    all_nodes[15] = 1;
    let dst = if dad { all_nodes } else { to_ip };
    let dst_mac = if dad {
        [0x33, 0x33, 0, 0, 0, 1]
    } else {
        to_mac
    };
    let mut icmp = vec![ICMPV6_NEIGHBOUR_ADVERTISEMENT, 0, 0, 0];
    // Solicited (not for a duplication check) and override.
    icmp.extend_from_slice(&[if dad { 0x20 } else { 0x60 }, 0, 0, 0]);
    icmp.extend_from_slice(&target);
    // Target link-layer address option.
    icmp.extend_from_slice(&[2, 1]);
    icmp.extend_from_slice(&mac);
    let csum = l4_checksum(&Addr::V6(target), &Addr::V6(dst), IPPROTO_ICMPV6, &icmp);
    icmp[2..4].copy_from_slice(&csum.to_be_bytes());
    let mut frame = Vec::with_capacity(ETH_LEN + 40 + icmp.len());
    frame.extend_from_slice(&dst_mac);
    frame.extend_from_slice(&mac);
    frame.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    frame.extend_from_slice(&[0x60, 0, 0, 0]);
    frame.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
    frame.extend_from_slice(&[IPPROTO_ICMPV6, 255]);
    frame.extend_from_slice(&target);
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&icmp);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
    const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];

    fn v6(last: u8) -> Addr {
        let mut a = [0u8; 16];
        a[..2].copy_from_slice(&[0xfd, 0x07]);
        a[15] = last;
        Addr::V6(a)
    }

    fn reply(saddr: Addr, daddr: Addr) -> Vec<u8> {
        let mut seg = Segment::plain(MAC_A, MAC_B, (saddr, 80), (daddr, 4000), 1, 2, 0x12);
        seg.tos = 0;
        seg.build(&[]).0
    }

    /// An IPv4 or IPv6 frame of `proto` carrying `body`.
    fn ip_frame(family: u8, proto: u8, body: &[u8]) -> Vec<u8> {
        let mut frame = MAC_B.to_vec();
        frame.extend_from_slice(&MAC_A);
        if family == 4 {
            frame.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
            let total = 20 + body.len() as u16;
            frame.extend_from_slice(&[0x45, 0]);
            frame.extend_from_slice(&total.to_be_bytes());
            frame.extend_from_slice(&[0, 0, 0x40, 0, 64, proto, 0, 0, 10, 7, 0, 2, 10, 8, 0, 1]);
        } else {
            frame.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
            frame.extend_from_slice(&[0x60, 0, 0, 0]);
            frame.extend_from_slice(&(body.len() as u16).to_be_bytes());
            frame.extend_from_slice(&[proto, 64]);
            frame.extend_from_slice(v6(2).bytes());
            frame.extend_from_slice(v6(1).bytes());
        }
        frame.extend_from_slice(body);
        frame
    }

    fn unparseable(frame: &[u8]) -> String {
        match classify(frame) {
            Received::Unparseable(why) => why,
            _ => panic!("parsed: {frame:02x?}"),
        }
    }

    #[test]
    fn tcp_replies_are_replies() {
        let frame = reply(Addr::V4([10, 7, 1, 1]), Addr::V4([10, 8, 0, 1]));
        let Received::Reply(r) = classify(&frame) else {
            panic!("not a reply")
        };
        assert_eq!((r.family, r.sport, r.dport, r.flags), (4, 80, 4000, 0x12));
        assert_eq!(r.defect, None);
        assert_eq!(r.raw.len(), 40);
        let frame = reply(v6(2), v6(1));
        assert!(
            matches!(classify(&frame), Received::Reply(r) if r.family == 6 && r.defect.is_none())
        );
    }

    #[test]
    fn what_is_not_a_reply_is_unparseable() {
        // UDP, an unknown IPv6 next header, an unknown ethertype, a runt.
        assert_eq!(unparseable(&ip_frame(4, 17, &[0; 12])), "IPv4 protocol 17");
        assert_eq!(
            unparseable(&ip_frame(6, 17, &[0; 12])),
            "IPv6 next header 17"
        );
        let mut frame = ip_frame(4, 17, &[0; 12]);
        frame[12..14].copy_from_slice(&0x88b5u16.to_be_bytes());
        assert!(unparseable(&frame).starts_with("ethertype 0x88b5"));
        assert!(unparseable(&frame[..10]).starts_with("a runt"));
        // A TCP reply behind a destination options header.
        let mut frame = reply(v6(2), v6(1));
        frame[ETH_LEN + 6] = 60;
        frame.splice(ETH_LEN + 40..ETH_LEN + 40, [6, 0, 1, 4, 0, 0, 0, 0]);
        assert_eq!(unparseable(&frame), "IPv6 TCP behind 1 extension header(s)");
        // Tagged: what the capture makes of a tag the kernel took out.
        let mut frame = reply(Addr::V4([10, 7, 1, 1]), Addr::V4([10, 8, 0, 1]));
        insert_vlan_tag(&mut frame, ETHERTYPE_VLAN, 5);
        assert_eq!(
            unparseable(&frame),
            "a VLAN-tagged frame (TPID 0x8100, VLAN 5)"
        );
        // A fragment of a TCP segment, a TCP header cut short.
        let mut frame = reply(Addr::V4([10, 7, 1, 1]), Addr::V4([10, 8, 0, 1]));
        frame[ETH_LEN + 6] = 0x20;
        assert!(unparseable(&frame).starts_with("an IPv4 fragment"));
        let frame = reply(v6(2), v6(1));
        assert!(unparseable(&frame[..ETH_LEN + 50]).starts_with("IPv6 TCP with 10 bytes"));
        // ICMP that the stack never sends: an echo request.
        assert_eq!(
            unparseable(&ip_frame(4, 1, &[8, 0, 0, 0])),
            "ICMP type Some(8)"
        );
        assert_eq!(
            unparseable(&ip_frame(6, 58, &[128, 0, 0, 0])),
            "ICMPv6 type Some(128)"
        );
    }

    #[test]
    fn link_housekeeping_and_stack_icmp_are_recognised() {
        let mut arp = ip_frame(4, 0, &[]);
        arp[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
        assert!(matches!(
            classify(&arp),
            Received::Housekeeping(Housekeeping::Arp)
        ));
        let ns = ip_frame(6, 58, &[135, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            classify(&ns),
            Received::Housekeeping(Housekeeping::Ndp)
        ));
        // An MLDv2 report behind a hop-by-hop header (router alert).
        let mut body = vec![58, 0, 5, 2, 0, 0, 1, 0];
        body.extend_from_slice(&[143, 0, 0, 0]);
        let mld = ip_frame(6, 0, &body);
        assert!(matches!(
            classify(&mld),
            Received::Housekeeping(Housekeeping::Mld)
        ));
        let igmp = ip_frame(4, 2, &[0x22, 0, 0, 0]);
        assert!(matches!(
            classify(&igmp),
            Received::Housekeeping(Housekeeping::Igmp)
        ));
        for kind in [0, 3, 11, 12] {
            assert!(matches!(
                classify(&ip_frame(4, 1, &[kind, 0, 0, 0])),
                Received::Icmp
            ));
        }
        for kind in [1, 2, 3, 4, 129] {
            assert!(matches!(
                classify(&ip_frame(6, 58, &[kind, 0, 0, 0])),
                Received::Icmp
            ));
        }
    }

    #[test]
    fn a_solicitation_gets_a_valid_advertisement() {
        let target = crate::plan::link_local_identity(5).0;
        let Addr::V6(target) = target else { panic!() };
        let mut body = vec![135, 0, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(&target);
        let ns = ip_frame(6, 58, &body);
        let (mac, from, asked) = neighbour_solicitation(&ns).unwrap();
        assert_eq!((mac, asked), (MAC_A, target));
        let na = neighbour_advertisement(MAC_B, (mac, from), asked);
        assert_eq!(&na[..6], &MAC_A);
        let ip = &na[ETH_LEN..];
        assert_eq!((ip[6], ip[7], ip[40]), (58, 255, 136));
        assert_eq!(&ip[8..24], &target);
        assert_eq!(&ip[64..66], &[2, 1]);
        assert_eq!(&ip[66..72], &MAC_B);
        let src = Addr::V6(target);
        let dst = Addr::V6(from);
        assert_eq!(l4_checksum(&src, &dst, IPPROTO_ICMPV6, &ip[40..]), 0);
        assert!(neighbour_solicitation(&na).is_none());
    }

    #[test]
    fn refreshed_checksums_hold() {
        let mut frame = reply(Addr::V4([10, 7, 1, 1]), Addr::V4([10, 8, 0, 1]));
        frame[ETH_LEN + 1] = 0x10;
        frame[ETH_LEN + 24] ^= 1;
        refresh_checksums(&mut frame);
        assert!(matches!(classify(&frame), Received::Reply(r) if r.defect.is_none()));
        let mut frame = reply(v6(2), v6(1));
        frame[ETH_LEN + 44] ^= 1;
        refresh_checksums(&mut frame);
        assert!(matches!(classify(&frame), Received::Reply(r) if r.defect.is_none()));
    }
}

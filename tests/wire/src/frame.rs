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

/// The TCP checksum of `tcp` (header and payload, checksum field zero or
/// not: the caller zeroes it) with the pseudo-header of `saddr`/`daddr`.
pub fn tcp_checksum(saddr: &Addr, daddr: &Addr, tcp: &[u8]) -> u16 {
    let mut s = sum(0, saddr.bytes());
    s = sum(s, daddr.bytes());
    s += u32::from(IPPROTO_TCP);
    s += tcp.len() as u32 & 0xffff;
    s += (tcp.len() as u32) >> 16;
    fold(sum(s, tcp))
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

/// A reply read off the wire.
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
}

pub fn parse_reply(frame: &[u8]) -> Option<Captured> {
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
    })
}

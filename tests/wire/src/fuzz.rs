// SPDX-License-Identifier: GPL-2.0

//! The fuzzer: random and malformed segments through TARPIT rules, and a
//! check of every reply that comes back.
//!
//! Each segment belongs to a class. Only `Valid` segments may be answered,
//! with exactly the reply the shared decision logic gives (at most one);
//! every other class must be met with silence.

use crate::frame::{self, parse_reply, Addr, Captured, Layout, Segment, ETH_LEN};
use crate::plan::{self, Target};
use crate::rng::Rng;
use crate::sock::PacketSocket;
use std::time::{Duration, Instant};
use tarpit_logic::{decide, Entropy, Flags, Mode, Reply};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Well formed; any flags, options, payload length up to the MTU.
    Valid,
    /// A wrong TCP checksum.
    BadChecksum,
    /// Cut inside the IP or TCP header.
    Truncated,
    /// Wrong version, header length, total length or header checksum.
    BadIpHeader,
    /// IPv4 options, IPv6 extension headers (fragment header included).
    IpOptions,
    /// A TCP data offset below 5 or past the end.
    BadDataOffset,
    /// An IPv4 fragment (MF or an offset).
    Fragment,
    /// A broadcast, multicast, loopback, unspecified or martian address.
    BadAddress,
    /// Not addressed to the host at the link layer.
    NotHost,
    /// Another IP protocol.
    NotTcp,
}

/// Classes and their weights (per thousand).
const CLASSES: [(Class, u32); 10] = [
    (Class::Valid, 500),
    (Class::BadChecksum, 60),
    (Class::Truncated, 60),
    (Class::BadIpHeader, 60),
    (Class::IpOptions, 60),
    (Class::BadDataOffset, 60),
    (Class::Fragment, 50),
    (Class::BadAddress, 60),
    (Class::NotHost, 50),
    (Class::NotTcp, 40),
];

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Valid => "valid",
            Class::BadChecksum => "bad-checksum",
            Class::Truncated => "truncated",
            Class::BadIpHeader => "bad-ip-header",
            Class::IpOptions => "ip-options/ext-headers",
            Class::BadDataOffset => "bad-data-offset",
            Class::Fragment => "fragment",
            Class::BadAddress => "bad-address",
            Class::NotHost => "not-host",
            Class::NotTcp => "not-tcp",
        }
    }

    fn pick(rng: &mut Rng) -> Class {
        let mut roll = rng.below(1000) as u32;
        for (class, weight) in CLASSES {
            if roll < weight {
                return class;
            }
            roll -= weight;
        }
        Class::Valid
    }
}

/// What was sent as segment `index`, as far as checking a reply needs it.
#[derive(Clone, Debug)]
pub struct Record {
    pub class: Class,
    pub family: u8,
    pub daddr: Addr,
    pub dport: u16,
    pub mode: Mode,
    pub peer_window: u16,
    /// The reply the shared logic gives, for `Valid` segments.
    pub expected: Option<Reply>,
    pub sent: bool,
}

/// The link and the data bytes frames are made of.
pub struct Env {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub max_frame: usize,
    pub payload: Vec<u8>,
}

/// The decision logic's unknowns: the SYN/ACK's sequence number and the
/// honeypot's window noise are not compared, so any value does.
struct Unknown;

impl Entropy for Unknown {
    fn isn(&mut self) -> u32 {
        0
    }
    fn random(&mut self) -> u8 {
        0
    }
}

/// The generator of segment `index`, so that one segment can be replayed.
fn rng_for(seed: u64, index: usize) -> Rng {
    let mut mix = Rng::new(seed ^ (index as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
    Rng::new(mix.next_u64())
}

fn random_tcp_options(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(600) {
        return Vec::new();
    }
    let mut options = vec![0u8; 4 * rng.range(1, 10)];
    if rng.chance(500) {
        rng.fill(&mut options);
    } else {
        // Plausible ones: MSS, window scale, SACK permitted, NOPs.
        let mss = [2, 4, 0x05, 0xb4];
        for (i, chunk) in options.chunks_mut(4).enumerate() {
            match i % 3 {
                0 => chunk.copy_from_slice(&mss),
                1 => chunk.copy_from_slice(&[1, 3, 3, 7]),
                _ => chunk.copy_from_slice(&[1, 1, 4, 2]),
            }
        }
    }
    options
}

fn payload_len(rng: &mut Rng, room: usize) -> usize {
    match rng.below(1000) {
        0..=399 => 0,
        400..=949 => rng.range(1, room.min(1460)),
        // Large segments, up to the MTU (GSO-sized with a 64 KiB MTU).
        950..=994 => rng.range(room / 2, room),
        _ => room,
    }
}

fn random_ext_headers(rng: &mut Rng) -> Vec<(u8, Vec<u8>)> {
    let mut headers = Vec::new();
    for _ in 0..rng.range(1, 2) {
        let header = match rng.below(4) {
            // Hop-by-hop and destination options: one PadN option.
            0 => (0, vec![0, 0, 1, 4, 0, 0, 0, 0]),
            1 => (60, vec![0, 0, 1, 4, 0, 0, 0, 0]),
            // A routing header (type 0, deprecated, or a random one) with
            // one address and segments left 0 or 1.
            2 => {
                let mut h = vec![0u8; 24];
                rng.fill(&mut h);
                h[1] = 2;
                let any = rng.u8();
                h[2] = *rng.pick(&[0, 2, 4, any]);
                h[3] = rng.below(2) as u8;
                (43, h)
            }
            // A fragment header: first, middle or last fragment.
            _ => {
                let mut h = vec![0u8; 8];
                rng.fill(&mut h);
                h[1] = 0;
                let offset_and_more = rng.u16() & 0xfff9;
                h[2..4].copy_from_slice(&offset_and_more.to_be_bytes());
                (44, h)
            }
        };
        headers.push(header);
    }
    headers
}

fn set16(frame: &mut [u8], at: usize, value: u16) {
    frame[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

fn get16(frame: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([frame[at], frame[at + 1]])
}

fn fix_ipv4_checksum(frame: &mut [u8], layout: &Layout) {
    let ihl = usize::from(frame[layout.ip] & 0x0f) * 4;
    let end = (layout.ip + ihl.max(20)).min(frame.len());
    set16(frame, layout.ip + 10, 0);
    let csum = frame::ipv4_header_checksum(&frame[layout.ip..end]);
    set16(frame, layout.ip + 10, csum);
}

fn fix_tcp_checksum(frame: &mut [u8], layout: &Layout, seg: &Segment) {
    set16(frame, layout.tcp + 16, 0);
    let csum = frame::tcp_checksum(&seg.saddr, &seg.daddr, &frame[layout.tcp..]);
    set16(frame, layout.tcp + 16, csum);
}

/// Makes the IP length fields say the packet is `ip_len` bytes long.
fn set_ip_len(frame: &mut [u8], layout: &Layout, family: u8, ip_len: usize) {
    if family == 4 {
        set16(frame, layout.ip + 2, ip_len as u16);
        fix_ipv4_checksum(frame, layout);
    } else {
        set16(frame, layout.ip + 4, ip_len.saturating_sub(40) as u16);
    }
}

/// IP trims a packet to the length its header claims, leaving a shorter
/// segment and link-layer padding. When the TCP checksum happens to hold
/// over what is left (1 in 65,536), that is a well-formed segment, not a bad
/// header: change the checksum field so that the segment stays in its class.
fn spoil_trimmed_checksum(frame: &mut [u8], layout: &Layout, seg: &Segment, ip_len: usize) {
    let Some(tcp_len) = (layout.ip + ip_len).checked_sub(layout.tcp) else {
        return;
    };
    let end = layout.tcp + tcp_len;
    if tcp_len < 20 || end > frame.len() {
        return;
    }
    if frame::tcp_checksum(&seg.saddr, &seg.daddr, &frame[layout.tcp..end]) == 0 {
        let field = get16(frame, layout.tcp + 16);
        set16(frame, layout.tcp + 16, field ^ 1);
    }
}

/// Segment `index`: its frame and its record.
pub fn generate(seed: u64, index: usize, family: u8, env: &Env) -> (Vec<u8>, Record) {
    let mut rng = rng_for(seed, index);
    let mut class = Class::pick(&mut rng);
    if family == 6 && class == Class::Fragment {
        // IPv6 fragments are a fragment header: an extension header.
        class = Class::IpOptions;
    }
    let host = rng.range(1, 254) as u8;
    let targets = plan::targets(family, host);
    let Target {
        addr,
        mode,
        forward,
    } = *rng.pick(&targets);
    let (saddr, sport) = plan::identity(family, index);
    let mut seg = Segment {
        src_mac: env.src_mac,
        dst_mac: env.dst_mac,
        saddr,
        daddr: addr,
        // A forwarded segment needs a TTL that survives the hop.
        ttl: rng.range(if forward { 2 } else { 1 }, 255) as u8,
        tos: rng.u8(),
        frag: if rng.chance(500) { 0x4000 } else { 0 },
        ip_options: Vec::new(),
        ext_headers: Vec::new(),
        proto: frame::IPPROTO_TCP,
        sport,
        dport: rng.u16(),
        seq: rng.u32(),
        ack: rng.u32(),
        flags: rng.u8(),
        window: rng.u16(),
        urgent: if rng.chance(900) { 0 } else { rng.u16() },
        tcp_options: random_tcp_options(&mut rng),
        payload_len: 0,
    };
    match class {
        Class::IpOptions if family == 4 => {
            let mut options = vec![1u8; 4 * rng.range(1, 10)];
            if rng.chance(500) {
                rng.fill(&mut options);
            }
            seg.ip_options = options;
        }
        Class::IpOptions => seg.ext_headers = random_ext_headers(&mut rng),
        Class::BadAddress => {
            if rng.chance(500) {
                seg.daddr = *rng.pick(&plan::unanswerable_destinations(family));
            } else {
                seg.saddr = *rng.pick(&plan::unanswerable_sources(family));
            }
        }
        Class::NotHost => {
            seg.dst_mac = match rng.below(3) {
                0 => [0xff; 6],
                1 if family == 4 => [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01],
                1 => [0x33, 0x33, 0x00, 0x00, 0x00, 0x01],
                // Another host's unicast address.
                _ => [0x02, rng.u8(), rng.u8(), rng.u8(), rng.u8(), rng.u8()],
            };
        }
        Class::NotTcp => {
            seg.proto = *rng.pick(&[17, 1, 58, 132, 59, 255, 47]);
        }
        _ => {}
    }
    let ip_header = if family == 4 {
        20 + seg.ip_options.len()
    } else {
        40
    };
    let ext: usize = seg.ext_headers.iter().map(|(_, h)| h.len()).sum();
    let room = env
        .max_frame
        .min(ETH_LEN + 65535)
        .saturating_sub(ETH_LEN + ip_header + ext + 20 + seg.tcp_options.len());
    seg.payload_len = payload_len(&mut rng, room);

    let (mut frame, layout) = seg.build(&env.payload);
    let ip_len = frame.len() - layout.ip;
    let tcp_len = frame.len() - layout.tcp;
    match class {
        Class::BadChecksum => {
            let old = get16(&frame, layout.tcp + 16);
            let mut new = old.wrapping_add(rng.range(1, 0xfffe) as u16);
            // 0x0000 and 0xffff are the same one's complement sum.
            if matches!((old, new), (0, 0xffff) | (0xffff, 0)) {
                new ^= 0x0101;
            }
            set16(&mut frame, layout.tcp + 16, new);
        }
        Class::Truncated => {
            let cut = rng.range(1, layout.tcp - layout.ip + 19);
            frame.truncate(layout.ip + cut);
            // Half say so in their length field (and reach the rules), half
            // do not (and are dropped by IP).
            if rng.chance(500) && cut >= 20 {
                set_ip_len(&mut frame, &layout, family, cut);
            }
        }
        Class::BadIpHeader => match rng.below(5) {
            0 => {
                let version = *rng.pick(&[0u8, 4, 5, 6, 7, 15]);
                let version = if version == family {
                    family + 1
                } else {
                    version
                };
                frame[layout.ip] = (version << 4) | (frame[layout.ip] & 0x0f);
                if family == 4 {
                    fix_ipv4_checksum(&mut frame, &layout);
                }
            }
            1 if family == 4 => {
                frame[layout.ip] = 0x40 | rng.range(0, 15) as u8;
                if frame[layout.ip] == 0x45 {
                    frame[layout.ip] = 0x44;
                }
                fix_ipv4_checksum(&mut frame, &layout);
            }
            2 if family == 4 => {
                let csum = get16(&frame, layout.ip + 10);
                set16(&mut frame, layout.ip + 10, csum ^ (1 << rng.below(16)));
            }
            // The length field disagrees: more than there is, less, or 0.
            _ => {
                let claimed = match rng.below(3) {
                    0 => ip_len + rng.range(1, 1000),
                    1 => rng.range(1, ip_len - 1),
                    _ => 0,
                };
                let claimed = claimed.min(65535 + 40);
                set_ip_len(&mut frame, &layout, family, claimed);
                spoil_trimmed_checksum(&mut frame, &layout, &seg, claimed);
            }
        },
        Class::BadDataOffset => {
            let words = if tcp_len < 60 && rng.chance(500) {
                rng.range(tcp_len / 4 + 1, 15)
            } else {
                rng.range(0, 4)
            };
            frame[layout.tcp + 12] = (words as u8) << 4 | (frame[layout.tcp + 12] & 0x0f);
            fix_tcp_checksum(&mut frame, &layout, &seg);
        }
        Class::Fragment => {
            let more = if rng.chance(500) { 0x2000 } else { 0 };
            let offset = rng.range(if more == 0 { 1 } else { 0 }, 0x1fff) as u16;
            set16(
                &mut frame,
                layout.ip + 6,
                (seg.frag & 0x4000) | more | offset,
            );
            fix_ipv4_checksum(&mut frame, &layout);
        }
        _ => {}
    }

    let expected = match class {
        Class::Valid => {
            let segment = tarpit_logic::Segment {
                seq: seg.seq,
                ack_seq: seg.ack,
                flags: Flags(seg.flags),
                window: seg.window,
                payload_len: seg.payload_len as u32,
            };
            decide(mode, &segment, &mut Unknown)
        }
        _ => None,
    };
    let record = Record {
        class,
        family,
        daddr: seg.daddr,
        dport: seg.dport,
        mode,
        peer_window: seg.window,
        expected,
        sent: false,
    };
    (frame, record)
}

/// What is wrong with `reply` as the answer to `record`, if anything.
fn judge(reply: &Captured, record: &Record) -> Option<String> {
    let Some(want) = record.expected else {
        return Some(match record.class {
            Class::Valid => format!(
                "answered with flags {:#04x}; the logic says silence",
                reply.flags
            ),
            class => format!("a {} segment was answered", class.name()),
        });
    };
    if let Some(defect) = reply.defect {
        return Some(format!("the reply has {defect}"));
    }
    if reply.family != record.family || reply.saddr != record.daddr || reply.sport != record.dport {
        return Some(format!(
            "the reply comes from {}:{}, not the segment's destination",
            reply.saddr, reply.sport
        ));
    }
    if reply.flags != want.flags.0 {
        return Some(format!(
            "flags {:#04x}, want {:#04x}",
            reply.flags, want.flags.0
        ));
    }
    if reply.ack != want.ack_seq {
        return Some(format!("ack {}, want {}", reply.ack, want.ack_seq));
    }
    // A SYN/ACK's sequence number is the keyed hash's.
    if want.flags != Flags::SYN_ACK && reply.seq != want.seq {
        return Some(format!("seq {}, want {}", reply.seq, want.seq));
    }
    if record.mode == Mode::Honeypot && !want.flags.has(Flags::RST) {
        let high = record.peer_window.max(1);
        let low = record.peer_window.saturating_sub(15).max(1);
        if !(low..=high).contains(&reply.window) {
            return Some(format!(
                "honeypot window {} outside {low}..={high}",
                reply.window
            ));
        }
        if reply.ttl != 128 {
            return Some(format!("honeypot TTL {}, want 128", reply.ttl));
        }
    } else if reply.window != want.window {
        return Some(format!("window {}, want {}", reply.window, want.window));
    }
    None
}

pub struct Options {
    pub seed: u64,
    pub count: usize,
    pub families: Vec<u8>,
}

fn family_of(options: &Options, index: usize) -> u8 {
    options.families[index % options.families.len()]
}

/// Prints segment `index` as the fuzzer sends it.
pub fn dump(options: &Options, env: &Env, index: usize) {
    let (frame, record) = generate(options.seed, index, family_of(options, index), env);
    println!("segment {index}: {record:?}");
    for line in frame.chunks(16) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        println!("  {}", hex.join(" "));
    }
}

/// Sends the segments, checks the replies; returns whether all was well.
pub fn run(
    options: &Options,
    env: &Env,
    tx: &PacketSocket,
    rx: &PacketSocket,
) -> std::io::Result<bool> {
    let mut records: Vec<Record> = Vec::with_capacity(options.count);
    let mut replies = vec![0u8; options.count];
    let mut violations: Vec<String> = Vec::new();
    let mut violation_count = 0usize;
    let mut unknown_replies = 0usize;
    let mut buf = vec![0u8; 70_000];
    let mut send_drops = 0usize;
    let start = Instant::now();

    let mut drain = |records: &Vec<Record>, replies: &mut Vec<u8>| -> std::io::Result<usize> {
        let mut got = 0;
        while let Some(n) = rx.try_recv(&mut buf)? {
            let Some(reply) = parse_reply(&buf[..n]) else {
                continue;
            };
            got += 1;
            let index = plan::index_of(&reply.daddr, reply.dport).filter(|&i| i < records.len());
            let Some(index) = index else {
                unknown_replies += 1;
                violation_count += 1;
                if violations.len() < 20 {
                    violations.push(format!(
                        "a reply to {}:{} answers no segment sent",
                        reply.daddr, reply.dport
                    ));
                }
                continue;
            };
            replies[index] = replies[index].saturating_add(1);
            let verdict = if replies[index] > 1 {
                Some("a second reply to one segment".to_string())
            } else {
                judge(&reply, &records[index])
            };
            if let Some(why) = verdict {
                violation_count += 1;
                if violations.len() < 20 {
                    violations.push(format!(
                        "segment {index} ({}): {why}",
                        records[index].class.name()
                    ));
                }
            }
        }
        Ok(got)
    };

    for index in 0..options.count {
        let (frame, mut record) = generate(options.seed, index, family_of(options, index), env);
        // The kernel's queues are full: let the receiving side catch up.
        let mut tries = 0;
        record.sent = loop {
            if tx.send(&frame)? {
                break true;
            }
            tries += 1;
            if tries == 1000 {
                send_drops += 1;
                break false;
            }
            std::thread::yield_now();
        };
        records.push(record);
        if index % 32 == 31 {
            drain(&records, &mut replies)?;
        }
    }
    // Replies still in flight: wait until none has come for half a second.
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_millis(500) {
        if drain(&records, &mut replies)? > 0 {
            quiet_since = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let capture_drops = rx.drops()?;

    let mut by_class: Vec<(Class, usize)> = CLASSES.iter().map(|&(c, _)| (c, 0)).collect();
    let mut expected = 0usize;
    let mut missing = 0usize;
    let mut answered = 0usize;
    for (index, (record, &n)) in records.iter().zip(&replies).enumerate() {
        if let Some(entry) = by_class.iter_mut().find(|(c, _)| *c == record.class) {
            entry.1 += 1;
        }
        answered += usize::from(n);
        if record.sent && record.expected.is_some() {
            expected += 1;
            if n == 0 {
                missing += 1;
                if violations.len() < 20 {
                    violations.push(format!(
                        "segment {index} ({}): no reply, want one",
                        record.class.name()
                    ));
                }
            }
        }
    }
    let sent = records.iter().filter(|r| r.sent).count();
    let v4 = records.iter().filter(|r| r.sent && r.family == 4).count();
    println!(
        "fuzz: seed {:#018x}: sent {sent} segments (IPv4 {v4}, IPv6 {}) in {elapsed:.1} s ({:.0}/s), {send_drops} not sent",
        options.seed,
        sent - v4,
        sent as f64 / elapsed
    );
    let classes: Vec<String> = by_class
        .iter()
        .map(|(c, n)| format!("{} {n}", c.name()))
        .collect();
    println!("fuzz: by class: {}", classes.join(", "));
    println!(
        "fuzz: replies {answered} (answerable {expected}, unanswered {missing}), unknown {unknown_replies}, violations {violation_count}, capture drops {capture_drops}"
    );
    for v in &violations {
        println!("fuzz: FAIL: {v}");
    }
    let ok = violation_count == 0 && missing == 0 && capture_drops == 0;
    if !ok {
        println!(
            "fuzz: replay one segment with: tarpit-wire fuzz --seed {:#x} --count {} --families {} --dump INDEX",
            options.seed,
            options.count,
            options.families.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
        );
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CI's seed 0x292f46f26c66f055 made segment 98033 claim 186 of its 369
    /// bytes, and the TCP checksum held over both: the kernel answered it.
    #[test]
    fn a_shorter_length_claim_never_leaves_a_valid_checksum() {
        let seed = 0x292f_46f2_6c66_f055;
        let mut payload = vec![0u8; 65536];
        crate::rng::Rng::new(seed).fill(&mut payload);
        let env = Env {
            src_mac: [2, 0, 0, 0, 0, 1],
            dst_mac: [2, 0, 0, 0, 0, 2],
            max_frame: ETH_LEN + 65535,
            payload,
        };
        let (frame, record) = generate(seed, 98033, 6, &env);
        assert_eq!(record.class, Class::BadIpHeader);
        let ip = ETH_LEN;
        let claimed = usize::from(get16(&frame, ip + 4));
        assert!(40 + claimed < frame.len() - ip, "the length claims less");
        let saddr = Addr::V6(frame[ip + 8..ip + 24].try_into().unwrap());
        let daddr = Addr::V6(frame[ip + 24..ip + 40].try_into().unwrap());
        let tcp = &frame[ip + 40..ip + 40 + claimed];
        assert_ne!(frame::tcp_checksum(&saddr, &daddr, tcp), 0);
    }
}

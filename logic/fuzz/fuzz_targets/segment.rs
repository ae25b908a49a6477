// SPDX-License-Identifier: GPL-2.0

//! Any bytes as the head of an IPv4 or IPv6 packet, any claimed length, any
//! mode: parsing, deciding and building a reply never panic (overflow
//! checks are on), and every reply is one the peer can take: well formed,
//! checksums right, addresses and ports swapped, never an answer to a RST,
//! and answered by no mode but with a RST (the loop invariant, `echo`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tarpit_logic::packet::{self, IPV4_TCP_LEN, IPV6_TCP_LEN};
use tarpit_logic::{decide, echo, Entropy, Flags, Mode, Reply, Segment};

struct FromInput(u32, u8);

impl Entropy for FromInput {
    fn isn(&mut self) -> u32 {
        self.0
    }
    fn random(&mut self) -> u8 {
        self.1
    }
}

/// The one's complement sum over `parts` is 0xffff when a checksum in them
/// is right.
fn checksum_ok(parts: &[&[u8]], extra: u32) -> bool {
    let mut sum = extra;
    for part in parts {
        for pair in part.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum == 0xffff
}

fn check_reply(incoming: &Segment, reply: &Reply, mode: Mode) {
    assert!(
        !incoming.flags.has(Flags::RST),
        "{mode:?} answered a RST: {incoming:?}"
    );
    if reply.flags.has(Flags::SYN) {
        assert!(
            incoming.flags.has(Flags::SYN) && !incoming.flags.has(Flags::ACK),
            "a SYN/ACK to {incoming:?}"
        );
    }
    if let Err(e) = echo(reply) {
        panic!("{mode:?}'s reply {reply:?} to {incoming:?} is answered: {e:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let [selector, extra, rest @ ..] = data else {
        return;
    };
    let mode = match selector % 3 {
        0 => Mode::Tarpit,
        1 => Mode::Honeypot,
        _ => Mode::Reset,
    };
    // Usually the real length; sometimes a claimed one past the bytes we
    // have, as the kernel's skb->len can be.
    let len = if extra & 0x80 != 0 {
        rest.len() + usize::from(*extra & 0x7f) * 509
    } else {
        rest.len()
    };
    let mut entropy = FromInput(u32::from(*extra) * 0x0101_0101, *selector);
    if selector & 0x80 == 0 {
        let head = &rest[..rest.len().min(IPV4_TCP_LEN)];
        let Ok(seg) = packet::parse_ipv4(head, len) else {
            return;
        };
        let Some(reply) = decide(mode, &seg.segment, &mut entropy) else {
            return;
        };
        check_reply(&seg.segment, &reply, mode);
        let out = packet::build_ipv4_reply(&seg, &reply, 64);
        assert!(checksum_ok(&[&out[..20]], 0), "IPv4 header checksum");
        assert!(
            checksum_ok(&[&out[12..20], &out[20..]], 6 + 20),
            "TCP checksum"
        );
        let back = packet::parse_ipv4(&out, out.len()).expect("our reply parses");
        assert_eq!((back.saddr, back.daddr), (seg.daddr, seg.saddr));
        assert_eq!((back.sport, back.dport), (seg.dport, seg.sport));
        assert_eq!(back.segment.payload_len, 0);
    } else {
        let head = &rest[..rest.len().min(IPV6_TCP_LEN)];
        let Ok(seg) = packet::parse_ipv6(head, len) else {
            return;
        };
        let Some(reply) = decide(mode, &seg.segment, &mut entropy) else {
            return;
        };
        check_reply(&seg.segment, &reply, mode);
        let out = packet::build_ipv6_reply(&seg, &reply, 64);
        assert!(
            checksum_ok(&[&out[8..40], &out[40..]], 6 + 20),
            "TCP checksum"
        );
        let back = packet::parse_ipv6(&out, out.len()).expect("our reply parses");
        assert_eq!((back.saddr, back.daddr), (seg.daddr, seg.saddr));
        assert_eq!((back.sport, back.dport), (seg.dport, seg.sport));
        assert_eq!(back.segment.payload_len, 0);
    }
});

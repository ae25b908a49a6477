// SPDX-License-Identifier: GPL-2.0

//! What reply, if any, a TCP segment gets in each mode.
//!
//! Shared verbatim by the kernel module and the host crate `tarpit-logic`.

/// The TARPIT target's mode, as stored in `struct xt_tarpit_tginfo.variant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Accept the handshake, then hold the connection with a zero window.
    Tarpit = 0,
    /// Look like a real but slow host that lets data trickle in.
    Honeypot = 1,
    /// Kill the connection with a RST (but never answer a RST).
    Reset = 2,
}

impl Mode {
    /// The mode for a rule's `variant` byte, or `None` for an unknown one.
    pub const fn from_variant(variant: u8) -> Option<Mode> {
        match variant {
            0 => Some(Mode::Tarpit),
            1 => Some(Mode::Honeypot),
            2 => Some(Mode::Reset),
            _ => None,
        }
    }
}

/// TCP header flags (byte 13 of the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// No more data from the sender.
    pub const FIN: Flags = Flags(0x01);
    /// Synchronise sequence numbers.
    pub const SYN: Flags = Flags(0x02);
    /// Reset the connection.
    pub const RST: Flags = Flags(0x04);
    /// Push.
    pub const PSH: Flags = Flags(0x08);
    /// The acknowledgment field is significant.
    pub const ACK: Flags = Flags(0x10);
    /// The urgent pointer is significant.
    pub const URG: Flags = Flags(0x20);
    /// SYN and ACK together.
    pub const SYN_ACK: Flags = Flags(0x12);

    /// Whether every flag of `other` is set.
    pub const fn has(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set.
    pub const fn any(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }
}

/// The fields of an incoming segment that decide the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Segment {
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack_seq: u32,
    /// Flags.
    pub flags: Flags,
    /// Advertised window.
    pub window: u16,
    /// Bytes of TCP payload (options not counted).
    pub payload_len: u32,
}

/// The TCP fields of a reply; addresses and ports are the incoming ones
/// swapped, and a reply never carries options or data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (0 when the ACK flag is clear).
    pub ack_seq: u32,
    /// Flags.
    pub flags: Flags,
    /// Advertised window.
    pub window: u16,
}

/// The window of a tarpit's SYN/ACK: small but not zero, so the client
/// completes the handshake and sends (at most this many bytes of) data.
pub const TARPIT_SYN_ACK_WINDOW: u16 = 5;

/// A honeypot acknowledges a segment only when it carries more than this
/// many bytes, so that probes of a few bytes look lost.
pub const HONEYPOT_ACK_THRESHOLD: u32 = 100;

/// Where the numbers a reply needs but cannot derive come from.
pub trait Entropy {
    /// The initial sequence number of our SYN/ACK. The kernel derives it
    /// from a keyed hash of the 4-tuple: stateless, yet not a constant.
    fn isn(&mut self) -> u32;
    /// A random byte (the honeypot's window noise needs four bits; a byte
    /// is the cheapest draw the kernel offers).
    fn random(&mut self) -> u8;
}

/// The reply `mode` gives `seg`, or `None` for no reply.
///
/// The matched segment itself is always dropped by the caller.
pub fn decide(mode: Mode, seg: &Segment, entropy: &mut impl Entropy) -> Option<Reply> {
    match mode {
        Mode::Tarpit => tarpit(seg, entropy),
        Mode::Honeypot => honeypot(seg, entropy),
        // RFC 9293: a RST is never sent in response to a RST (xtables-addons
        // does; two such hosts could keep answering each other).
        Mode::Reset if seg.flags.has(Flags::RST) => None,
        Mode::Reset => Some(reset(seg)),
    }
}

fn tarpit(seg: &Segment, entropy: &mut impl Entropy) -> Option<Reply> {
    let f = seg.flags;
    // Never answer a FIN or RST: the peer must time the connection out.
    if f.any(Flags(Flags::FIN.0 | Flags::RST.0)) {
        return None;
    }
    match (f.has(Flags::SYN), f.has(Flags::ACK)) {
        (true, false) => Some(Reply {
            seq: entropy.isn(),
            ack_seq: seg.seq.wrapping_add(1),
            flags: Flags::SYN_ACK,
            window: TARPIT_SYN_ACK_WINDOW,
        }),
        // A SYN/ACK we never asked for: refuse it, so that spoofed
        // connections from us are torn down.
        (true, true) => Some(rst_for(seg)),
        // Acknowledge nothing new and close the window: the peer goes into
        // persist mode and probes for ever.
        (false, true) => Some(Reply {
            seq: seg.ack_seq,
            ack_seq: seg.seq,
            flags: Flags::ACK,
            window: 0,
        }),
        (false, false) => None,
    }
}

fn honeypot(seg: &Segment, entropy: &mut impl Entropy) -> Option<Reply> {
    let f = seg.flags;
    if f.has(Flags::RST) {
        return None;
    }
    // We cannot close gracefully without state, so end abruptly.
    if f.has(Flags::FIN) {
        return Some(rst_for(seg));
    }
    match (f.has(Flags::SYN), f.has(Flags::ACK)) {
        (true, false) => Some(Reply {
            seq: entropy.isn(),
            ack_seq: seg.seq.wrapping_add(1),
            flags: Flags::SYN_ACK,
            window: honeypot_window(seg.window, entropy.random()),
        }),
        (true, true) => Some(rst_for(seg)),
        (false, true) => Some(Reply {
            seq: seg.ack_seq,
            ack_seq: if seg.payload_len > HONEYPOT_ACK_THRESHOLD {
                seg.seq.wrapping_add(seg.payload_len)
            } else {
                seg.seq
            },
            flags: Flags::ACK,
            window: honeypot_window(seg.window, entropy.random()),
        }),
        // xtables-addons sends a segment with no flags here (an accident);
        // a real host ignores such a segment.
        (false, false) => None,
    }
}

/// A window near the peer's own, never zero: a little less each time, as a
/// busy host's would be.
fn honeypot_window(peer: u16, random: u8) -> u16 {
    // Only the low four bits of noise are used.
    let noise = u16::from(random & 0x0f);
    peer.saturating_sub(noise).max(1)
}

fn reset(seg: &Segment) -> Reply {
    Reply {
        seq: seg.ack_seq,
        ack_seq: 0,
        flags: Flags::RST,
        window: 0,
    }
}

/// A RST that the peer accepts for an established connection: its sequence
/// number is what the peer expects next (RFC 9293, 3.10.7.4).
fn rst_for(seg: &Segment) -> Reply {
    reset(seg)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u32, u8);
    impl Entropy for Fixed {
        fn isn(&mut self) -> u32 {
            self.0
        }
        fn random(&mut self) -> u8 {
            self.1
        }
    }

    fn seg(flags: u8) -> Segment {
        Segment {
            seq: 1000,
            ack_seq: 5000,
            flags: Flags(flags),
            window: 29200,
            payload_len: 0,
        }
    }

    // The TCP header's flag bits (RFC 9293, 3.1), written out rather than
    // taken from `Flags`, so that a wrong constant there shows.
    const FIN: u8 = 0x01;
    const SYN: u8 = 0x02;
    const RST: u8 = 0x04;
    const PSH: u8 = 0x08;
    const ACK: u8 = 0x10;
    const URG: u8 = 0x20;

    #[test]
    fn flags_are_the_header_bits() {
        assert_eq!(Flags::FIN, Flags(FIN));
        assert_eq!(Flags::SYN, Flags(SYN));
        assert_eq!(Flags::RST, Flags(RST));
        assert_eq!(Flags::PSH, Flags(PSH));
        assert_eq!(Flags::ACK, Flags(ACK));
        assert_eq!(Flags::URG, Flags(URG));
        assert_eq!(Flags::SYN_ACK, Flags(SYN | ACK));
    }

    #[test]
    fn variants_map_to_modes() {
        assert_eq!(Mode::from_variant(0), Some(Mode::Tarpit));
        assert_eq!(Mode::from_variant(1), Some(Mode::Honeypot));
        assert_eq!(Mode::from_variant(2), Some(Mode::Reset));
        for v in 3..=255 {
            assert_eq!(Mode::from_variant(v), None, "variant {v}");
        }
    }

    #[test]
    fn tarpit_syn_gets_small_window_syn_ack() {
        let r = decide(Mode::Tarpit, &seg(SYN), &mut Fixed(0x1234_5678, 0)).unwrap();
        assert_eq!(r.flags, Flags::SYN_ACK);
        assert_eq!(r.ack_seq, 1001);
        assert_eq!(r.seq, 0x1234_5678);
        assert_eq!(r.window, 5);
    }

    #[test]
    fn tarpit_syn_ack_wraps_sequence() {
        let mut s = seg(SYN);
        s.seq = u32::MAX;
        let r = decide(Mode::Tarpit, &s, &mut Fixed(1, 0)).unwrap();
        assert_eq!(r.ack_seq, 0);
    }

    #[test]
    fn tarpit_ack_gets_zero_window_and_acknowledges_nothing() {
        for flags in [ACK, ACK | PSH, ACK | PSH | URG] {
            let mut s = seg(flags);
            s.payload_len = 1;
            let r = decide(Mode::Tarpit, &s, &mut Fixed(7, 7)).unwrap();
            assert_eq!(r.flags, Flags::ACK);
            assert_eq!((r.seq, r.ack_seq, r.window), (5000, 1000, 0));
        }
    }

    #[test]
    fn tarpit_refuses_syn_ack() {
        let r = decide(Mode::Tarpit, &seg(SYN | ACK), &mut Fixed(7, 7)).unwrap();
        assert_eq!(r.flags, Flags::RST);
        assert_eq!((r.seq, r.window), (5000, 0));
    }

    // The reply every mode gives each of the 256 flag bytes, written out
    // from the wire tables of the reference behaviour (xtables-addons'
    // TARPIT, `reference-behaviour.md`: "Tarpit mode", "Honeypot mode",
    // "Reset mode") and from the README where we differ on purpose (reset
    // mode never answers a RST; a honeypot ignores a segment with neither
    // SYN nor ACK). Only SYN, ACK, FIN and RST matter; PSH, URG, ECE and
    // CWR must not, so every byte is tried. Notation as in the reference:
    // S incoming seq, A incoming ack_seq, W incoming window, P payload.

    /// Where a reply's sequence number comes from.
    #[derive(Clone, Copy, Debug)]
    enum SeqFrom {
        /// The entropy's ISN (the keyed hash; the honeypot's "random seq").
        Isn,
        /// A, the incoming acknowledgment number.
        A,
    }

    /// What a reply acknowledges.
    #[derive(Clone, Copy, Debug)]
    enum AckOf {
        /// S+1 (mod 2^32): the SYN.
        SPlus1,
        /// S: nothing new.
        S,
        /// S+P (mod 2^32) if P > 100, else S (the honeypot).
        SPlusPOver100,
        /// 0: a RST carries no ACK flag.
        NoAck,
    }

    /// A reply's window.
    #[derive(Clone, Copy, Debug)]
    enum Win {
        /// 5: the tarpit's SYN/ACK.
        W5,
        /// 0.
        W0,
        /// Derived from W, never zero (the honeypot). The reference says only
        /// "derived from W"; ours is W less the low four bits of a random
        /// byte, at least 1 (see `honeypot_window`).
        FromW,
    }

    /// One row of a table: `None` for no reply, else the reply's flags and
    /// where its seq, ack_seq and window come from.
    type Row = Option<(u8, SeqFrom, AckOf, Win)>;

    const Y: bool = true;
    const N: bool = false;

    /// "Tarpit mode (default)" of the reference, with the ISN from our
    /// keyed hash instead of 0.
    #[rustfmt::skip]
    fn tarpit_row(syn_ack_fin_rst: (bool, bool, bool, bool)) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => None,                               // neither SYN nor ACK
            (N, N, N, Y) => None,                               // RST
            (N, N, Y, N) => None,                               // FIN
            (N, N, Y, Y) => None,                               // FIN, RST
            (N, Y, N, N) => Some((ACK, A, S, W0)),              // ACK, data or not
            (N, Y, N, Y) => None,                               // RST
            (N, Y, Y, N) => None,                               // FIN
            (N, Y, Y, Y) => None,                               // FIN, RST
            (Y, N, N, N) => Some((SYN | ACK, Isn, SPlus1, W5)), // SYN
            (Y, N, N, Y) => None,                               // RST
            (Y, N, Y, N) => None,                               // FIN
            (Y, N, Y, Y) => None,                               // FIN, RST
            (Y, Y, N, N) => Some((RST, A, NoAck, W0)),          // SYN/ACK
            (Y, Y, N, Y) => None,                               // RST
            (Y, Y, Y, N) => None,                               // FIN
            (Y, Y, Y, Y) => None,                               // FIN, RST
        }
    }

    /// "Honeypot mode" of the reference: any RST gets nothing, then any FIN
    /// a RST; no reply to neither SYN nor ACK (README: "no flagless
    /// honeypot segments"). A RST has window 0 and no ACK flag, as in
    /// reset mode.
    #[rustfmt::skip]
    fn honeypot_row(syn_ack_fin_rst: (bool, bool, bool, bool)) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => None,                               // neither SYN nor ACK
            (N, N, N, Y) => None,                               // RST
            (N, N, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (N, N, Y, Y) => None,                               // RST
            (N, Y, N, N) => Some((ACK, A, SPlusPOver100, FromW)),// ACK
            (N, Y, N, Y) => None,                               // RST
            (N, Y, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (N, Y, Y, Y) => None,                               // RST
            (Y, N, N, N) => Some((SYN | ACK, Isn, SPlus1, FromW)),// SYN
            (Y, N, N, Y) => None,                               // RST
            (Y, N, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (Y, N, Y, Y) => None,                               // RST
            (Y, Y, N, N) => Some((RST, A, NoAck, W0)),          // SYN/ACK
            (Y, Y, N, Y) => None,                               // RST
            (Y, Y, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (Y, Y, Y, Y) => None,                               // RST
        }
    }

    /// "Reset mode" of the reference, except that a RST gets nothing (RFC
    /// 9293; xtables-addons answers it).
    #[rustfmt::skip]
    fn reset_row(syn_ack_fin_rst: (bool, bool, bool, bool)) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => Some((RST, A, NoAck, W0)),
            (N, N, N, Y) => None,
            (N, N, Y, N) => Some((RST, A, NoAck, W0)),
            (N, N, Y, Y) => None,
            (N, Y, N, N) => Some((RST, A, NoAck, W0)),
            (N, Y, N, Y) => None,
            (N, Y, Y, N) => Some((RST, A, NoAck, W0)),
            (N, Y, Y, Y) => None,
            (Y, N, N, N) => Some((RST, A, NoAck, W0)),
            (Y, N, N, Y) => None,
            (Y, N, Y, N) => Some((RST, A, NoAck, W0)),
            (Y, N, Y, Y) => None,
            (Y, Y, N, N) => Some((RST, A, NoAck, W0)),
            (Y, Y, N, Y) => None,
            (Y, Y, Y, N) => Some((RST, A, NoAck, W0)),
            (Y, Y, Y, Y) => None,
        }
    }

    /// Incoming (S, A, W, P): ordinary numbers, S+1 and S+P wrapping, P at
    /// and just over the honeypot's threshold of 100, W too small for the
    /// noise.
    const SEGMENTS: [(u32, u32, u16, u32); 6] = [
        (1000, 5000, 29200, 0),
        (u32::MAX, 0x8000_0001, 3, 0),
        (0x1234_5678, 0x9abc_def0, 65535, 100),
        (0x1234_5678, 0x9abc_def0, 1, 101),
        (0xffff_ff00, 7, 0, 1460),
        (0, 0, 16, 65535),
    ];

    /// (ISN, random byte) pairs for [`Fixed`]: no noise, noise 7 with high
    /// bits that must be ignored, and the most noise.
    const ENTROPY: [(u32, u8); 3] = [(0x0bad_cafe, 0x00), (0x1234_5678, 0x37), (u32::MAX, 0xff)];

    fn expected(row: Row, seg: &Segment, isn: u32, random: u8) -> Option<Reply> {
        let (flags, seq, ack, win) = row?;
        let (s, p, w) = (seg.seq, seg.payload_len, seg.window);
        Some(Reply {
            seq: match seq {
                SeqFrom::Isn => isn,
                SeqFrom::A => seg.ack_seq,
            },
            ack_seq: match ack {
                AckOf::SPlus1 => s.wrapping_add(1),
                AckOf::S => s,
                AckOf::SPlusPOver100 if p > 100 => s.wrapping_add(p),
                AckOf::SPlusPOver100 => s,
                AckOf::NoAck => 0,
            },
            flags: Flags(flags),
            window: match win {
                Win::W5 => 5,
                Win::W0 => 0,
                Win::FromW => w.saturating_sub(u16::from(random & 0x0f)).max(1),
            },
        })
    }

    /// `decide` for every flag byte, segment and entropy against `table`.
    fn check_every_flag_byte(mode: Mode, table: fn((bool, bool, bool, bool)) -> Row) {
        for bits in 0..=255u8 {
            let class = (
                bits & SYN != 0,
                bits & ACK != 0,
                bits & FIN != 0,
                bits & RST != 0,
            );
            let row = table(class);
            for (s, a, w, p) in SEGMENTS {
                for (isn, random) in ENTROPY {
                    let seg = Segment {
                        seq: s,
                        ack_seq: a,
                        flags: Flags(bits),
                        window: w,
                        payload_len: p,
                    };
                    let got = decide(mode, &seg, &mut Fixed(isn, random));
                    assert_eq!(
                        got,
                        expected(row, &seg, isn, random),
                        "{mode:?}, flags {bits:#04x} (SYN, ACK, FIN, RST = {class:?}), \
                         S {s:#x} A {a:#x} W {w} P {p}, ISN {isn:#x} random {random:#04x}"
                    );
                    if let (Some(r), Some((_, _, _, Win::FromW))) = (got, row) {
                        // Near the peer's window, never zero.
                        assert!(r.window != 0, "{mode:?} {bits:#04x} W {w}");
                        assert!(
                            (w.saturating_sub(15)..=w.max(1)).contains(&r.window),
                            "{mode:?} {bits:#04x} W {w}: {}",
                            r.window
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn tarpit_table_for_every_flag_combination() {
        check_every_flag_byte(Mode::Tarpit, tarpit_row);
    }

    #[test]
    fn honeypot_table_for_every_flag_combination() {
        check_every_flag_byte(Mode::Honeypot, honeypot_row);
    }

    #[test]
    fn reset_table_for_every_flag_combination() {
        check_every_flag_byte(Mode::Reset, reset_row);
    }

    /// No mode ever answers a RST.
    #[test]
    fn no_mode_answers_rst() {
        for mode in [Mode::Tarpit, Mode::Honeypot, Mode::Reset] {
            for bits in (0..=255u8).filter(|b| Flags(*b).has(Flags::RST)) {
                assert_eq!(
                    decide(mode, &seg(bits), &mut Fixed(1, 1)),
                    None,
                    "{mode:?} {bits:#04x}"
                );
            }
        }
    }

    #[test]
    fn honeypot_acknowledges_only_large_segments() {
        let mut s = seg(ACK | PSH);
        s.payload_len = HONEYPOT_ACK_THRESHOLD;
        let small = decide(Mode::Honeypot, &s, &mut Fixed(0, 0)).unwrap();
        assert_eq!(small.ack_seq, 1000);
        s.payload_len = HONEYPOT_ACK_THRESHOLD + 1;
        let large = decide(Mode::Honeypot, &s, &mut Fixed(0, 0)).unwrap();
        assert_eq!(large.ack_seq, 1000 + HONEYPOT_ACK_THRESHOLD + 1);
    }

    #[test]
    fn honeypot_window_stays_near_peer_and_nonzero() {
        for random in 0..64 {
            let w = honeypot_window(29200, random);
            assert!((29185..=29200).contains(&w));
            assert_eq!(honeypot_window(0, random), 1);
        }
    }
}

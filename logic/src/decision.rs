// SPDX-License-Identifier: GPL-2.0

//! What reply, if any, a TCP segment gets in each mode.
//!
//! Shared verbatim by the kernel module and the host crate `tarpit-logic`.
//!
//! # No reply is answered
//!
//! A reply of any mode, arriving at a TARPIT rule of any mode (another
//! tarpit's, or ours through a spoofed own address), is answered by nothing
//! or by a RST, which nothing answers: so no spoofed segment can start a
//! loop between two tarpits. It holds by construction: RSTs are never
//! answered, SYN/ACKs only by a RST, our ACKs carry no data and the modes
//! answer an ACK without data only as tarpit mode does a client's (window
//! open, our SYN/ACK acknowledged; see `answers_empty_ack`). Even a peer
//! that knew a tarpit's ISN key could draw one zero-window ACK from it with
//! a honeypot's ACK, and nothing answers that. [`echo`] checks it for one
//! reply; the host tests, the fuzz target and the wire fuzzer call it.

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
    /// RST and ACK together.
    pub const RST_ACK: Flags = Flags(0x14);

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
        Mode::Reset => Some(rst_for(seg)),
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
        // persist mode and probes for ever. Data is always answered (our
        // replies carry none); a segment without data only when it is a
        // client's of ours (see `answers_empty_ack`).
        (false, true) if seg.payload_len > 0 || answers_empty_ack(seg, entropy) => Some(Reply {
            seq: seg.ack_seq,
            ack_seq: seg.seq,
            flags: Flags::ACK,
            window: 0,
        }),
        (false, _) => None,
    }
}

/// Whether the tarpit answers a pure ACK without data: a client's
/// handshake ACK, window probe or keepalive. Such a segment looks like a
/// tarpit's or a honeypot's own reply, and answering those makes loops
/// (two tarpits facing each other, or one facing itself through a spoofed
/// own address): so it must open a window, as our zero-window replies do
/// not, and acknowledge our SYN/ACK (ISN + 1, all a client of ours can
/// acknowledge, since we send no data), which only the peer that received
/// that SYN/ACK knows.
fn answers_empty_ack(seg: &Segment, entropy: &mut impl Entropy) -> bool {
    seg.window != 0 && seg.ack_seq == entropy.isn().wrapping_add(1)
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
        // A real host answers data; an ACK without data (which is also what
        // every mode's replies are) it takes in silence.
        (false, true) if seg.payload_len > 0 => Some(Reply {
            seq: seg.ack_seq,
            ack_seq: if seg.payload_len > HONEYPOT_ACK_THRESHOLD {
                seg.seq.wrapping_add(seg.payload_len)
            } else {
                seg.seq
            },
            flags: Flags::ACK,
            window: honeypot_window(seg.window, entropy.random()),
        }),
        // xtables-addons sends a segment with no flags to neither SYN nor
        // ACK (an accident); a real host ignores such a segment.
        (false, _) => None,
    }
}

/// A window near the peer's own, never zero: a little less each time, as a
/// busy host's would be.
fn honeypot_window(peer: u16, random: u8) -> u16 {
    // Only the low four bits of noise are used.
    let noise = u16::from(random & 0x0f);
    peer.saturating_sub(noise).max(1)
}

/// Every mode, for checks over all of them.
pub const MODES: [Mode; 3] = [Mode::Tarpit, Mode::Honeypot, Mode::Reset];

/// A reply as the segment its receiver reads (our replies carry no data;
/// addresses and ports, swapped, do not matter to [`decide`]).
pub const fn as_segment(reply: &Reply) -> Segment {
    Segment {
        seq: reply.seq,
        ack_seq: reply.ack_seq,
        flags: reply.flags,
        window: reply.window,
        payload_len: 0,
    }
}

/// The receiving rule's entropy, as the sender of a segment may know it:
/// the ISN key that `answers_empty_ack` checks, or not.
struct Receiver {
    isn: u32,
    random: u8,
}

impl Receiver {
    /// One whose ISN for `seg`'s 4-tuple `seg` acknowledges (the sender
    /// knows the key), or one whose ISN it does not.
    fn new(seg: &Segment, key_known: bool, random: u8) -> Self {
        let acknowledged = seg.ack_seq.wrapping_sub(1);
        Receiver {
            isn: if key_known {
                acknowledged
            } else {
                acknowledged.wrapping_add(1)
            },
            random,
        }
    }
}

impl Entropy for Receiver {
    fn isn(&mut self) -> u32 {
        self.isn
    }
    fn random(&mut self) -> u8 {
        self.random
    }
}

/// A reply of ours that gets answered more than the invariant allows (see
/// the module's documentation): `answer` is what a rule of mode `by` sends
/// back to it, `then` the answer to that, if it is the one that breaks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Echo {
    /// The mode of the rule that answered our reply.
    pub by: Mode,
    /// Whether that rule's ISN key had to be known.
    pub key_known: bool,
    /// Its answer.
    pub answer: Reply,
    /// The answer to that answer, by a rule of mode `.0`.
    pub then: Option<(Mode, Reply)>,
}

/// Checks the loop invariant for `reply`, one of ours: every mode answers
/// it with nothing or a RST that no mode answers; a sender that knows the
/// receiver's ISN key may draw one more reply, answered in turn by nothing
/// or by such a RST.
pub fn echo(reply: &Reply) -> Result<(), Echo> {
    answers_die_out(&as_segment(reply), true, &decide)
}

/// The answer a rule of some mode gives a segment: [`decide`], or (in the
/// tests) a broken policy that `echo` must catch.
type Policy = dyn Fn(Mode, &Segment, &mut Receiver) -> Option<Reply>;

fn answers_die_out(seg: &Segment, may_know_key: bool, policy: &Policy) -> Result<(), Echo> {
    for by in MODES {
        for key_known in [false, true] {
            // The window noise does not decide whether there is a reply,
            // so both of its extremes are enough.
            for random in [0, 0xff] {
                let mut receiver = Receiver::new(seg, key_known, random);
                let Some(answer) = policy(by, seg, &mut receiver) else {
                    continue;
                };
                let echo = Echo {
                    by,
                    key_known,
                    answer,
                    then: None,
                };
                let back = as_segment(&answer);
                if answer.flags.has(Flags::RST) {
                    for then_by in MODES {
                        let mut anyone = Receiver::new(&back, true, random);
                        if let Some(then) = policy(then_by, &back, &mut anyone) {
                            return Err(Echo {
                                then: Some((then_by, then)),
                                ..echo
                            });
                        }
                    }
                } else if !(key_known && may_know_key) {
                    return Err(echo);
                } else if let Err(inner) = answers_die_out(&back, false, policy) {
                    return Err(Echo {
                        then: Some((inner.by, inner.answer)),
                        ..echo
                    });
                }
            }
        }
    }
    Ok(())
}

/// A RST that the peer accepts (RFC 9293, 3.5.2 and 3.10.7), as REJECT's
/// tcp-reset builds it. To a segment with ACK: seq = its ack (what the peer
/// expects next), no ACK flag. To one without (a SYN, a FIN alone): RST|ACK
/// with seq 0 acknowledging all the segment occupies (its data, plus one
/// for SYN and for FIN), without which a client in SYN-SENT ignores it.
fn rst_for(seg: &Segment) -> Reply {
    if seg.flags.has(Flags::ACK) {
        return Reply {
            seq: seg.ack_seq,
            ack_seq: 0,
            flags: Flags::RST,
            window: 0,
        };
    }
    let occupied = seg
        .payload_len
        .wrapping_add(u32::from(seg.flags.has(Flags::SYN)))
        .wrapping_add(u32::from(seg.flags.has(Flags::FIN)));
    Reply {
        seq: 0,
        ack_seq: seg.seq.wrapping_add(occupied),
        flags: Flags::RST_ACK,
        window: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{format, vec::Vec};

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
        assert_eq!(Flags::RST_ACK, Flags(RST | ACK));
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
        /// 0: a RST|ACK (REJECT's tcp-reset to a segment without ACK).
        Zero,
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
        /// S+P, plus 1 for SYN and 1 for FIN (mod 2^32): all the segment
        /// occupies of the sequence space (RFC 9293, 3.4).
        Occupied,
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

    /// What an ACK (no SYN, FIN or RST) is, where the modes tell them
    /// apart (README: "No reply is answered"): with data (P > 0); without,
    /// from a client of ours (W > 0, A = our ISN + 1: a handshake ACK or a
    /// window probe); any other without data (among them every mode's own
    /// replies).
    #[derive(Clone, Copy, Debug)]
    enum AckKind {
        Data,
        OurClient,
        Other,
    }

    fn ack_kind(seg: &Segment, isn: u32) -> AckKind {
        if seg.payload_len > 0 {
            AckKind::Data
        } else if seg.window > 0 && seg.ack_seq == isn.wrapping_add(1) {
            AckKind::OurClient
        } else {
            AckKind::Other
        }
    }

    const Y: bool = true;
    const N: bool = false;

    /// "Tarpit mode (default)" of the reference, with the ISN from our
    /// keyed hash instead of 0, and an ACK without data answered only from
    /// a client of ours.
    #[rustfmt::skip]
    fn tarpit_row(syn_ack_fin_rst: (bool, bool, bool, bool), ack: AckKind) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        let answered = !matches!(ack, AckKind::Other);
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => None,                               // neither SYN nor ACK
            (N, N, N, Y) => None,                               // RST
            (N, N, Y, N) => None,                               // FIN
            (N, N, Y, Y) => None,                               // FIN, RST
            (N, Y, N, N) if answered => Some((ACK, A, S, W0)),  // ACK: data, our client
            (N, Y, N, N) => None,                               // ACK: other, no data
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
    /// honeypot segments") nor to an ACK without data, as a real host. A
    /// RST has window 0 and no ACK flag, as in reset mode.
    #[rustfmt::skip]
    fn honeypot_row(syn_ack_fin_rst: (bool, bool, bool, bool), ack: AckKind) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        let data = matches!(ack, AckKind::Data);
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => None,                               // neither SYN nor ACK
            (N, N, N, Y) => None,                               // RST
            (N, N, Y, N) => Some((RST | ACK, Zero, Occupied, W0)),// FIN, no ACK
            (N, N, Y, Y) => None,                               // RST
            (N, Y, N, N) if data => Some((ACK, A, SPlusPOver100, FromW)),// ACK, data
            (N, Y, N, N) => None,                               // ACK, no data
            (N, Y, N, Y) => None,                               // RST
            (N, Y, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (N, Y, Y, Y) => None,                               // RST
            (Y, N, N, N) => Some((SYN | ACK, Isn, SPlus1, FromW)),// SYN
            (Y, N, N, Y) => None,                               // RST
            (Y, N, Y, N) => Some((RST | ACK, Zero, Occupied, W0)),// FIN, no ACK
            (Y, N, Y, Y) => None,                               // RST
            (Y, Y, N, N) => Some((RST, A, NoAck, W0)),          // SYN/ACK
            (Y, Y, N, Y) => None,                               // RST
            (Y, Y, Y, N) => Some((RST, A, NoAck, W0)),          // FIN
            (Y, Y, Y, Y) => None,                               // RST
        }
    }

    /// "Reset mode" of the reference, except that a RST gets nothing (RFC
    /// 9293; xtables-addons answers it), and a segment without ACK gets a
    /// RST|ACK that a connecting client accepts (README: "--reset").
    #[rustfmt::skip]
    fn reset_row(syn_ack_fin_rst: (bool, bool, bool, bool), _: AckKind) -> Row {
        use {AckOf::*, SeqFrom::*, Win::*};
        match syn_ack_fin_rst {
            // SYN, ACK, FIN, RST => reply
            (N, N, N, N) => Some((RST | ACK, Zero, Occupied, W0)),
            (N, N, N, Y) => None,
            (N, N, Y, N) => Some((RST | ACK, Zero, Occupied, W0)),
            (N, N, Y, Y) => None,
            (N, Y, N, N) => Some((RST, A, NoAck, W0)),
            (N, Y, N, Y) => None,
            (N, Y, Y, N) => Some((RST, A, NoAck, W0)),
            (N, Y, Y, Y) => None,
            (Y, N, N, N) => Some((RST | ACK, Zero, Occupied, W0)),
            (Y, N, N, Y) => None,
            (Y, N, Y, N) => Some((RST | ACK, Zero, Occupied, W0)),
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
                SeqFrom::Zero => 0,
            },
            ack_seq: match ack {
                AckOf::SPlus1 => s.wrapping_add(1),
                AckOf::S => s,
                AckOf::SPlusPOver100 if p > 100 => s.wrapping_add(p),
                AckOf::SPlusPOver100 => s,
                AckOf::NoAck => 0,
                AckOf::Occupied => s
                    .wrapping_add(p)
                    .wrapping_add(u32::from(seg.flags.0 & SYN != 0))
                    .wrapping_add(u32::from(seg.flags.0 & FIN != 0)),
            },
            flags: Flags(flags),
            window: match win {
                Win::W5 => 5,
                Win::W0 => 0,
                Win::FromW => w.saturating_sub(u16::from(random & 0x0f)).max(1),
            },
        })
    }

    /// (S, A, W, P) for one entropy's ISN: [`SEGMENTS`], and segments that
    /// acknowledge exactly our SYN/ACK (A = ISN + 1, wrapping), without
    /// data (window open, or closed as in a tarpit's reply) or with.
    fn segments(isn: u32) -> impl Iterator<Item = (u32, u32, u16, u32)> {
        let ours = isn.wrapping_add(1);
        SEGMENTS.into_iter().chain([
            (1000, ours, 29200, 0),
            (u32::MAX, ours, 1, 0),
            (7, ours, 0, 0),
            (7, ours, 0, 1),
            (0x8000_0000, ours.wrapping_add(1), 64240, 0),
            (0x8000_0000, ours.wrapping_sub(1), 64240, 0),
        ])
    }

    /// The segment (S, A, W, P) with flag byte `bits`.
    fn with_flags(bits: u8, (s, a, w, p): (u32, u32, u16, u32)) -> Segment {
        Segment {
            seq: s,
            ack_seq: a,
            flags: Flags(bits),
            window: w,
            payload_len: p,
        }
    }

    /// `decide` for every flag byte, segment and entropy against `table`.
    fn check_every_flag_byte(mode: Mode, table: fn((bool, bool, bool, bool), AckKind) -> Row) {
        for bits in 0..=255u8 {
            let class = (
                bits & SYN != 0,
                bits & ACK != 0,
                bits & FIN != 0,
                bits & RST != 0,
            );
            for (isn, random) in ENTROPY {
                for (s, a, w, p) in segments(isn) {
                    let seg = with_flags(bits, (s, a, w, p));
                    let row = table(class, ack_kind(&seg, isn));
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

    /// Every reply any mode gives to any segment passes [`echo`].
    #[test]
    fn no_reply_is_answered_but_by_a_rst() {
        for mode in MODES {
            for bits in 0..=255u8 {
                for (isn, random) in ENTROPY {
                    for (s, a, w, p) in segments(isn) {
                        let seg = with_flags(bits, (s, a, w, p));
                        if let Some(reply) = decide(mode, &seg, &mut Fixed(isn, random)) {
                            assert_eq!(echo(&reply), Ok(()), "{mode:?} {seg:?} -> {reply:?}");
                        }
                    }
                }
            }
        }
    }

    /// Two hosts with TARPIT rules of any modes, one segment spoofed from
    /// one to the other, played out without [`echo`]: at most two replies,
    /// the second a RST unless the spoofer knew the second host's ISN key.
    /// The same host twice (a spoofed own address) is the case of equal
    /// modes and keys.
    #[test]
    fn a_spoofed_segment_between_two_tarpits_dies_out() {
        for (first, second) in MODES.into_iter().flat_map(|a| MODES.map(|b| (a, b))) {
            for bits in 0..=255u8 {
                for (isn, random) in ENTROPY {
                    for (s, a, w, p) in segments(isn) {
                        for key_known in [false, true] {
                            let mut seg = with_flags(bits, (s, a, w, p));
                            let mut replies = Vec::new();
                            let mut isn_of = [isn, isn ^ 0x5a5a_5a5a];
                            let modes = [first, second];
                            while replies.len() < 10 {
                                let host = replies.len() % 2;
                                let Some(reply) =
                                    decide(modes[host], &seg, &mut Fixed(isn_of[host], random))
                                else {
                                    break;
                                };
                                replies.push(reply);
                                // What the next host receives.
                                seg = as_segment(&reply);
                                if key_known {
                                    isn_of[1 - host] = reply.ack_seq.wrapping_sub(1);
                                }
                            }
                            let what = format!(
                                "{first:?} then {second:?}, flags {bits:#04x}, S {s:#x} A {a:#x} \
                                 W {w} P {p}, key known {key_known}: {replies:?}"
                            );
                            assert!(replies.len() <= 2, "{what}");
                            if let [_, second_reply] = replies[..] {
                                assert!(key_known || second_reply.flags.has(Flags::RST), "{what}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn echo_finds_a_reply_that_is_answered() {
        // A bare SYN would draw a SYN/ACK from a tarpit.
        let syn = Reply {
            seq: 1,
            ack_seq: 0,
            flags: Flags::SYN,
            window: 100,
        };
        let echo = echo(&syn).unwrap_err();
        assert_eq!((echo.by, echo.key_known), (Mode::Tarpit, false));
        assert_eq!(echo.answer.flags, Flags::SYN_ACK);
        // A zero-window ACK with data would draw a zero-window ACK, as
        // every ACK did from a tarpit before loops were closed; ours carry
        // no data, so this is the nearest a `Reply` can come: an ACK with
        // an open window, which a key holder gets answered, drawing a
        // zero-window ACK that nothing answers.
        let open = Reply {
            seq: 1,
            ack_seq: 2,
            flags: Flags::ACK,
            window: 1,
        };
        assert_eq!(super::echo(&open), Ok(()));
    }

    /// `echo` also catches an answer to the one reply a key holder may
    /// draw: here a tarpit that answers zero-window ACKs (as every tarpit
    /// did before), whose zero-window ACK to a honeypot's ACK it would
    /// answer again.
    #[test]
    fn echo_finds_an_answer_to_a_keyed_answer() {
        let broken = |mode: Mode, seg: &Segment, receiver: &mut Receiver| {
            let mut open = *seg;
            open.window = open.window.max(1);
            decide(mode, &open, receiver)
        };
        let honeypot_ack = Reply {
            seq: 7,
            ack_seq: 1000,
            flags: Flags::ACK,
            window: 29200,
        };
        let echo = answers_die_out(&as_segment(&honeypot_ack), true, &broken).unwrap_err();
        assert_eq!((echo.by, echo.key_known), (Mode::Tarpit, true));
        assert_eq!(echo.answer.window, 0);
        let (then_by, then) = echo.then.expect("the answer is answered again");
        assert_eq!((then_by, then.flags), (Mode::Tarpit, Flags::ACK));
        // The real policy lets it die out.
        assert_eq!(super::echo(&honeypot_ack), Ok(()));
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

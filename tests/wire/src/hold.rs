// SPDX-License-Identifier: GPL-2.0

//! Holds many connections against a tarpitted port the way a crowd of
//! clients would (handshake, then a window probe per connection every
//! interval, as a real sender's persist timer does), but from raw frames:
//! the clients cost no kernel memory, so whatever the kernel's memory does
//! meanwhile is the tarpit host's (what `make bench` measures).

use crate::flood::stopped;
use crate::frame::{parse_reply, Addr, Segment};
use crate::plan;
use crate::rng::Rng;
use crate::sock::PacketSocket;
use std::time::{Duration, Instant};

pub struct Options {
    pub daddr: Addr,
    pub dport: u16,
    pub count: usize,
    /// How long to hold them once all are established.
    pub seconds: f64,
    /// Seconds between two rounds of window probes.
    pub interval: f64,
    pub seed: u64,
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
/// Sends between two reads of the replies: the receive buffer holds them.
const BATCH: usize = 64;
/// How long the handshakes may take in all.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(120);

/// One client connection, as its sender sees it.
#[derive(Clone, Copy)]
struct Connection {
    isn: u32,
    /// The tarpit's initial sequence number, once its SYN/ACK came.
    peer_isn: Option<u32>,
    /// Its ACK of our handshake ACK came (window 0).
    established: bool,
    /// The last probe round it answered.
    answered: u32,
}

struct Holder<'a> {
    options: &'a Options,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    tx: &'a PacketSocket,
    rx: &'a PacketSocket,
    connections: Vec<Connection>,
    round: u32,
}

impl Holder<'_> {
    fn family(&self) -> u8 {
        match self.options.daddr {
            Addr::V4(_) => 4,
            Addr::V6(_) => 6,
        }
    }

    fn send(&self, index: usize, flags: u8, seq: u32, ack: u32) -> std::io::Result<()> {
        let seg = Segment::plain(
            self.src_mac,
            self.dst_mac,
            plan::identity(self.family(), index),
            (self.options.daddr, self.options.dport),
            seq,
            ack,
            flags,
        );
        let (frame, _) = seg.build(&[]);
        while !self.tx.send(&frame)? {
            std::thread::yield_now();
        }
        Ok(())
    }

    /// The next segment connection `index` sends: its SYN, its handshake
    /// ACK, or (once established) a window probe, whose sequence number is
    /// one below the next as Linux's zero-window probes are.
    fn send_next(&self, index: usize) -> std::io::Result<()> {
        let c = self.connections[index];
        match c.peer_isn {
            None => self.send(index, SYN, c.isn, 0),
            Some(peer) if !c.established => {
                self.send(index, ACK, c.isn.wrapping_add(1), peer.wrapping_add(1))
            }
            Some(peer) => self.send(index, ACK, c.isn, peer.wrapping_add(1)),
        }
    }

    /// Reads the replies queued so far, waiting up to `wait` for the first.
    fn read_replies(&mut self, wait: Duration) -> std::io::Result<()> {
        let mut buf = vec![0u8; 2048];
        let until = Instant::now() + wait;
        loop {
            let Some(n) = self.rx.try_recv(&mut buf)? else {
                if Instant::now() >= until {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(1));
                continue;
            };
            let Some(reply) = parse_reply(&buf[..n]) else {
                continue;
            };
            if reply.saddr != self.options.daddr || reply.sport != self.options.dport {
                continue;
            }
            let Some(index) = plan::index_of(&reply.daddr, reply.dport) else {
                continue;
            };
            let Some(c) = self.connections.get_mut(index) else {
                continue;
            };
            if reply.flags == SYN | ACK && reply.ack == c.isn.wrapping_add(1) {
                if c.peer_isn.is_none() {
                    c.peer_isn = Some(reply.seq);
                    self.send_next(index)?;
                }
            } else if reply.flags == ACK && reply.window == 0 && c.peer_isn.is_some() {
                c.established = true;
                c.answered = self.round;
            }
        }
    }

    fn established(&self) -> usize {
        self.connections.iter().filter(|c| c.established).count()
    }
}

/// Establishes `options.count` connections, holds them, and reports; true
/// when all were established and the last round of probes was answered.
pub fn run(
    options: &Options,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    tx: &PacketSocket,
    rx: &PacketSocket,
) -> std::io::Result<bool> {
    if options.count > plan::MAX_SEGMENTS {
        return Err(std::io::Error::other(format!(
            "--count: at most {}",
            plan::MAX_SEGMENTS
        )));
    }
    let mut rng = Rng::new(options.seed);
    let mut holder = Holder {
        options,
        src_mac,
        dst_mac,
        tx,
        rx,
        connections: (0..options.count)
            .map(|_| Connection {
                isn: rng.u32(),
                peer_isn: None,
                established: false,
                answered: 0,
            })
            .collect(),
        round: 0,
    };
    crate::flood::stop_on_signals();

    // Handshakes: (re)send what each connection still lacks until all are
    // established; lost frames are simply sent again.
    let start = Instant::now();
    while holder.established() < options.count && start.elapsed() < HANDSHAKE_LIMIT && !stopped() {
        let pending: Vec<usize> = (0..options.count)
            .filter(|&i| !holder.connections[i].established)
            .collect();
        for batch in pending.chunks(BATCH) {
            for &index in batch {
                holder.send_next(index)?;
            }
            holder.read_replies(Duration::ZERO)?;
        }
        holder.read_replies(Duration::from_millis(200))?;
    }
    let established = holder.established();
    println!(
        "held {established} of {} connections to {}:{} ({:.1} s to establish)",
        options.count,
        options.daddr,
        options.dport,
        start.elapsed().as_secs_f64()
    );

    // Hold: a probe round every interval; each must be answered (window 0).
    let hold_start = Instant::now();
    let mut last_answered = established;
    while hold_start.elapsed().as_secs_f64() < options.seconds && !stopped() {
        holder.round += 1;
        let round_start = Instant::now();
        for batch in (0..options.count).collect::<Vec<_>>().chunks(BATCH) {
            for &index in batch {
                if holder.connections[index].established {
                    holder.send_next(index)?;
                }
            }
            holder.read_replies(Duration::ZERO)?;
        }
        holder.read_replies(Duration::from_millis(500))?;
        let round = holder.round;
        last_answered = holder
            .connections
            .iter()
            .filter(|c| c.established && c.answered == round)
            .count();
        println!(
            "hold: probe round {round} at {:.0} s: {last_answered} of {established} answered with window 0",
            hold_start.elapsed().as_secs_f64()
        );
        let rest = Duration::from_secs_f64(options.interval).saturating_sub(round_start.elapsed());
        let until = Instant::now() + rest;
        while Instant::now() < until && !stopped() {
            // Replies to nothing we sent are drained too (none expected).
            holder.read_replies(Duration::from_millis(100))?;
        }
    }
    Ok(established == options.count && last_answered == established)
}

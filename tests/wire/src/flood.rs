// SPDX-License-Identifier: GPL-2.0

//! Floods: SYNs or ACKs at a tarpitted port as fast as this sender goes,
//! from spoofed sources (the identity range) or from one victim address.

use crate::frame::{Addr, Segment};
use crate::plan;
use crate::rng::Rng;
use crate::sock::PacketSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set by SIGINT or SIGTERM: stop and report, as if the time were up.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// From now on, SIGINT and SIGTERM ask the running command to stop.
pub fn stop_on_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe.
        unsafe { libc::signal(signal, request_stop as *const () as libc::sighandler_t) };
    }
}

/// Whether a signal asked to stop.
pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

pub struct Options {
    pub ack: bool,
    pub seconds: f64,
    pub daddr: Addr,
    pub dport: u16,
    /// One source for every segment (a reflection victim), else spoofed
    /// sources spread over the identity range.
    pub saddr: Option<Addr>,
    pub seed: u64,
    /// Stop after this many segments, if given.
    pub limit: Option<u64>,
    /// Bytes of TCP options (NOPs) and of payload in every segment.
    pub options: usize,
    pub data: usize,
    /// Segments per second at most, if given (else as fast as it goes).
    pub rate: Option<f64>,
}

pub fn run(
    options: &Options,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    tx: &PacketSocket,
) -> std::io::Result<()> {
    let family = match options.daddr {
        Addr::V4(_) => 4,
        Addr::V6(_) => 6,
    };
    let mut rng = Rng::new(options.seed);
    let payload = vec![b'x'; options.data];
    let (mut sent, mut dropped, mut bytes) = (0u64, 0u64, 0u64);
    let cpu_before = cpu_ticks();
    let start = Instant::now();
    let duration = Duration::from_secs_f64(options.seconds);
    stop_on_signals();
    while start.elapsed() < duration && options.limit.is_none_or(|limit| sent < limit) && !stopped()
    {
        if let Some(rate) = options.rate {
            let due = Duration::from_secs_f64(sent as f64 / rate);
            if let Some(ahead) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(ahead);
            }
        }
        // Checking the clock every segment would cost more than sending.
        for _ in 0..64 {
            if options.limit.is_some_and(|limit| sent >= limit) {
                break;
            }
            let (identity, port) = plan::identity(family, rng.below(plan::MAX_SEGMENTS));
            let sport = if options.saddr.is_some() {
                rng.u16() | 1024
            } else {
                port
            };
            let seq = rng.u32();
            let ack = if options.ack { rng.u32() } else { 0 };
            let seg = Segment {
                tcp_options: vec![1; options.options],
                payload_len: options.data,
                ..Segment::plain(
                    src_mac,
                    dst_mac,
                    (options.saddr.unwrap_or(identity), sport),
                    (options.daddr, options.dport),
                    seq,
                    ack,
                    if options.ack { 0x10 } else { 0x02 },
                )
            };
            let (frame, layout) = seg.build(&payload);
            if tx.send(&frame)? {
                sent += 1;
                bytes += (frame.len() - layout.ip) as u64;
            } else {
                dropped += 1;
                std::thread::yield_now();
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "flood: sent {sent} {} segments ({bytes} IP bytes) in {secs:.6} s ({:.0}/s), {dropped} refused by a full queue",
        if options.ack { "ACK" } else { "SYN" },
        sent as f64 / secs
    );
    // The work a segment causes (the target, its reply) runs in softirq on
    // the sending CPU: how busy that CPU was tells whether it all did.
    if let (Some((cpu, busy0, all0)), Some((_, busy1, all1))) = (cpu_before, cpu_ticks()) {
        println!(
            "flood: cpu {cpu} busy {} of {} ticks",
            busy1 - busy0,
            all1 - all0
        );
    }
    Ok(())
}

/// The CPU this thread runs on, and its busy and total time so far in
/// USER_HZ ticks (from /proc/stat); meaningful when pinned (taskset).
fn cpu_ticks() -> Option<(usize, u64, u64)> {
    // SAFETY: sched_getcpu() has no preconditions.
    let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).ok()?;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let name = format!("cpu{cpu}");
    let line = stat
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&name))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let all: u64 = ticks.iter().take(8).sum();
    // idle and iowait are the 4th and 5th fields.
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some((cpu, all - idle, all))
}

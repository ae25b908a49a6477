// SPDX-License-Identifier: GPL-2.0

//! Floods: SYNs or ACKs at a tarpitted port as fast as this sender goes,
//! from spoofed sources (the identity range) or from one victim address.
//!
//! A flood of known size (`--count`) also counts its replies by kind, and
//! times each kind up to the last of them (what `make bench` rates).

use crate::frame::{parse_reply, Addr, Segment};
use crate::plan;
use crate::rng::Rng;
use crate::sock::{self, PacketSocket};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

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
    /// Stop after this many segments, if given; the replies are then
    /// counted too (the room they need is known).
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
    let capture = options
        .limit
        .map(|limit| ReplyCapture::open(src_mac, family, limit))
        .transpose()?;
    // SAFETY: sched_getcpu() has no preconditions.
    let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
    let cpu_before = cpu.and_then(cpu_ticks);
    // The kernel stamps the replies with this clock.
    let start_clock = SystemTime::now();
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
    let sending = start.elapsed();
    let secs = sending.as_secs_f64();
    println!(
        "flood: sent {sent} {} segments ({bytes} IP bytes) in {secs:.6} s ({:.0}/s), {dropped} refused by a full queue",
        if options.ack { "ACK" } else { "SYN" },
        sent as f64 / secs
    );
    // The work a segment causes (the target, its reply) runs in softirq on
    // the sending CPU: how busy that CPU was tells whether it all did.
    // The same CPU's line both times (the thread may have moved), and no
    // figure when a counter went back (idle time is an estimate on tickless
    // kernels).
    if let (Some(cpu), Some((busy0, all0))) = (cpu, cpu_before) {
        let spent = cpu_ticks(cpu)
            .and_then(|(busy1, all1)| Some((busy1.checked_sub(busy0)?, all1.checked_sub(all0)?)));
        match spent {
            Some((busy, all)) if busy <= all => {
                println!("flood: cpu {cpu} busy {busy} of {all} ticks")
            }
            _ => println!("flood: cpu {cpu} busy: no figure (its /proc/stat counters went back)"),
        }
    }
    if let Some(mut capture) = capture {
        capture.wait_until_quiet()?;
        let mut replies = Replies::default();
        let mut buf = vec![0u8; 2048];
        while let Some((len, arrival)) = capture.next(&mut buf)? {
            replies.record(
                options,
                &buf[..len],
                arrival.duration_since(start_clock).ok(),
            );
        }
        for kind in ReplyKind::ALL {
            // Replies per second must count the time until the last of
            // them: the target may still work off a backlog after sending.
            println!(
                "flood: {} {} replies to our sources; sent and answered in {:.6} s",
                replies.count(kind),
                kind.name(),
                replies.until_last(kind, sending).as_secs_f64()
            );
        }
        capture.update()?;
        println!("flood: the capture of replies lost {} frames", capture.lost);
    }
    Ok(())
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// What a reply is, by its flags: what each target answers a SYN or an ACK
/// with, and anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReplyKind {
    SynAck,
    Ack,
    Rst,
    OtherTcp,
}

impl ReplyKind {
    const ALL: [ReplyKind; 4] = [
        ReplyKind::SynAck,
        ReplyKind::Ack,
        ReplyKind::Rst,
        ReplyKind::OtherTcp,
    ];

    fn of(flags: u8) -> ReplyKind {
        if flags & RST != 0 {
            ReplyKind::Rst
        } else if flags & (SYN | ACK | FIN) == SYN | ACK {
            ReplyKind::SynAck
        } else if flags & (SYN | ACK | FIN) == ACK {
            ReplyKind::Ack
        } else {
            ReplyKind::OtherTcp
        }
    }

    fn name(self) -> &'static str {
        match self {
            ReplyKind::SynAck => "SYN/ACK",
            ReplyKind::Ack => "ACK",
            ReplyKind::Rst => "RST",
            ReplyKind::OtherTcp => "other",
        }
    }
}

/// The kind of `frame` if it is a TCP reply to this flood: from the flooded
/// address and port to one of the flood's sources (ARP, neighbour discovery
/// and anything else that reaches the interface are not).
fn reply_to(options: &Options, frame: &[u8]) -> Option<ReplyKind> {
    let reply = parse_reply(frame)?;
    if reply.saddr != options.daddr || reply.sport != options.dport {
        return None;
    }
    let to_a_source = match options.saddr {
        Some(victim) => reply.daddr == victim,
        None => plan::index_of(&reply.daddr, reply.dport).is_some(),
    };
    to_a_source.then(|| ReplyKind::of(reply.flags))
}

/// The replies of one flood, per kind: how many, and when the last came
/// (since the first segment).
#[derive(Default)]
struct Replies {
    count: [u64; 4],
    last: [Duration; 4],
}

impl Replies {
    /// Counts `frame` if it is a reply to this flood; `arrival` is `None`
    /// when it came before the first segment (a reply to an earlier flood).
    fn record(&mut self, options: &Options, frame: &[u8], arrival: Option<Duration>) {
        let (Some(kind), Some(arrival)) = (reply_to(options, frame), arrival) else {
            return;
        };
        self.count[kind as usize] += 1;
        self.last[kind as usize] = self.last[kind as usize].max(arrival);
    }

    fn count(&self, kind: ReplyKind) -> u64 {
        self.count[kind as usize]
    }

    /// From the first segment to the last reply of `kind`, or to the end of
    /// `sending` if that came later.
    fn until_last(&self, kind: ReplyKind, sending: Duration) -> Duration {
        self.last[kind as usize].max(sending)
    }
}

/// The frames of one flood's family that reach its interface, queued by the
/// kernel with their arrival time and read only once the flood is over:
/// reading them meanwhile would add to the very time measured.
struct ReplyCapture {
    fd: OwnedFd,
    /// Frames the kernel queued for us so far, and those it dropped for
    /// lack of room (counted, not read).
    frames: u64,
    lost: u64,
}

/// No frame for this long after the last segment: the replies are over.
const QUIET: Duration = Duration::from_millis(200);
/// Nor wait longer than this for them to be.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

impl ReplyCapture {
    /// Bound to the interface with MAC `mac` (the one the flood sends
    /// from), with room for a reply to each of `segments`.
    fn open(mac: [u8; 6], family: u8, segments: u64) -> io::Result<ReplyCapture> {
        let iface = iface_with_mac(mac)?;
        let name = CString::new(iface).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: `name` is a NUL-terminated string.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        // Only the family's IP frames, and only arriving ones: the flood's
        // own segments never pass through this socket.
        let protocol = if family == 4 {
            libc::ETH_P_IP
        } else {
            libc::ETH_P_IPV6
        } as u16;
        // SAFETY: plain socket(2) call; protocol 0 receives nothing until
        // bound below, to the one interface.
        let raw = check(unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) })?;
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let set = |level, name, value: libc::c_int| {
            // SAFETY: the option value is a valid c_int of the size passed.
            check(unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    level,
                    name,
                    (&value as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            })
        };
        set(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
        // 2 KiB per reply (the kernel doubles this for its bookkeeping):
        // more than the buffer of a small frame takes.
        let room = segments.saturating_mul(1024).clamp(1 << 20, 1 << 30);
        set(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, room as libc::c_int)?;
        // SAFETY: sockaddr_ll is plain data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = protocol.to_be();
        addr.sll_ifindex = ifindex as libc::c_int;
        // SAFETY: `addr` is a valid sockaddr_ll of the size passed.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })?;
        Ok(ReplyCapture {
            fd,
            frames: 0,
            lost: 0,
        })
    }

    /// Adds the kernel's counts since the last call (reading resets them).
    fn update(&mut self) -> io::Result<()> {
        let mut stats = libc::tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: `stats` and `len` are valid for writes and `len` is its size.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut stats as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        })?;
        // tp_packets includes the dropped ones.
        self.frames += u64::from(stats.tp_packets);
        self.lost += u64::from(stats.tp_drops);
        Ok(())
    }

    /// Waits, without reading a frame (which would compete with the
    /// target's backlog for the CPU), until none has come for `QUIET`.
    fn wait_until_quiet(&mut self) -> io::Result<()> {
        let (start, mut last_change) = (Instant::now(), Instant::now());
        while last_change.elapsed() < QUIET && start.elapsed() < DRAIN_LIMIT {
            std::thread::sleep(Duration::from_millis(10));
            let before = self.frames;
            self.update()?;
            if self.frames != before {
                last_change = Instant::now();
            }
        }
        Ok(())
    }

    /// The next queued frame into `buf` (its length) and when it arrived;
    /// `None` when none is left.
    fn next(&self, buf: &mut [u8]) -> io::Result<Option<(usize, SystemTime)>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // Room for the one control message asked for, suitably aligned.
        let mut control = [0u64; 8];
        // SAFETY: msghdr is plain data; all zeroes is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: `msg` points at `iov` (into `buf`) and `control`, valid
        // for writes of the lengths given.
        let rc = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::EAGAIN) => Ok(None),
                _ => Err(err),
            };
        }
        // Without the kernel's stamp (not expected), the time read: later
        // than the arrival, so never a rate too high.
        let mut arrival = SystemTime::now();
        // SAFETY: the kernel filled `msg` and its control messages; CMSG_*
        // walk them within `msg_controllen`.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let stamp: libc::timespec =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                    arrival = SystemTime::UNIX_EPOCH
                        + Duration::new(stamp.tv_sec as u64, stamp.tv_nsec as u32);
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        Ok(Some(((rc as usize).min(buf.len()), arrival)))
    }
}

/// The interface with MAC `mac`: the caller knows the flood's interface by
/// its MAC only.
fn iface_with_mac(mac: [u8; 6]) -> io::Result<String> {
    for entry in std::fs::read_dir("/sys/class/net")? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if sock::mac_of(&name).ok() == Some(mac) {
            return Ok(name);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "no interface with the source MAC",
    ))
}

/// CPU `cpu`'s busy and total time so far in USER_HZ ticks (from
/// /proc/stat); meaningful for the sender when it is pinned (taskset).
fn cpu_ticks(cpu: usize) -> Option<(u64, u64)> {
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
    Some((all.checked_sub(idle)?, all))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Addr = Addr::V4([10, 7, 1, 1]);

    fn syn_flood(saddr: Option<Addr>) -> Options {
        Options {
            ack: false,
            seconds: 1.0,
            daddr: TARGET,
            dport: 80,
            saddr,
            seed: 1,
            limit: Some(10),
            options: 0,
            data: 0,
            rate: None,
        }
    }

    /// A frame from `from` to `to` with TCP `flags`.
    fn frame(from: (Addr, u16), to: (Addr, u16), flags: u8) -> Vec<u8> {
        let (src_mac, dst_mac) = ([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1]);
        Segment::plain(src_mac, dst_mac, from, to, 1, 2, flags)
            .build(&[])
            .0
    }

    #[test]
    fn counts_only_tcp_replies_to_the_flood_sources_by_kind() {
        let flood = syn_flood(None);
        let source = plan::identity(4, 70_000);
        let answer = |flags| reply_to(&flood, &frame((TARGET, 80), source, flags));
        assert_eq!(answer(SYN | ACK), Some(ReplyKind::SynAck));
        assert_eq!(answer(ACK), Some(ReplyKind::Ack));
        assert_eq!(answer(ACK | 0x08), Some(ReplyKind::Ack), "PSH/ACK");
        assert_eq!(answer(RST), Some(ReplyKind::Rst));
        assert_eq!(answer(RST | ACK), Some(ReplyKind::Rst));
        assert_eq!(answer(FIN | ACK), Some(ReplyKind::OtherTcp));
        // Not replies to this flood: from another port or address of the
        // target, to a destination outside the sources, the flood's own SYN.
        let counted = |from, to, flags| reply_to(&flood, &frame(from, to, flags)).is_some();
        assert!(!counted((TARGET, 81), source, SYN | ACK));
        assert!(!counted((Addr::V4([10, 7, 1, 2]), 80), source, SYN | ACK));
        assert!(!counted(
            (TARGET, 80),
            (Addr::V4([10, 7, 0, 1]), 4000),
            SYN | ACK
        ));
        assert!(!counted(source, (TARGET, 80), SYN));
        // ARP: not even IP.
        let mut arp = vec![0xff; 6];
        arp.extend_from_slice(&[2, 0, 0, 0, 0, 2, 0x08, 0x06]);
        arp.resize(60, 0);
        assert_eq!(reply_to(&flood, &arp), None);
    }

    #[test]
    fn a_victim_flood_counts_replies_to_the_victim_only() {
        let victim = Addr::V4([10, 8, 0, 7]);
        let flood = syn_flood(Some(victim));
        let to_victim = frame((TARGET, 80), (victim, 5000), SYN | ACK);
        assert_eq!(reply_to(&flood, &to_victim), Some(ReplyKind::SynAck));
        let to_identity = frame((TARGET, 80), plan::identity(4, 3), SYN | ACK);
        assert_eq!(reply_to(&flood, &to_identity), None);
    }

    #[test]
    fn ipv6_replies_are_counted() {
        let mut target = [0u8; 16];
        target[..4].copy_from_slice(&[0xfd, 0x07, 0, 1]);
        target[15] = 1;
        let flood = Options {
            daddr: Addr::V6(target),
            ..syn_flood(None)
        };
        let reply = frame((Addr::V6(target), 80), plan::identity(6, 12), SYN | ACK);
        assert_eq!(reply_to(&flood, &reply), Some(ReplyKind::SynAck));
    }

    #[test]
    fn the_time_runs_to_the_last_reply_of_its_kind() {
        let flood = syn_flood(None);
        let source = plan::identity(4, 5);
        let syn_ack = frame((TARGET, 80), source, SYN | ACK);
        let rst = frame((TARGET, 80), source, RST);
        let mut replies = Replies::default();
        let ms = Duration::from_millis;
        replies.record(&flood, &syn_ack, Some(ms(100)));
        replies.record(&flood, &syn_ack, Some(ms(1500)));
        replies.record(&flood, &syn_ack, Some(ms(900)));
        replies.record(&flood, &rst, Some(ms(2500)));
        // Before the first segment: a late reply to an earlier flood.
        replies.record(&flood, &syn_ack, None);
        let sending = ms(1000);
        assert_eq!(replies.count(ReplyKind::SynAck), 3);
        assert_eq!(replies.until_last(ReplyKind::SynAck, sending), ms(1500));
        assert_eq!(replies.count(ReplyKind::Rst), 1);
        assert_eq!(replies.until_last(ReplyKind::Rst, sending), ms(2500));
        // No reply of a kind: the sending time.
        assert_eq!(replies.count(ReplyKind::Ack), 0);
        assert_eq!(replies.until_last(ReplyKind::Ack, sending), sending);
    }
}

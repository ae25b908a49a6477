// SPDX-License-Identifier: GPL-2.0

//! AF_PACKET sockets: whole Ethernet frames in and out of one interface,
//! so that every byte of a segment, addresses included, is ours to choose.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Not in every libc release: ignore the frames this host sends.
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// A control message with each frame: its VLAN tag, which the kernel takes
/// out of the data of a tagged frame (VLAN offload, veth included).
const PACKET_AUXDATA: libc::c_int = 8;
const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;

/// struct tpacket_auxdata (linux/if_packet.h).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct TpacketAuxdata {
    tp_status: u32,
    tp_len: u32,
    tp_snaplen: u32,
    tp_mac: u16,
    tp_net: u16,
    tp_vlan_tci: u16,
    tp_vlan_tpid: u16,
}

pub struct PacketSocket {
    fd: OwnedFd,
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn setsockopt_int(
    fd: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
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
    .map(drop)
}

impl PacketSocket {
    /// A socket bound to `iface`: it receives every frame arriving there
    /// when `receive` is set, and none otherwise (a sender only).
    pub fn open(iface: &str, receive: bool) -> io::Result<Self> {
        let name = CString::new(iface).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: `name` is a NUL-terminated string.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface {iface}"),
            ));
        }
        let protocol = if receive {
            (libc::ETH_P_ALL as u16).to_be()
        } else {
            0
        };
        // SAFETY: plain socket(2) call.
        let raw = check(unsafe {
            libc::socket(libc::AF_PACKET, libc::SOCK_RAW, libc::c_int::from(protocol))
        })?;
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: sockaddr_ll is plain data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = protocol;
        addr.sll_ifindex = ifindex as libc::c_int;
        // SAFETY: `addr` is a valid sockaddr_ll of the size passed.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })?;
        if receive {
            setsockopt_int(&fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)?;
            setsockopt_int(&fd, libc::SOL_PACKET, PACKET_AUXDATA, 1)?;
            // Replies arrive while we send: room for all of them.
            setsockopt_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, 256 << 20)?;
        }
        Ok(PacketSocket { fd })
    }

    /// Sends one frame; `Ok(false)` when the kernel dropped it for lack of
    /// room (ENOBUFS), which the caller may retry.
    pub fn send(&self, frame: &[u8]) -> io::Result<bool> {
        // SAFETY: `frame` is valid for reads of its length.
        let rc = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        if rc >= 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ENOBUFS) | Some(libc::EAGAIN) => Ok(false),
            _ => Err(err),
        }
    }

    /// Receives one frame without waiting; `None` when none is queued. A
    /// VLAN tag the kernel took out of the frame is put back in (so that
    /// the frame reads as tagged): `buf` needs 4 bytes to spare for it.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // Room for one cmsghdr and its tpacket_auxdata, 8-byte aligned.
        let mut control = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len().saturating_sub(4),
        };
        // SAFETY: msghdr is plain data; all zeroes is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: `msg` points to `iov` (into `buf`) and `control`, both
        // valid for writes of the lengths given.
        let rc = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::EAGAIN) => Ok(None),
                _ => Err(err),
            };
        }
        let mut len = rc as usize;
        if let Some(aux) = auxdata(&msg) {
            if aux.tp_status & TP_STATUS_VLAN_VALID != 0 && len >= 12 {
                let tpid = if aux.tp_status & TP_STATUS_VLAN_TPID_VALID != 0 {
                    aux.tp_vlan_tpid
                } else {
                    crate::frame::ETHERTYPE_VLAN
                };
                buf.copy_within(12..len, 16);
                buf[12..14].copy_from_slice(&tpid.to_be_bytes());
                buf[14..16].copy_from_slice(&aux.tp_vlan_tci.to_be_bytes());
                len += 4;
            }
        }
        Ok(Some(len))
    }

    /// Frames the kernel dropped before this socket read them (since the
    /// last call): nonzero means the capture is incomplete.
    pub fn drops(&self) -> io::Result<u32> {
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
        Ok(stats.tp_drops)
    }
}

/// The tpacket_auxdata control message of a received frame, if any.
fn auxdata(msg: &libc::msghdr) -> Option<TpacketAuxdata> {
    // SAFETY: `msg` was filled in by recvmsg(2); the CMSG_* macros walk
    // its control buffer within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_PACKET && (*cmsg).cmsg_type == PACKET_AUXDATA {
                let data = libc::CMSG_DATA(cmsg).cast::<TpacketAuxdata>();
                return Some(data.read_unaligned());
            }
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    None
}

/// The MAC address of `iface`.
pub fn mac_of(iface: &str) -> io::Result<[u8; 6]> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{iface}/address"))?;
    parse_mac(text.trim())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("bad MAC {text}")))
}

/// The MTU of `iface`.
pub fn mtu_of(iface: &str) -> io::Result<usize> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{iface}/mtu"))?;
    text.trim()
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad MTU"))
}

pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

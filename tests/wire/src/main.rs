// SPDX-License-Identifier: GPL-2.0

//! `tarpit-wire`: raw-frame traffic for the TARPIT VM tests.
//!
//! ```text
//! tarpit-wire fuzz  --iface IF --dst-mac MAC [--seed S] [--count N] [--families 4,6] [--dump INDEX]
//!                   [--class NAME[,NAME...]] [--hostile-sources] [--settle MS]
//!                   [--route-ttl N] [--tarpit-link-local ADDR] [--fault NAME]
//! tarpit-wire classes
//! tarpit-wire flood --iface IF --dst-mac MAC --dst ADDR --dport P [--ack] [--seconds S]
//!                   [--src ADDR] [--count N] [--rate PER_SECOND] [--options BYTES] [--data BYTES]
//! tarpit-wire hold  --iface IF --dst-mac MAC --dst ADDR --dport P --count N [--seconds S]
//!                   [--interval S]
//! ```
//!
//! They run in the sending namespace of the plan in `plan.rs`.
//!
//! fuzz: `--class` sends only the classes named (the per-class reach
//! batches of tests/vm/80-fuzz.sh); `--hostile-sources` adds the classes
//! left out by default (own-address, link-local sources); `--settle` is how
//! long no frame must come before the run ends (500 ms); `--route-ttl` the
//! TTL and hop limit replies outside honeypot mode must carry (64);
//! `--tarpit-link-local` the tarpit's link-local address (default: the
//! EUI-64 one of --dst-mac); `--fault` changes what is sent or received on
//! purpose so that a check must fail (see `fuzz::Fault`: unsent, ttl, tos,
//! ip-id, df, flow-label, isn, same-isn, vlan).
//!
//! classes: every fuzz class, one a line: its name, "default" or
//! "hostile" (left out of the default mix), and the IP versions it exists in.

mod flood;
mod frame;
mod fuzz;
mod hold;
mod plan;
mod rng;
mod sock;

use frame::Addr;
use sock::PacketSocket;
use std::collections::HashMap;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: tarpit-wire fuzz|flood|hold --iface IF --dst-mac MAC [options] (see src/main.rs)"
    );
    ExitCode::from(2)
}

fn parse_addr(text: &str) -> Option<Addr> {
    match text.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => Some(Addr::V4(a.octets())),
        std::net::IpAddr::V6(a) => Some(Addr::V6(a.octets())),
    }
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A seed that differs from run to run, printed so that it can be replayed.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    rng::Rng::new(nanos ^ u64::from(std::process::id())).next_u64()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage();
    };
    let mut flags: HashMap<&str, &str> = HashMap::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--ack" | "--hostile-sources" => {
                flags.insert(&arg[2..], "");
            }
            name if name.starts_with("--") => match it.next() {
                Some(value) => {
                    flags.insert(&name[2..], value);
                }
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    match run(command, &flags) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("tarpit-wire: {e}");
            ExitCode::from(2)
        }
    }
}

/// Prints every class of the fuzzer (the `classes` command).
fn list_classes() {
    for (class, _) in fuzz::CLASSES {
        let kind = if fuzz::HOSTILE.contains(&class) {
            "hostile"
        } else {
            "default"
        };
        let families: Vec<&str> = [(4, "4"), (6, "6")]
            .into_iter()
            .filter(|&(f, _)| class.applies_to(f))
            .map(|(_, name)| name)
            .collect();
        println!("{} {kind} {}", class.name(), families.join(" "));
    }
}

fn run(command: &str, flags: &HashMap<&str, &str>) -> Result<bool, String> {
    if command == "classes" {
        list_classes();
        return Ok(true);
    }
    let get = |name: &str| flags.get(name).copied();
    let number = |name: &str, default: u64| -> Result<u64, String> {
        get(name).map_or(Ok(default), |v| {
            parse_number(v).ok_or(format!("--{name}: not a number: {v}"))
        })
    };
    let iface = get("iface").ok_or("--iface is required")?;
    let dst_mac = get("dst-mac")
        .and_then(sock::parse_mac)
        .ok_or("--dst-mac MAC is required")?;
    let src_mac = sock::mac_of(iface).map_err(|e| format!("{iface}: {e}"))?;
    let seed = number("seed", fresh_seed())?;
    let io = |e: std::io::Error| e.to_string();
    match command {
        "fuzz" => {
            let families = get("families")
                .unwrap_or("4,6")
                .split(',')
                .map(|f| match f {
                    "4" => Ok(4),
                    "6" => Ok(6),
                    _ => Err(format!("--families: {f} is not 4 or 6")),
                })
                .collect::<Result<Vec<u8>, String>>()?;
            let count = number("count", 100_000)? as usize;
            if count > plan::MAX_SEGMENTS {
                return Err(format!("--count: at most {}", plan::MAX_SEGMENTS));
            }
            let hostile = flags.contains_key("hostile-sources");
            let mix = match get("class") {
                Some(names) => {
                    let classes = names
                        .split(',')
                        .map(|n| fuzz::Class::from_name(n).ok_or(format!("--class: no class {n}")))
                        .collect::<Result<Vec<_>, String>>()?;
                    fuzz::Mix::only(&classes)
                }
                None => fuzz::Mix::default_mix(hostile),
            };
            mix.check(&families)?;
            let fault = get("fault")
                .map(|f| fuzz::Fault::from_name(f).ok_or(format!("--fault: no fault {f}")))
                .transpose()?;
            let route_ttl = number("route-ttl", 64)?;
            let route_ttl = u8::try_from(route_ttl)
                .ok()
                .filter(|&t| t > 0)
                .ok_or("--route-ttl: 1 to 255")?;
            let tarpit_link_local = match get("tarpit-link-local") {
                Some(text) => match parse_addr(text) {
                    Some(a @ frame::Addr::V6(_)) => a,
                    _ => return Err(format!("--tarpit-link-local: not an IPv6 address: {text}")),
                },
                None => plan::eui64_link_local(dst_mac),
            };
            let mtu = sock::mtu_of(iface).map_err(io)?;
            let mut payload = vec![0u8; 65536];
            rng::Rng::new(seed).fill(&mut payload);
            let env = fuzz::Env {
                src_mac,
                dst_mac,
                max_frame: frame::ETH_LEN + mtu,
                payload,
                tarpit_link_local,
            };
            let options = fuzz::Options {
                seed,
                count,
                families,
                mix,
                fault,
                route_ttl,
                settle: std::time::Duration::from_millis(number("settle", 500)?),
            };
            if let Some(index) = get("dump") {
                let index = parse_number(index).ok_or("--dump: not a number")? as usize;
                fuzz::dump(&options, &env, index);
                return Ok(true);
            }
            let rx = PacketSocket::open(iface, true).map_err(io)?;
            let tx = PacketSocket::open(iface, false).map_err(io)?;
            fuzz::run(&options, &env, &tx, &rx).map_err(io)
        }
        "flood" => {
            let daddr = get("dst")
                .and_then(parse_addr)
                .ok_or("--dst ADDR is required")?;
            let saddr = match get("src") {
                Some(text) => {
                    Some(parse_addr(text).ok_or(format!("--src: not an address: {text}"))?)
                }
                None => None,
            };
            let options = flood::Options {
                ack: flags.contains_key("ack"),
                seconds: get("seconds").map_or(Ok(10.0), |s| {
                    s.parse().map_err(|_| format!("--seconds: {s}"))
                })?,
                daddr,
                dport: number("dport", 80)? as u16,
                saddr,
                seed,
                limit: get("count").map(|_| number("count", 0)).transpose()?,
                options: number("options", 0)? as usize / 4 * 4,
                data: number("data", 0)? as usize,
                rate: get("rate")
                    .map(|r| r.parse().map_err(|_| format!("--rate: {r}")))
                    .transpose()?,
            };
            let tx = PacketSocket::open(iface, false).map_err(io)?;
            flood::run(&options, src_mac, dst_mac, &tx).map_err(io)?;
            Ok(true)
        }
        "hold" => {
            let seconds = |name: &str, default: f64| -> Result<f64, String> {
                get(name).map_or(Ok(default), |s| {
                    s.parse().map_err(|_| format!("--{name}: {s}"))
                })
            };
            let options = hold::Options {
                daddr: get("dst")
                    .and_then(parse_addr)
                    .ok_or("--dst ADDR is required")?,
                dport: number("dport", 80)? as u16,
                count: number("count", 10_000)? as usize,
                seconds: seconds("seconds", 30.0)?,
                interval: seconds("interval", 5.0)?,
                seed,
            };
            let rx = PacketSocket::open(iface, true).map_err(io)?;
            let tx = PacketSocket::open(iface, false).map_err(io)?;
            hold::run(&options, src_mac, dst_mac, &tx, &rx).map_err(io)
        }
        _ => Err(format!("unknown command {command}")),
    }
}

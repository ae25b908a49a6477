// SPDX-License-Identifier: GPL-2.0

//! SipHash-2-4 (Aumasson and Bernstein), for the tarpit's initial sequence
//! numbers: a keyed hash of the connection's 4-tuple is stateless, yet
//! neither a constant (xtables-addons sends 0, a known fingerprint) nor
//! predictable without the key.

/// A 128-bit SipHash key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Key(pub [u64; 2]);

struct State([u64; 4]);

impl State {
    fn round(&mut self) {
        let v = &mut self.0;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    fn absorb(&mut self, m: u64) {
        self.0[3] ^= m;
        self.round();
        self.round();
        self.0[0] ^= m;
    }
}

impl State {
    fn new(key: &Key) -> State {
        let [k0, k1] = key.0;
        State([
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ])
    }

    fn finish(mut self) -> u64 {
        self.0[2] ^= 0xff;
        for _ in 0..4 {
            self.round();
        }
        self.0[0] ^ self.0[1] ^ self.0[2] ^ self.0[3]
    }
}

/// SipHash-2-4 of `data` under `key`.
pub fn siphash(key: &Key, data: &[u8]) -> u64 {
    let mut s = State::new(key);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        s.absorb(u64::from_le_bytes(word));
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    // The length's low byte goes into the last word's top byte.
    last[7] = data.len() as u8;
    s.absorb(u64::from_le_bytes(last));
    s.finish()
}

/// The initial sequence number for a connection, from its endpoints as
/// bytes (addresses then ports, in the peer's direction).
pub fn isn(key: &Key, endpoints: &[u8]) -> u32 {
    // Either half of the hash is as good as the other.
    siphash(key, endpoints) as u32
}

/// [`isn`] of the 12 bytes of IPv4 endpoints (`saddr`, `daddr`, then the
/// ports in network byte order), from whole words: every SYN pays for it.
pub fn isn_ipv4(key: &Key, saddr: [u8; 4], daddr: [u8; 4], sport: u16, dport: u16) -> u32 {
    let [a, b, c, d] = saddr;
    let [e, f, g, h] = daddr;
    let [sp0, sp1] = sport.to_be_bytes();
    let [dp0, dp1] = dport.to_be_bytes();
    let mut s = State::new(key);
    s.absorb(u64::from_le_bytes([a, b, c, d, e, f, g, h]));
    s.absorb(u64::from_le_bytes([sp0, sp1, dp0, dp1, 0, 0, 0, 12]));
    s.finish() as u32
}

/// [`isn`] of the 36 bytes of IPv6 endpoints (`saddr`, `daddr`, then the
/// ports in network byte order), from whole words.
pub fn isn_ipv6(key: &Key, saddr: [u8; 16], daddr: [u8; 16], sport: u16, dport: u16) -> u32 {
    let [sp0, sp1] = sport.to_be_bytes();
    let [dp0, dp1] = dport.to_be_bytes();
    let mut s = State::new(key);
    for addr in [saddr, daddr] {
        let (high, low) = addr.split_at(8);
        for half in [high, low] {
            let mut word = [0u8; 8];
            word.copy_from_slice(half);
            s.absorb(u64::from_le_bytes(word));
        }
    }
    s.absorb(u64::from_le_bytes([sp0, sp1, dp0, dp1, 0, 0, 0, 36]));
    s.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference vectors of the SipHash paper: key 00..0f, messages
    /// 00, 00 01, 00 01 02, ... (first, 8-byte and 15-byte cases).
    #[test]
    fn matches_reference_vectors() {
        let key = Key([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
        let msg: [u8; 15] = core::array::from_fn(|i| i as u8);
        assert_eq!(siphash(&key, &msg[..0]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash(&key, &msg[..8]), 0x93f5_f579_9a93_2462);
        assert_eq!(siphash(&key, &msg[..15]), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn isn_depends_on_key_and_endpoints() {
        let a = Key([1, 2]);
        let b = Key([1, 3]);
        let ep = [10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0, 135];
        let mut other = ep;
        other[9] ^= 1;
        assert_eq!(isn(&a, &ep), isn(&a, &ep));
        assert_ne!(isn(&a, &ep), isn(&b, &ep));
        assert_ne!(isn(&a, &ep), isn(&a, &other));
    }

    #[test]
    fn isn_from_words_is_isn_of_the_endpoint_bytes() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = Key([x, x.rotate_left(29)]);
            let b = x.to_le_bytes();
            let (saddr, daddr) = ([b[0], b[1], b[2], b[3]], [b[4], b[5], b[6], b[7]]);
            let (sport, dport) = ((x >> 13) as u16, (x >> 41) as u16);
            let mut ep = [0u8; 12];
            ep[..4].copy_from_slice(&saddr);
            ep[4..8].copy_from_slice(&daddr);
            ep[8..10].copy_from_slice(&sport.to_be_bytes());
            ep[10..].copy_from_slice(&dport.to_be_bytes());
            assert_eq!(isn_ipv4(&key, saddr, daddr, sport, dport), isn(&key, &ep));

            let saddr6: [u8; 16] = core::array::from_fn(|i| (x >> (i % 8 * 8)) as u8 ^ i as u8);
            let daddr6: [u8; 16] = core::array::from_fn(|i| (x >> (i % 7 * 9)) as u8);
            let mut ep6 = [0u8; 36];
            ep6[..16].copy_from_slice(&saddr6);
            ep6[16..32].copy_from_slice(&daddr6);
            ep6[32..34].copy_from_slice(&sport.to_be_bytes());
            ep6[34..].copy_from_slice(&dport.to_be_bytes());
            assert_eq!(
                isn_ipv6(&key, saddr6, daddr6, sport, dport),
                isn(&key, &ep6)
            );
        }
    }
}

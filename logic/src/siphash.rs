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

    /// The key of the reference vectors: bytes 00 01 .. 0f.
    const REFERENCE_KEY: Key = Key([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);

    /// SipHash-2-4 under [`REFERENCE_KEY`] of the messages of length 0 to 63
    /// with bytes 00 01 02 ..: `vectors_sip64` of the reference
    /// implementation's `vectors.h` (Aumasson and Bernstein, as copied in
    /// github.com/GerHobbelt/SipHash), each 8 bytes read little-endian.
    /// Not computed by this crate: the same 64 numbers are the table of
    /// github.com/majek/dump `siphash/main.c`, and Rust std's (deprecated)
    /// `std::hash::SipHasher::new_with_keys(k0, k1)`, `write`, `finish`
    /// gives them too (checked in a throwaway program outside this repo).
    const REFERENCE_VECTORS: [u64; 64] = [
        0x726f_db47_dd0e_0e31, // 0
        0x74f8_39c5_93dc_67fd, // 1
        0x0d6c_8009_d9a9_4f5a, // 2
        0x8567_6696_d7fb_7e2d, // 3
        0xcf27_94e0_2771_87b7, // 4
        0x1876_5564_cd99_a68d, // 5
        0xcbc9_466e_58fe_e3ce, // 6
        0xab02_00f5_8b01_d137, // 7
        0x93f5_f579_9a93_2462, // 8
        0x9e00_82df_0ba9_e4b0, // 9
        0x7a5d_bbc5_94dd_b9f3, // 10
        0xf4b3_2f46_226b_ada7, // 11
        0x751e_8fbc_860e_e5fb, // 12
        0x14ea_5627_c084_3d90, // 13
        0xf723_ca90_8e7a_f2ee, // 14
        0xa129_ca61_49be_45e5, // 15
        0x3f2a_cc7f_57c2_9bdb, // 16
        0x699a_e9f5_2cbe_4794, // 17
        0x4bc1_b3f0_968d_d39c, // 18
        0xbb6d_c91d_a779_61bd, // 19
        0xbed6_5cf2_1aa2_ee98, // 20
        0xd0f2_cbb0_2e3b_67c7, // 21
        0x9353_6795_e3a3_3e88, // 22
        0xa80c_038c_cd5c_cec8, // 23
        0xb8ad_50c6_f649_af94, // 24
        0xbce1_92de_8a85_b8ea, // 25
        0x17d8_35b8_5bbb_15f3, // 26
        0x2f2e_6163_076b_cfad, // 27
        0xde4d_aaac_a71d_c9a5, // 28
        0xa6a2_5066_8795_6571, // 29
        0xad87_a353_5c49_ef28, // 30
        0x32d8_92fa_d841_c342, // 31
        0x7127_512f_72f2_7cce, // 32
        0xa7f3_2346_f959_78e3, // 33
        0x12e0_b01a_bb05_1238, // 34
        0x15e0_34d4_0fa1_97ae, // 35
        0x314d_ffbe_0815_a3b4, // 36
        0x0279_90f0_2962_3981, // 37
        0xcadc_d4e5_9ef4_0c4d, // 38
        0x9abf_d876_6a33_735c, // 39
        0x0e3e_a96b_5304_a7d0, // 40
        0xad0c_42d6_fc58_5992, // 41
        0x1873_06c8_9bc2_15a9, // 42
        0xd4a6_0abc_f379_2b95, // 43
        0xf935_451d_e4f2_1df2, // 44
        0xa953_8f04_1975_5787, // 45
        0xdb9a_cddf_f56c_a510, // 46
        0xd06c_98cd_5c09_75eb, // 47
        0xe612_a3cb_9ecb_a951, // 48
        0xc766_e62c_fcad_af96, // 49
        0xee64_435a_9752_fe72, // 50
        0xa192_d576_b245_165a, // 51
        0x0a87_87bf_8ecb_74b2, // 52
        0x81b3_e73d_20b4_9b6f, // 53
        0x7fa8_220b_a3b2_ecea, // 54
        0x2457_31c1_3ca4_2499, // 55
        0xb78d_bfaf_3a8d_83bd, // 56
        0xea1a_d565_322a_1a0b, // 57
        0x60e6_1c23_a379_5013, // 58
        0x6606_d7e4_4628_2b93, // 59
        0x6ca4_ecb1_5c5f_91e1, // 60
        0x9f62_6da1_5c96_25f3, // 61
        0xe51b_3860_8ef2_5f57, // 62
        0x958a_324c_eb06_4572, // 63
    ];

    #[test]
    fn matches_all_64_reference_vectors() {
        let msg: [u8; 64] = core::array::from_fn(|i| i as u8);
        for (len, &want) in REFERENCE_VECTORS.iter().enumerate() {
            assert_eq!(
                siphash(&REFERENCE_KEY, &msg[..len]),
                want,
                "SipHash-2-4 of a {len}-byte message, want {want:#018x}"
            );
            assert_eq!(
                isn(&REFERENCE_KEY, &msg[..len]),
                want as u32,
                "isn of a {len}-byte message"
            );
        }
    }

    const KEY_B: Key = Key([0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210]);
    const KEY_C: Key = Key([1, 2]);

    /// IPv4 endpoints: saddr, daddr, sport, dport.
    type V4 = ([u8; 4], [u8; 4], u16, u16);
    /// IPv6 endpoints: saddr, daddr, sport, dport.
    type V6 = ([u8; 16], [u8; 16], u16, u16);

    const V4_ENDPOINTS: [V4; 3] = [
        ([192, 0, 2, 1], [198, 51, 100, 7], 40000, 135),
        ([10, 0, 0, 1], [10, 0, 0, 2], 0x9c40, 135),
        ([255, 255, 255, 255], [0, 0, 0, 0], 0xffff, 0),
    ];

    const V6_ENDPOINTS: [V6; 2] = [
        (
            // 2001:db8::1
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            // 2001:db8::2
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            40000,
            22,
        ),
        (
            // fe80::1234:5678:9abc:def0
            [
                0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
            ],
            // 2001:db8:ffff::ffff
            [
                0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
            ],
            1,
            65535,
        ),
    ];

    /// Expected ISNs, `[key][endpoints]` for the keys [`REFERENCE_KEY`],
    /// [`KEY_B`], [`KEY_C`]: the low 32 bits of SipHash-2-4 of the 12 (IPv4)
    /// or 36 (IPv6) endpoint bytes (saddr, daddr, sport and dport in network
    /// byte order). Computed outside this crate, with Rust std's
    /// `std::hash::SipHasher::new_with_keys(k0, k1)`, `write(&bytes)`,
    /// `finish() as u32`, in a throwaway program.
    const V4_ISN: [[u32; 3]; 3] = [
        [0x04e0_f6d7, 0xd67d_2074, 0xc63b_489a],
        [0x7463_51cb, 0xac38_f234, 0x5f2d_27d3],
        [0x6ac2_2513, 0xf1f8_112c, 0x7df0_acc9],
    ];
    const V6_ISN: [[u32; 2]; 3] = [
        [0x32ef_9813, 0xd277_1062],
        [0xa381_815c, 0xb71c_70dd],
        [0x30b0_50e0, 0x1fd6_6c27],
    ];
    const KEYS: [Key; 3] = [REFERENCE_KEY, KEY_B, KEY_C];

    fn v4_bytes((saddr, daddr, sport, dport): V4) -> [u8; 12] {
        let mut ep = [0u8; 12];
        ep[..4].copy_from_slice(&saddr);
        ep[4..8].copy_from_slice(&daddr);
        ep[8..10].copy_from_slice(&sport.to_be_bytes());
        ep[10..].copy_from_slice(&dport.to_be_bytes());
        ep
    }

    fn v6_bytes((saddr, daddr, sport, dport): V6) -> [u8; 36] {
        let mut ep = [0u8; 36];
        ep[..16].copy_from_slice(&saddr);
        ep[16..32].copy_from_slice(&daddr);
        ep[32..34].copy_from_slice(&sport.to_be_bytes());
        ep[34..].copy_from_slice(&dport.to_be_bytes());
        ep
    }

    #[test]
    fn isn_matches_independently_computed_values() {
        for (k, key) in KEYS.iter().enumerate() {
            for (e, &ep) in V4_ENDPOINTS.iter().enumerate() {
                let want = V4_ISN[k][e];
                let (saddr, daddr, sport, dport) = ep;
                assert_eq!(
                    isn(key, &v4_bytes(ep)),
                    want,
                    "isn, key {k}, IPv4 {e}, want {want:#010x}"
                );
                assert_eq!(
                    isn_ipv4(key, saddr, daddr, sport, dport),
                    want,
                    "isn_ipv4, key {k}, IPv4 {e}, want {want:#010x}"
                );
            }
            for (e, &ep) in V6_ENDPOINTS.iter().enumerate() {
                let want = V6_ISN[k][e];
                let (saddr, daddr, sport, dport) = ep;
                assert_eq!(
                    isn(key, &v6_bytes(ep)),
                    want,
                    "isn, key {k}, IPv6 {e}, want {want:#010x}"
                );
                assert_eq!(
                    isn_ipv6(key, saddr, daddr, sport, dport),
                    want,
                    "isn_ipv6, key {k}, IPv6 {e}, want {want:#010x}"
                );
            }
        }
    }

    /// Every key word and every endpoint byte changes the ISN.
    #[test]
    fn isn_depends_on_key_and_endpoints() {
        let ep = V4_ENDPOINTS[1];
        let base = isn_ipv4(&KEY_C, ep.0, ep.1, ep.2, ep.3);
        assert_ne!(base, isn_ipv4(&Key([1, 3]), ep.0, ep.1, ep.2, ep.3));
        assert_ne!(base, isn_ipv4(&Key([0, 2]), ep.0, ep.1, ep.2, ep.3));
        for i in 0..12 {
            let mut b = v4_bytes(ep);
            b[i] ^= 1;
            let saddr = [b[0], b[1], b[2], b[3]];
            let daddr = [b[4], b[5], b[6], b[7]];
            let (sport, dport) = (
                u16::from_be_bytes([b[8], b[9]]),
                u16::from_be_bytes([b[10], b[11]]),
            );
            assert_ne!(
                base,
                isn_ipv4(&KEY_C, saddr, daddr, sport, dport),
                "IPv4 byte {i}"
            );
        }
        let ep6 = V6_ENDPOINTS[0];
        let base6 = isn_ipv6(&KEY_C, ep6.0, ep6.1, ep6.2, ep6.3);
        for i in 0..36 {
            let mut b = v6_bytes(ep6);
            b[i] ^= 1;
            let saddr: [u8; 16] = core::array::from_fn(|j| b[j]);
            let daddr: [u8; 16] = core::array::from_fn(|j| b[16 + j]);
            let (sport, dport) = (
                u16::from_be_bytes([b[32], b[33]]),
                u16::from_be_bytes([b[34], b[35]]),
            );
            assert_ne!(
                base6,
                isn_ipv6(&KEY_C, saddr, daddr, sport, dport),
                "IPv6 byte {i}"
            );
        }
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

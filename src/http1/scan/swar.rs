//! Word-at-a-time (SWAR) scans: eight bytes per step in a `u64`, no intrinsics, so they run
//! the same on every target. Leaf parsers of the grammar in [`crate::http1::parse`]: the
//! request target's end, case-insensitive compares of header names and tokens, GUID digits.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

// Every SWAR mask below sets the high bit of each flagged byte, and its *lowest* flagged byte is
// exact: a borrow or carry only leaves a byte that is itself flagged, so the bytes below the
// first flagged one are computed as if alone. `trailing_zeros() / 8` is then the position of the
// first byte that fails, with no bytewise re-scan.

/// The 8 bytes of `s` from `i` as a little-endian word, if there are 8.
#[inline(always)]
pub(crate) fn word_at(s: &[u8], i: usize) -> Option<u64> {
    let chunk: [u8; 8] = s.get(i..i.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// Up to 8 bytes of `s` as a little-endian word, zero past the end. Two overlapping loads
/// instead of a variable-length copy (which compiles to a `memcpy` call).
#[inline(always)]
pub(crate) fn word_partial(s: &[u8]) -> u64 {
    match s.len() {
        8.. => word_at(s, 0).unwrap_or(0),
        4..=7 => {
            let lo = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            let n = s.len();
            let hi = u32::from_le_bytes([s[n - 4], s[n - 3], s[n - 2], s[n - 1]]);
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        }
        1..=3 => {
            let n = s.len();
            u64::from(s[0]) | (u64::from(s[n / 2]) << (8 * (n / 2))) | (u64::from(s[n - 1]) << (8 * (n - 1)))
        }
        0 => 0,
    }
}

/// Flags bytes outside `%x21-7E` (controls, SP, DEL, obs-text).
#[inline(always)]
fn not_visible(x: u64) -> u64 {
    // b - 0x21 has its high bit set for b < 0x21 (and b >= 0xA1); b + 1 for 0x7F..=0xFE; the
    // plain high bit covers the rest of obs-text. Borrows leave only b < 0x21, carries only 0xFF.
    (x.wrapping_sub(LO * 0x21) | x.wrapping_add(LO) | x) & HI
}

/// Length of the longest prefix of `s` no byte of which `bad` flags (see above: the lowest flag
/// is exact); the tail shorter than a word is read as the last 8 bytes, overlapping, with the
/// bytes already scanned masked off.
#[inline(always)]
fn prefix_len(s: &[u8], bad: impl Fn(u64) -> u64) -> usize {
    let mut i = 0;
    // Two words a step: most names and values end within 16 bytes, and the loop control is
    // then paid once.
    while let Some(pair) = s.get(i..i + 16) {
        let (a, b) = pair.split_at(8);
        let ma = bad(word_at(a, 0).unwrap_or(0));
        let mb = bad(word_at(b, 0).unwrap_or(0));
        if ma | mb != 0 {
            let at = if ma != 0 { ma.trailing_zeros() } else { 64 + mb.trailing_zeros() };
            return i + (at / 8) as usize;
        }
        i += 16;
    }
    while let Some(w) = word_at(s, i) {
        let m = bad(w);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i == s.len() {
        return i;
    }
    // Fewer than 8 bytes left: read the last 8 bytes (or the whole of a short `s`, zero-padded),
    // with the bytes already scanned masked off. They passed, so they neither carry nor borrow
    // into the bytes kept; flags on the zero padding lie past the end and are clamped.
    let (w, base) = match s.len().checked_sub(8) {
        Some(start) => (word_at(s, start).unwrap_or(0), start),
        None => (word_partial(s), 0),
    };
    match bad(w) & (u64::MAX << (8 * (i - base))) {
        0 => s.len(),
        m => (base + (m.trailing_zeros() / 8) as usize).min(s.len()),
    }
}

/// Length of the run of visible ASCII (`%x21-7E`) at the start of `s`.
#[inline]
pub(crate) fn visible_len(s: &[u8]) -> usize {
    prefix_len(s, not_visible)
}

/// `a` equals `b` ignoring ASCII case, eight bytes a step; exact for any bytes (only the 0x20
/// bit of ASCII letters may differ). Header names, packet types and range units go through it.
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (word_at(a, i), word_at(b, i)) {
        if !word_eq_ignore_case(x, y) {
            return false;
        }
        i += 8;
    }
    word_eq_ignore_case(word_partial(&a[i..]), word_partial(&b[i..]))
}

#[inline]
fn word_eq_ignore_case(x: u64, y: u64) -> bool {
    let diff = x ^ y;
    // Equal iff every differing bit is the case bit of a letter.
    diff == 0 || diff & !letter_case_bits(y) == 0
}

/// `0x20` at each byte of `w` that is an ASCII letter: OR-ing it in lower-cases those letters
/// and nothing else (for case-insensitive compares against a lower-cased constant).
#[inline(always)]
const fn letter_case_bits(w: u64) -> u64 {
    let lower = (w | (LO * 0x20)) & !HI;
    let ge_a = lower.wrapping_add(LO * (0x80 - 0x61)) & HI;
    let ge_brace = lower.wrapping_add(LO * (0x80 - 0x7b)) & HI;
    (ge_a & !ge_brace & !(w & HI)) >> 2
}

/// A constant ASCII string of up to `8 * W` bytes prepared for case-insensitive compares by
/// words: `lower`, its lower-cased bytes as little-endian words (zero-padded); `case`, `0x20` at
/// each letter; `mask`, `0xFF` at each of its bytes. Words `w` of a string of the same length
/// spell it, ignoring ASCII case, iff `(w & mask) | case == lower` word by word: OR-ing `0x20`
/// into a letter position accepts exactly the two cases of that letter, and every other
/// position compares exactly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Folded<const W: usize> {
    lower: [u64; W],
    case: [u64; W],
    mask: [u64; W],
}

impl<const W: usize> Folded<W> {
    pub(crate) const fn new(s: &str) -> Self {
        let s = s.as_bytes();
        assert!(s.len() <= 8 * W, "string too long for its word count");
        let mut f = Self { lower: [0; W], case: [0; W], mask: [0; W] };
        let mut j = 0;
        while j < s.len() {
            let shift = 8 * (j % 8);
            f.lower[j / 8] |= (s[j].to_ascii_lowercase() as u64) << shift;
            f.mask[j / 8] |= 0xff << shift;
            if s[j].is_ascii_alphabetic() {
                f.case[j / 8] |= 0x20 << shift;
            }
            j += 1;
        }
        f
    }

    /// `true` if `w`, the words of a string as long as this one (bytes past it ignored),
    /// spells it ignoring ASCII case.
    #[inline(always)]
    pub(crate) fn matches(&self, w: &[u64; W]) -> bool {
        let mut diff = 0;
        let mut k = 0;
        while k < W {
            diff |= ((w[k] & self.mask[k]) | self.case[k]) ^ self.lower[k];
            k += 1;
        }
        diff == 0
    }
}

/// The first `W` words of `s`, zero past its end.
#[inline(always)]
pub(crate) fn words<const W: usize>(s: &[u8]) -> [u64; W] {
    match s.get(..8 * W) {
        Some(head) => core::array::from_fn(|k| word_at(head, 8 * k).unwrap_or(0)),
        None => core::array::from_fn(|k| s.get(8 * k..).map_or(0, word_partial)),
    }
}

/// Four words of eight hex digits each (the first digit in the lowest byte, as loaded from
/// text) as one 128-bit number, the first word most significant; `None` if any byte is not a
/// hex digit. Each lane is branch-free and they are only combined at the end, so the compiler
/// runs two lanes at once in SSE2 registers (safe code, no intrinsics): a GUID is 32 digits.
#[inline]
pub(crate) fn hex32(w: [u64; 4]) -> Option<u128> {
    let mut bad = 0;
    let mut v = [0u64; 4];
    for k in 0..4 {
        let x = w[k];
        // Bytes below 0x80 do not carry across bytes in these range checks; the others are
        // flagged by their own high bit.
        let in_range = |v: u64, lo: u8, hi: u8| {
            v.wrapping_add(LO * u64::from(0x80 - lo)) & !v.wrapping_add(LO * u64::from(0x7f - hi))
        };
        let ok = in_range(x, b'0', b'9') | in_range(x | (LO * 0x20), b'a', b'f');
        bad |= x | !ok;
        // Digit values: the low nibble, plus 9 for letters (bit 6 set); no byte overflows.
        let letter = (x >> 6) & LO;
        let d = (x & (LO * 0x0f)) + (letter << 3) + letter;
        // Pack pairwise, most significant digit first: bytes, then 16-bit, then 32-bit lanes.
        let d = ((d << 4) | (d >> 8)) & 0x00ff_00ff_00ff_00ff;
        let d = ((d << 8) | (d >> 16)) & 0x0000_ffff_0000_ffff;
        v[k] = ((d << 16) | (d >> 32)) & 0xffff_ffff;
    }
    if bad & HI != 0 {
        return None;
    }
    Some(v.iter().fold(0u128, |n, &g| (n << 32) | u128::from(g)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http1::syntax::is_visible;
    #[test]
    fn swar_scans_agree_with_the_byte_tables() {
        // Every byte value at every position of runs of every length up to 20 (full words, the
        // overlapping last word, the zero-padded short run), each after every byte value in the
        // position before it (a borrow or carry out of that byte), against the plain definition.
        for len in 1..=40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let befores: &[u8] =
                        if len <= 20 { &[b'a', 0x00, 0x09, 0x20, 0x3a, 0x7f, 0x80, 0xff] } else { &[b'a', 0xff] };
                    for &before in befores {
                        let mut s = [b'a'; 40];
                        let s = &mut s[..len];
                        s[at] = b;
                        if at > 0 && before != b'a' {
                            s[at - 1] = before;
                        }
                        let want = s.iter().position(|&c| !is_visible(c)).unwrap_or(len);
                        assert_eq!(visible_len(s), want, "visible byte {b:#x} at {at} of {len}");
                    }
                }
            }
        }
        assert_eq!(visible_len(b""), 0);
    }

    #[test]
    fn word_partial_is_the_zero_padded_load() {
        let s: Vec<u8> = (1..=9).collect();
        for len in 0..=8 {
            let mut want = [0u8; 8];
            want[..len].copy_from_slice(&s[..len]);
            assert_eq!(word_partial(&s[..len]), u64::from_le_bytes(want), "{len}");
        }
        assert_eq!(word_partial(&s), word_at(&s, 0).unwrap());
    }

    #[test]
    fn hex32_matches_the_plain_parse_for_every_byte() {
        let plain = |s: &[u8]| {
            s.iter()
                .all(u8::is_ascii_hexdigit)
                .then(|| u128::from_str_radix(core::str::from_utf8(s).unwrap(), 16).unwrap())
        };
        let base = *b"0123abcd89ABCDEFfFfF0000deadBEEF";
        // Every byte value at every position, alone and with a digit after it (a carry or
        // borrow upwards would show there).
        for at in 0..32 {
            for b in 0..=255u8 {
                for next in [None, Some(b'0'), Some(b'f')] {
                    let mut s = base;
                    s[at] = b;
                    if let (Some(c), true) = (next, at < 31) {
                        s[at + 1] = c;
                    }
                    let w = core::array::from_fn(|k| u64::from_le_bytes(s[8 * k..8 * k + 8].try_into().unwrap()));
                    assert_eq!(hex32(w), plain(&s), "{b:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn folded_compare_is_exact_for_every_byte() {
        const F: Folded<2> = Folded::new("Ab-9zZ[@`{x");
        let base = *b"Ab-9zZ[@`{x";
        for at in 0..base.len() {
            for b in 0..=255u8 {
                let mut s = base;
                s[at] = b;
                let want = s.eq_ignore_ascii_case(&base);
                assert_eq!(F.matches(&words::<2>(&s)), want, "{b:#x} at {at}");
                let mut long = s.to_vec();
                long.extend_from_slice(b"trailing bytes");
                assert_eq!(F.matches(&words::<2>(&long)), want, "{b:#x} at {at}, with a tail");
            }
        }
    }

    #[test]
    fn case_folding_compare_is_exact_for_every_byte_pair() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let want = a.eq_ignore_ascii_case(&b);
                for at in [0, 5, 8, 12] {
                    let mut x = *b"Content-Range-Xy";
                    let mut y = x;
                    x[at] = a;
                    y[at] = b;
                    assert_eq!(
                        eq_ignore_ascii_case(&x[..13.max(at + 1)], &y[..13.max(at + 1)]),
                        want,
                        "{a:#x} {b:#x} at {at}"
                    );
                }
            }
        }
        // Every length, so that the word loop and the zero-padded tail both run.
        let a = b"Content-Range-Xy-Content-Range-Xy";
        for len in 0..=a.len() {
            let upper = a[..len].to_ascii_uppercase();
            assert!(eq_ignore_ascii_case(&a[..len], &upper), "{len}");
            if len > 0 {
                let mut other = upper.clone();
                other[len - 1] ^= 0x01;
                assert!(!eq_ignore_ascii_case(&a[..len], &other), "{len}");
            }
        }
        assert!(eq_ignore_ascii_case(b"BITS-PACKET-TYPE", b"bits-packet-type"));
        assert!(!eq_ignore_ascii_case(b"BITS-PACKET-TYP", b"bits-packet-type"));
    }
}

//! Where the field lines of a head break: every `:` and every byte that cannot be part of a
//! field value (a control other than HTAB, or DEL; CR and LF among them), found 64 bytes at a
//! time and kept as two bit masks.
//!
//! Why masks: the field-line loop needs, per line, the first colon and the first such byte.
//! Scanning for each with word-at-a-time arithmetic made every line's start depend on a long
//! chain of dependent operations on the line before it; with the masks classified up front,
//! finding a position is a shift and a `trailing_zeros`, and the classification of a block
//! does not depend on the line walk at all.
//!
//! The block classifier is [`super::classify`]: SSE2 on x86-64, the byte table elsewhere.

use super::classify;
#[cfg(test)]
use super::portable::classify_bytes;
#[cfg(test)]
use crate::http1::syntax::is_field_byte;

/// The masks of one 64-byte block of the input, loaded on demand as positions are looked up.
#[derive(Debug, Clone)]
pub(crate) struct Breaks<'a> {
    input: &'a [u8],
    /// Offset in `input` of the block the masks describe.
    base: usize,
    /// Bit `i`: `input[base + i]` is `:`.
    colons: u64,
    /// Bit `i`: `input[base + i]` is not a field byte, or HTAB (handled by the caller, which
    /// goes on after it), or the zero padding past the end of a short input.
    stops: u64,
}

impl<'a> Breaks<'a> {
    /// The masks for `input`, with the block at `from` loaded.
    pub(crate) fn new(input: &'a [u8], from: usize) -> Self {
        let mut b = Self { input, base: 0, colons: 0, stops: 0 };
        b.load(from);
        b
    }

    /// Position of the first `:` at or after `from`, or `input.len()` if there is none
    /// (`from` itself if it lies past the end).
    #[inline(always)]
    pub(crate) fn colon(&mut self, from: usize) -> usize {
        self.find(from, |b| b.colons)
    }

    /// Position of the first byte at or after `from` that is not a field byte or is HTAB, or
    /// `input.len()` if there is none (`from` itself if it lies past the end).
    #[inline(always)]
    pub(crate) fn stop(&mut self, from: usize) -> usize {
        self.find(from, |b| b.stops)
    }

    /// End of the run of field bytes (HTAB, SP, VCHAR, obs-text) that starts at `from`.
    #[inline(always)]
    pub(crate) fn field_end(&mut self, mut from: usize) -> usize {
        loop {
            let p = self.stop(from);
            match self.input.get(p) {
                // HTAB is a field byte the stop mask flags (it is a control): go on after it.
                Some(b'\t') => from = p + 1,
                _ => return p,
            }
        }
    }

    #[inline(always)]
    fn find(&mut self, start: usize, mask: impl Fn(&Self) -> u64) -> usize {
        let mut from = start;
        loop {
            let off = from.wrapping_sub(self.base);
            if off < 64 {
                let m = mask(self) >> off;
                if m != 0 {
                    // A short input is zero-padded, and zero is a stop: a stop is never found
                    // past `input.len()`, and a colon never in the padding.
                    return from + m.trailing_zeros() as usize;
                }
                from = self.base + 64;
            }
            if from >= self.input.len() {
                return start.max(self.input.len());
            }
            self.load(from);
        }
    }

    /// Classify the 64 bytes from `from`, or the last 64 bytes of the input if fewer remain
    /// (positions before `from` are never asked for again by a forward walk, and a backward
    /// lookup reloads), or the whole of an input shorter than a block, zero-padded.
    #[inline(never)]
    fn load(&mut self, from: usize) {
        let len = self.input.len();
        let (base, (colons, stops)) = match len.checked_sub(64) {
            Some(last) => {
                let base = from.min(last);
                let block: &[u8; 64] = self.input[base..base + 64].try_into().unwrap_or(&[0; 64]);
                (base, classify(block))
            }
            None => {
                let mut block = [0u8; 64];
                block[..len].copy_from_slice(self.input);
                (0, classify(&block))
            }
        };
        *self = Self { input: self.input, base, colons, stops };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_classifiers_agree_for_every_byte_at_every_position() {
        for at in 0..64 {
            for b in 0..=255u8 {
                let mut block = [b'a'; 64];
                block[at] = b;
                block[(at + 17) % 64] = b':';
                assert_eq!(classify(&block), classify_bytes(&block), "{b:#x} at {at}");
            }
        }
    }

    /// The plain definitions, for every start position of inputs around the block size.
    #[test]
    fn lookups_match_the_plain_scans() {
        let line = b"Name: va\tl:ue\r\nX:\x7f\r\n\r\n";
        for len in [0, 1, 5, 23, 63, 64, 65, 127, 128, 129, 200] {
            let input: Vec<u8> = line.iter().copied().cycle().take(len).collect();
            for from in 0..=len + 2 {
                let tail = input.get(from..).unwrap_or_default();
                let colon = tail.iter().position(|&c| c == b':').map_or(len.max(from), |p| from + p);
                let stop =
                    tail.iter().position(|&c| !is_field_byte(c) || c == b'\t').map_or(len.max(from), |p| from + p);
                // Fresh masks, and masks loaded elsewhere (forward and backward of `from`).
                for start in [0, from.saturating_sub(70), from, len] {
                    let mut b = Breaks::new(&input, start.min(len));
                    assert_eq!(b.colon(from), colon, "colon from {from} of {len}, loaded at {start}");
                    let mut b = Breaks::new(&input, start.min(len));
                    assert_eq!(b.stop(from), stop, "stop from {from} of {len}, loaded at {start}");
                }
            }
        }
    }
}

//! The fast path of every body decode: a strict JSON reader that implements
//! [`serde::Deserializer`], so the very same [`Object`](super::Object) impls, seeds and visitors
//! run over it as over `serde_json`. It allocates nothing itself, except the copy of a string
//! with escapes, as `serde_json` does.
//!
//! It only ever *succeeds* on input that the `serde_json` path accepts with the same value, and
//! gives up ([`GiveUp`]) on everything else, so that the caller re-runs the `serde_json` path,
//! which produces the exact error kind and offset. It gives up on: input that is not UTF-8
//! anywhere (validated once up front, instead of once per string as `serde_json` does); a
//! member name with an escape; a number other than a plain `u64` where a value is read; nesting
//! past [`MAX_JSON_DEPTH`](super::MAX_JSON_DEPTH); any syntax error; any error a visitor
//! raises. Its grammar is `serde_json`'s minus those cases: whitespace is `' ' \t \n \r`;
//! strings hold no byte below 0x20 and only the JSON escapes (`\u` surrogates paired in a
//! string that is read); numbers are `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`; no
//! trailing commas; nothing but whitespace after the document.
//!
//! Why a second reader: `serde_json` spends most of a Graph body's decode in per-string work
//! (UTF-8 validation of every key and value, one call each) and in its generic tokenizer; for
//! the 100-200 byte bodies Graph sends that overhead alone is more than half of what
//! `serde_json` into owned structs costs. The visitors' logic (case-insensitive keys,
//! duplicates, `null` = absent, typed values) is shared, not duplicated. `differential.rs`
//! checks the two paths against each other, and under cargo-fuzz every decode does.

use core::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::MAX_JSON_DEPTH;

/// The fast path does not handle this input: re-run the `serde_json` path.
#[derive(Debug)]
pub(super) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl core::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// A cursor over one JSON document, known to be UTF-8.
pub(super) struct Reader<'de> {
    text: &'de str,
    pos: usize,
    /// Open objects and arrays around the cursor.
    depth: usize,
}

/// Index of the first `"`, `\\` or control byte at or after `i` (or `b.len()`): strings are
/// most of a Graph body. Sixteen bytes a step with SSE2 where there is (x86-64, through
/// `safe_arch`, as in `http::breaks`), then eight at a time.
#[inline]
fn string_end(b: &[u8], i: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    let i = {
        let mut i = i;
        while let Some(chunk) = b.get(i..i + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
            let m = string_stops16(chunk);
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i += 16;
        }
        i
    };
    string_end_words(b, i)
}

/// A bit per byte of `chunk` that is `"`, `\\` or below 0x20.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn string_stops16(chunk: &[u8; 16]) -> u32 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let x = load_unaligned_m128i(chunk);
    // `min(x, 0x1f) == x` is `x <= 0x1f`, unsigned (no obs-text byte).
    let control = cmp_eq_mask_i8_m128i(min_u8_m128i(x, set_splat_i8_m128i(0x1f)), x);
    let quote = cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b'"' as i8));
    let backslash = cmp_eq_mask_i8_m128i(x, set_splat_i8_m128i(b'\\' as i8));
    move_mask_i8_m128i(bitor_m128i(control, bitor_m128i(quote, backslash))) as u32
}

/// [`string_end`] eight bytes at a time, then byte by byte.
#[inline]
fn string_end_words(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        // Bytes below 0x20, equal to `"`, equal to `\\` (Mycroft's zero-byte test on each). A
        // borrow can only flag bytes above a true hit, so the lowest flag is exact.
        let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
        let q = w ^ (ONES * u64::from(b'"'));
        let q = q.wrapping_sub(ONES) & !q;
        let bs = w ^ (ONES * u64::from(b'\\'));
        let bs = bs.wrapping_sub(ONES) & !bs;
        let hits = (ctrl | q | bs) & (ONES << 7);
        if hits != 0 {
            return i + hits.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The value of the four hex digits at `b[at..]` (`\uXXXX`).
fn hex4(b: &[u8], at: usize) -> Result<u16, GiveUp> {
    let digits = b.get(at..at + 4).ok_or(GiveUp)?;
    digits.iter().try_fold(0u16, |n, &d| Ok(n << 4 | u16::from(char::from(d).to_digit(16).ok_or(GiveUp)? as u8)))
}

impl<'de> Reader<'de> {
    /// A reader over `input`, or `None` if it is not UTF-8 (one validation for the whole body:
    /// every string slice handed out is then a `&str` without another check).
    pub(super) fn new(input: &'de [u8]) -> Option<Self> {
        let text = core::str::from_utf8(input).ok()?;
        Some(Self { text, pos: 0, depth: 0 })
    }

    #[inline]
    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// Skip whitespace; the next byte, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        match self.bytes().get(self.pos) {
            // Every whitespace byte is at most `' '`: one compare for the common case.
            Some(&c) if c > b' ' => Some(c),
            _ => self.skip_whitespace(),
        }
    }

    fn skip_whitespace(&mut self) -> Option<u8> {
        let rest = &self.bytes()[self.pos..];
        let n = rest.iter().position(|c| !matches!(c, b' ' | b'\n' | b'\t' | b'\r')).unwrap_or(rest.len());
        self.pos += n;
        rest.get(n).copied()
    }

    /// Skip whitespace and consume `c`.
    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), GiveUp> {
        if self.peek() != Some(c) {
            return Err(GiveUp);
        }
        self.pos += 1;
        Ok(())
    }

    /// Nothing but whitespace may follow the document.
    pub(super) fn end(&mut self) -> Result<(), GiveUp> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(GiveUp),
        }
    }

    /// The text of a member name whose opening quote is consumed; a name with an escape (never
    /// seen) is left to `serde_json`.
    #[inline]
    fn string(&mut self) -> Result<&'de str, GiveUp> {
        let start = self.pos;
        let end = string_end(self.bytes(), start);
        if self.bytes().get(end) != Some(&b'"') {
            return Err(GiveUp);
        }
        self.pos = end + 1;
        // Both ends are next to an ASCII quote, so on char boundaries: this never fails.
        self.text.get(start..end).ok_or(GiveUp)
    }

    /// A string value whose opening quote is consumed, handed to `visitor` as `serde_json`
    /// does: borrowed from the input, or (with escapes) as the unescaped copy.
    #[inline]
    fn string_value<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, GiveUp> {
        let start = self.pos;
        let end = string_end(self.bytes(), start);
        match self.bytes().get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                visitor.visit_borrowed_str(self.text.get(start..end).ok_or(GiveUp)?)
            }
            // Every visitor here treats an owned string as `serde_json`'s copied `&str`.
            Some(b'\\') => visitor.visit_string(self.unescape()?),
            _ => Err(GiveUp),
        }
    }

    /// The unescaped text of a string whose opening quote is consumed, under `serde_json`'s
    /// rules for a string read as `str`: the JSON escapes, `\u` surrogates only in valid
    /// pairs. Rare (Graph writes `\u0027` in some messages, `\/` in some URLs), so it may
    /// allocate: one `String` sized from the escaped length, which bounds the unescaped one.
    #[cold]
    fn unescape(&mut self) -> Result<String, GiveUp> {
        let (b, start) = (self.bytes(), self.pos);
        self.skip_string()?;
        let mut out = String::with_capacity(self.pos - start - 1);
        let (mut i, mut copied) = (start, start);
        loop {
            i = string_end(b, i);
            // `i` and `copied` are next to ASCII bytes, so on char boundaries.
            out.push_str(self.text.get(copied..i).ok_or(GiveUp)?);
            match b.get(i) {
                Some(b'"') => return Ok(out),
                Some(b'\\') => {}
                // Refused by `skip_string` already; kept for a reader of this loop alone.
                _ => return Err(GiveUp),
            }
            let (c, len) = match b.get(i + 1) {
                Some(b'"') => ('"', 2),
                Some(b'\\') => ('\\', 2),
                Some(b'/') => ('/', 2),
                Some(b'b') => ('\u{8}', 2),
                Some(b'f') => ('\u{c}', 2),
                Some(b'n') => ('\n', 2),
                Some(b'r') => ('\r', 2),
                Some(b't') => ('\t', 2),
                Some(b'u') => match hex4(b, i + 2)? {
                    0xdc00..=0xdfff => return Err(GiveUp),
                    lead @ 0xd800..=0xdbff => {
                        if b.get(i + 6..i + 8) != Some(b"\\u") {
                            return Err(GiveUp);
                        }
                        let trail = hex4(b, i + 8)?;
                        if !(0xdc00..=0xdfff).contains(&trail) {
                            return Err(GiveUp);
                        }
                        let c = 0x10000 + ((u32::from(lead) - 0xd800) << 10) + (u32::from(trail) - 0xdc00);
                        (char::from_u32(c).ok_or(GiveUp)?, 12)
                    }
                    n => (char::from_u32(n.into()).ok_or(GiveUp)?, 6),
                },
                _ => return Err(GiveUp),
            };
            out.push(c);
            i += len;
            copied = i;
        }
    }

    /// Skip a string whose opening quote is consumed, escapes included.
    fn skip_string(&mut self) -> Result<(), GiveUp> {
        let b = self.bytes();
        loop {
            let i = string_end(b, self.pos);
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos = i + 2,
                    Some(b'u') if b.get(i + 2..i + 6).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => {
                        self.pos = i + 6;
                    }
                    _ => return Err(GiveUp),
                },
                _ => return Err(GiveUp),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let b = self.bytes();
        let start = self.pos;
        while b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Skip a number of any form (its value is not wanted).
    fn skip_number(&mut self) -> Result<(), GiveUp> {
        let b = self.bytes();
        if b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(GiveUp),
        }
        if b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(GiveUp);
            }
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(GiveUp);
            }
        }
        // `01` is not JSON; a digit here can only follow a leading zero.
        if b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// A non-negative integer that fits in 64 bits, without fraction or exponent (what
    /// `serde_json` hands to `visit_u64`); every other number is left to `serde_json`.
    fn u64(&mut self) -> Result<u64, GiveUp> {
        let b = self.bytes();
        let start = self.pos;
        let mut n = 0u64;
        while let Some(&d) = b.get(self.pos).filter(|d| d.is_ascii_digit()) {
            n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0'))).ok_or(GiveUp)?;
            self.pos += 1;
        }
        let len = self.pos - start;
        let leading_zero = len > 1 && b[start] == b'0';
        if len == 0 || leading_zero || matches!(b.get(self.pos), Some(b'.' | b'e' | b'E')) {
            return Err(GiveUp);
        }
        Ok(n)
    }

    /// Consume `word` (`null`, `true`, `false`).
    fn literal(&mut self, word: &[u8]) -> Result<(), GiveUp> {
        if !self.bytes()[self.pos..].starts_with(word) {
            return Err(GiveUp);
        }
        self.pos += word.len();
        Ok(())
    }

    /// Open an object or array (its bracket is next): the depth cap is checked here, so the
    /// recursion of the visitors and of [`skip_value`](Self::skip_value) is bounded too.
    #[inline]
    fn open(&mut self) -> Result<(), GiveUp> {
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return Err(GiveUp);
        }
        self.pos += 1;
        Ok(())
    }

    /// Skip one value of any shape (an unknown member, an array item nobody reads).
    fn skip_value(&mut self) -> Result<(), GiveUp> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.skip_string()
            }
            Some(b'{') => {
                self.open()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.expect(b'"')?;
                        self.skip_string()?;
                        self.expect(b':')?;
                        self.skip_value()?;
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(GiveUp),
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            Some(b'[') => {
                self.open()?;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_value()?;
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(GiveUp),
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'-' | b'0'..=b'9') => self.skip_number(),
            _ => Err(GiveUp),
        }
    }
}

/// The members of an object whose `{` is consumed.
struct Map<'r, 'de> {
    r: &'r mut Reader<'de>,
    first: bool,
    /// The closing `}` is consumed.
    done: bool,
}

impl<'de> MapAccess<'de> for Map<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, GiveUp> {
        let r = &mut *self.r;
        match r.peek() {
            Some(b'}') => {
                r.pos += 1;
                self.done = true;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                r.pos += 1;
                r.expect(b'"')?;
            }
            Some(b'"') if self.first => r.pos += 1,
            _ => return Err(GiveUp),
        }
        self.first = false;
        let key = r.string()?;
        r.expect(b':')?;
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        seed.deserialize(&mut *self.r)
    }
}

/// The items of an array whose `[` is consumed.
struct Seq<'r, 'de> {
    r: &'r mut Reader<'de>,
    first: bool,
    /// The closing `]` is consumed.
    done: bool,
}

impl<'de> SeqAccess<'de> for Seq<'_, 'de> {
    type Error = GiveUp;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, GiveUp> {
        let r = &mut *self.r;
        match r.peek() {
            Some(b']') => {
                r.pos += 1;
                self.done = true;
                return Ok(None);
            }
            Some(b',') if !self.first => r.pos += 1,
            Some(_) if self.first => {}
            _ => return Err(GiveUp),
        }
        self.first = false;
        seed.deserialize(&mut *self.r).map(Some)
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string_value(visitor)
            }
            Some(b'{') => {
                self.open()?;
                let mut map = Map { r: self, first: true, done: false };
                let v = visitor.visit_map(&mut map)?;
                // `serde_json` refuses a map its visitor left unread; so does this reader.
                if !map.done {
                    return Err(GiveUp);
                }
                self.depth -= 1;
                Ok(v)
            }
            Some(b'[') => {
                self.open()?;
                let mut seq = Seq { r: self, first: true, done: false };
                let v = visitor.visit_seq(&mut seq)?;
                if !seq.done {
                    return Err(GiveUp);
                }
                self.depth -= 1;
                Ok(v)
            }
            Some(b'n') => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            Some(b't') => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            Some(b'0'..=b'9') => visitor.visit_u64(self.u64()?),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        if self.peek() != Some(b'"') {
            return Err(GiveUp);
        }
        self.pos += 1;
        self.string_value(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of strings of every length up to 40 (the 16-byte
    /// steps, the 8-byte steps, the byte tail), from several starts, against the definition.
    #[test]
    fn string_end_matches_the_plain_scan_for_every_byte() {
        let plain = |s: &[u8], i: usize| {
            s[i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map_or(s.len(), |p| i + p)
        };
        for len in 1..=40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = [b'a'; 40];
                    let s = &mut s[..len];
                    s[at] = b;
                    for from in [0, 1, 7, 9, 17] {
                        if from <= len {
                            assert_eq!(string_end(s, from), plain(s, from), "{b:#x} at {at} of {len} from {from}");
                            assert_eq!(string_end_words(s, from), plain(s, from), "{b:#x} at {at} of {len}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn string_end_finds_the_first_stop_byte_in_any_lane() {
        for len in 0..24 {
            for stop in [b'"', b'\\', 0x00, 0x1f] {
                let mut s = vec![b'a'; len];
                s.push(stop);
                s.extend_from_slice(b"\"\\\x01");
                assert_eq!(string_end(&s, 0), len, "{len} {stop}");
            }
            // Bytes that must not stop: 0x20, 0x7f, non-ASCII.
            let s = [b' ', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'].repeat(3);
            assert_eq!(string_end(&s[..len], 0), len);
        }
    }
}

//! The JSON machinery every Graph body shares, over `serde`:
//!
//! - one reader, `serde_json`, driven through the [`Document`] trait (see [`run`]), with
//!   nesting bounded to [`MAX_JSON_DEPTH`] (below `serde_json`'s own 128) as if checked
//!   before the read: see [`run`] for how that costs nothing on a typical body. A Graph body
//!   is read once per fragment of at least 320 KiB, so a faster hand-written reader would save
//!   no user anything measurable and every body type would have to be kept right twice;
//! - members matched ASCII case-insensitively (`nextExpectedRanges` / `NextExpectedRanges`,
//!   `innerError` / `innererror`, `AttachmentItem` / `attachmentItem`), unknown members and
//!   `@…` annotations skipped, a member given twice refused;
//! - strings borrowed from the input (`Cow::Borrowed`) unless an escape forces a copy;
//! - typed errors: a visitor that rejects a value records its [`JsonErrorKind`] and offset in
//!   the shared [`Ctx`] (serde errors can only carry text), and [`run`] turns that back into
//!   [`InvalidKind::Json`] with its offset;
//! - exact-length compact encoding through a counting writer.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;

use bytes::BufMut;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::datetime::DateTimeOffset;
use super::range_spec::RangeSpec;
use crate::error::{DecodeError, InvalidKind, InvalidMessage, JsonErrorKind};
use crate::http1::syntax::{word_at, word_partial};
use crate::limits::MAX_JSON_DEPTH;

/// Shared state of one decode: the input (to turn borrowed strings into offsets), the first
/// typed failure, the member being read (to name a type error), and what the visitors saw of
/// the nesting (see [`run`]).
pub(crate) struct Ctx<'de> {
    base: &'de [u8],
    failure: Cell<Option<(JsonErrorKind, Option<usize>)>>,
    /// The innermost member whose value failed, named as the failure unwinds.
    field: Cell<Option<&'static str>>,
    /// Objects and arrays a visitor opened (a bound on the depth of what they read).
    opened: Cell<usize>,
    /// Whether a value was skipped unread (`IgnoredAny`): its nesting is unknown.
    skipped: Cell<bool>,
}

impl<'de> Ctx<'de> {
    fn new(base: &'de [u8]) -> Self {
        Self { base, failure: Cell::new(None), field: Cell::new(None), opened: Cell::new(0), skipped: Cell::new(false) }
    }

    /// A visitor opened an object or an array.
    pub(crate) fn open(&self) {
        self.opened.set(self.opened.get() + 1);
    }

    /// A value is skipped without a visitor seeing inside it.
    pub(crate) fn skip(&self) {
        self.skipped.set(true);
    }

    /// `true` if the visitors saw every container, and so few that the document cannot nest
    /// deeper than [`MAX_JSON_DEPTH`].
    fn shallow(&self) -> bool {
        !self.skipped.get() && self.opened.get() <= MAX_JSON_DEPTH
    }

    /// Record a typed failure (the first one wins: it is the innermost) and return the serde
    /// error that unwinds the deserializer.
    pub(crate) fn fail<E: de::Error>(&self, kind: JsonErrorKind, at: Option<usize>) -> E {
        if self.failure.get().is_none() {
            self.failure.set(Some((kind, at)));
        }
        E::custom(kind)
    }

    /// Offset of `s` in the input, when `s` is borrowed from it.
    pub(crate) fn offset_of(&self, s: &str) -> Option<usize> {
        let (p, b) = (s.as_ptr().addr(), self.base.as_ptr().addr());
        (p >= b && p + s.len() <= b + self.base.len()).then(|| p - b)
    }

    /// Name the member whose value failed to read, unless a member inside it was named first
    /// (the innermost is the one a type error is about). Called on the way out of a failure
    /// only, so a value read without trouble costs nothing here.
    #[cold]
    fn failed_in(&self, key: &'static str) {
        if self.field.get().is_none() {
            self.field.set(Some(key));
        }
    }

    fn convert(&self, e: &serde_json::Error) -> DecodeError {
        use serde_json::error::Category;
        let pos = position(self.base, e.line(), e.column());
        match self.failure.get() {
            Some((kind, at)) => invalid(kind, at.unwrap_or(pos)),
            None => match e.classify() {
                Category::Data => invalid(JsonErrorKind::Type(self.field.get().unwrap_or("body")), pos),
                Category::Eof => DecodeError::INCOMPLETE,
                Category::Syntax | Category::Io => invalid(JsonErrorKind::Syntax, pos),
            },
        }
    }
}

/// Byte offset of `serde_json`'s 1-based line and column (the column counts bytes).
fn position(input: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match input[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(input.len())
}

/// Refuse JSON nested deeper than [`MAX_JSON_DEPTH`]: one pass over the bytes, strings
/// skipped, nothing allocated. (Syntax is `serde_json`'s business; [`run`] says when this
/// runs.)
///
/// Real Graph bodies open a handful of containers, so the exact scan runs only when the input
/// holds more opening brackets than the limit ([`openers`]): fewer cannot nest deeper, and
/// counting them costs a fraction of the scan (it needs no state from byte to byte, so it runs
/// eight bytes at a time). The answer, its kind and its offset are the scan's in every case.
pub(crate) fn check_depth(input: &[u8]) -> Result<(), DecodeError> {
    if openers(input) <= MAX_JSON_DEPTH {
        return Ok(());
    }
    check_depth_exact(input)
}

/// Bytes of `input` that are `{` or `[`, inside strings too: a bound on the nesting depth.
///
/// Eight bytes a step in a `u64` (no byte depends on the one before, unlike the exact scan):
/// `{` is `0x7B` and `[` is `0x5B`, so OR-ing `0x20` into every byte turns exactly these two
/// into `0x7B`, and XOR with `0x7B` leaves a zero byte for each opener. A zero byte is flagged
/// exactly (no carry crosses bytes: `(b & 0x7F) + 0x7F` is at most `0xFE`), and the flags add
/// up in the word's byte lanes, summed per block of 248 bytes (multiplying by `0x0101…01`
/// adds every lane into the top byte; at most 248 flags, so the sum fits it).
fn openers(input: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let flags = |w: u64| {
        let e = (w | (0x20 * LO)) ^ (b'{' as u64 * LO);
        !(((e & (0x7F * LO)) + 0x7F * LO) | e) & HI
    };
    let mut n = 0;
    for block in input.chunks(31 * 8) {
        let mut lanes = 0u64;
        let mut words = block.chunks_exact(8);
        for w in &mut words {
            lanes += flags(u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))) >> 7;
        }
        // The last bytes, zero-padded (a zero byte is not an opener).
        let mut last = [0u8; 8];
        last.iter_mut().zip(words.remainder()).for_each(|(d, s)| *d = *s);
        lanes += flags(u64::from_le_bytes(last)) >> 7;
        n += (lanes.wrapping_mul(LO) >> 56) as usize;
    }
    n
}

/// [`check_depth`]'s scan: depth tracked byte by byte, strings skipped.
fn check_depth_exact(input: &[u8]) -> Result<(), DecodeError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in input.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(invalid(JsonErrorKind::TooDeep, i));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A JSON document type, read from `serde_json`'s deserializer (the trait keeps each type's
/// reading generic over [`Deserializer`], so a body type is written once, as seeds and visitors).
pub(crate) trait Document<'de> {
    /// The decoded value.
    type Value: PartialEq + fmt::Debug;
    /// Read the whole value from `d` (a visitor's typed failure goes to `ctx`).
    fn read<D: Deserializer<'de>>(ctx: &Ctx<'de>, d: D) -> Result<Self::Value, D::Error>;
}

/// Decode one JSON document `T` that fills `input`: `serde_json` with strings borrowed from
/// `input`, then nothing but whitespace may follow.
///
/// A document nested deeper than [`MAX_JSON_DEPTH`] is [`JsonErrorKind::TooDeep`] at its first
/// bracket past the limit, whatever else is wrong with it: the answer of [`check_depth`] run
/// before the read. The scan runs after the read instead, and only when its answer could
/// differ from the read's: when the read failed (`serde_json` stops at depth 128, so a deeper
/// document never recurses further), or when it succeeded but the visitors did not see every
/// container, or saw more than the limit. A typical body (a session, an error) opens a few
/// containers, all of them typed, and is never scanned.
///
/// A document cut short (`serde_json`'s end-of-input category: `{"a":1`, `"ab`, nothing at
/// all) is [`DecodeError::Incomplete`]: more bytes could still make it valid. A body inside a
/// message is complete by its framing; [`in_message`] turns that into a syntax error there.
pub(crate) fn run<'de, T: Document<'de>>(input: &'de [u8]) -> Result<T::Value, DecodeError> {
    let ctx = Ctx::new(input);
    let mut de = serde_json::Deserializer::from_slice(input);
    match T::read(&ctx, &mut de).and_then(|v| de.end().map(|()| v)) {
        Ok(v) if ctx.shallow() => Ok(v),
        Ok(v) => check_depth(input).map(|()| v),
        Err(e) => {
            check_depth(input)?;
            Err(ctx.convert(&e))
        }
    }
}

/// A JSON value's failure before it has a place in a message: what, and the offset within
/// the text read (a range item, a timestamp). [`Ctx::fail`] moves it to the body's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub(crate) kind: JsonErrorKind,
    pub(crate) offset: usize,
}

impl JsonError {
    pub(crate) const fn new(kind: JsonErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }
}

impl From<JsonError> for InvalidMessage {
    fn from(e: JsonError) -> Self {
        Self { kind: InvalidKind::Json(e.kind), offset: e.offset }
    }
}

/// A JSON failure of `kind` at `offset`.
pub(crate) fn invalid(kind: JsonErrorKind, offset: usize) -> DecodeError {
    DecodeError::invalid(InvalidKind::Json(kind), offset)
}

/// The error of a JSON body that starts at `body_at` in a message and is `body_len` bytes
/// long, from the error of the body decoded alone: offsets move by `body_at`, and a body that
/// ends too soon is a syntax error at its end (the message's framing says no more bytes
/// belong to it).
pub(crate) fn in_message(e: DecodeError, body_at: usize, body_len: usize) -> DecodeError {
    match e {
        DecodeError::Invalid(m) => DecodeError::invalid(m.kind, m.offset + body_at),
        _ => invalid(JsonErrorKind::Syntax, body_at + body_len),
    }
}

/// A document that is any JSON value, skipped (to tell valid JSON from a syntax error).
struct AnyValue;

impl<'de> Document<'de> for AnyValue {
    type Value = ();
    fn read<D: Deserializer<'de>>(ctx: &Ctx<'de>, d: D) -> Result<(), D::Error> {
        ctx.skip();
        IgnoredAny::deserialize(d).map(drop)
    }
}

/// A document that must be the object `T`.
struct ObjectDocument<T>(PhantomData<T>);

impl<'de, T: Object<'de>> Document<'de> for ObjectDocument<T> {
    type Value = T::Output;
    fn read<D: Deserializer<'de>>(ctx: &Ctx<'de>, d: D) -> Result<T::Output, D::Error> {
        match ObjectSeed::<T>::new(ctx).deserialize(d)? {
            Some(v) => Ok(v),
            // `null`: never reached, `run_object` sends only documents starting with `{` here.
            None => Err(ctx.fail(JsonErrorKind::NotAnObject, None)),
        }
    }
}

/// Decode a document whose top level must be the object `T`.
pub(crate) fn run_object<'de, T: Object<'de>>(input: &'de [u8]) -> Result<T::Output, DecodeError> {
    let first = input.iter().position(|b| !b" \t\r\n".contains(b));
    if let Some(at) = first.filter(|&at| input[at] != b'{') {
        // Valid JSON of another kind is "not an object"; anything else is a syntax error.
        run::<AnyValue>(input)?;
        return Err(invalid(JsonErrorKind::NotAnObject, at));
    }
    run::<ObjectDocument<T>>(input)
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

/// A JSON object type read member by member.
pub(crate) trait Object<'de>: Default {
    /// The typed value built once every member is read.
    type Output: PartialEq + fmt::Debug;
    /// Member names this type reads, canonical spelling (matched ASCII case-insensitively).
    /// At most 64.
    const KEYS: &'static [&'static str];
    /// [`KEYS`](Self::KEYS) prepared for matching (computed, never written by hand).
    const KEY_TABLE: &'static KeyTable = &KeyTable::new(Self::KEYS);
    /// Read the value of the member `KEYS[key]`.
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error>;
    /// Check required members and build.
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<Self::Output, E>;
}

/// Longest member name an [`Object`] may read, plus one.
const MAX_KEY_LEN: usize = 48;
/// Most members an [`Object`] may read.
const MAX_KEYS: usize = 16;
/// Words a key of up to `MAX_KEY_LEN - 1` bytes takes.
const KEY_WORDS: usize = MAX_KEY_LEN.div_ceil(8);

/// An object's member names prepared for matching: for each length, the set (a bit per index)
/// of the keys of that length, so a member name is compared with the one or two keys of its
/// length only; and each key as words for a case-insensitive compare without a byte loop.
pub(crate) struct KeyTable {
    by_len: [u64; MAX_KEY_LEN],
    folded: [FoldedKey; MAX_KEYS],
}

impl KeyTable {
    const fn new(keys: &[&str]) -> Self {
        assert!(keys.len() <= MAX_KEYS, "too many keys for KeyTable");
        let mut t = Self { by_len: [0; MAX_KEY_LEN], folded: [FoldedKey::EMPTY; MAX_KEYS] };
        let mut i = 0;
        while i < keys.len() {
            assert!(keys[i].len() < MAX_KEY_LEN, "key too long for KeyTable");
            t.by_len[keys[i].len()] |= 1 << i;
            t.folded[i] = FoldedKey::new(keys[i].as_bytes());
            i += 1;
        }
        t
    }
}

/// A key as the words a name of its length is read in (from offsets 0, 8, 16, ... and, for
/// the last, `len - 8`, overlapping; one zero-padded word under 8 bytes), lower-cased, with
/// `0x20` at each letter in `case`: a name of the same length spells the key, ignoring ASCII
/// case, iff `word | case == lower` for every word. OR-ing `0x20` into a letter position
/// accepts exactly the two cases of that letter; every other position compares exactly.
#[derive(Clone, Copy)]
struct FoldedKey {
    lower: [u64; KEY_WORDS],
    case: [u64; KEY_WORDS],
}

impl FoldedKey {
    const EMPTY: Self = Self { lower: [0; KEY_WORDS], case: [0; KEY_WORDS] };

    const fn new(key: &[u8]) -> Self {
        let mut f = Self::EMPTY;
        let n = key.len();
        let words = if n < 8 { 1 } else { n.div_ceil(8) };
        let mut k = 0;
        while k < words {
            // The word's first byte: 8k, except the last word of a long key, which ends at n.
            let start = if n >= 8 && k == words - 1 { n - 8 } else { 8 * k };
            let mut j = 0;
            while j < 8 && start + j < n {
                let b = key[start + j];
                f.lower[k] |= (b.to_ascii_lowercase() as u64) << (8 * j);
                if b.is_ascii_alphabetic() {
                    f.case[k] |= 0x20 << (8 * j);
                }
                j += 1;
            }
            k += 1;
        }
        f
    }

    /// `true` if `v`, as long as this key, spells it ignoring ASCII case.
    #[inline(always)]
    fn matches(&self, v: &[u8]) -> bool {
        let n = v.len();
        if n < 8 {
            return word_partial(v) | self.case[0] == self.lower[0];
        }
        let last = n.div_ceil(8) - 1;
        let mut k = 0;
        while k < last {
            if word_at(v, 8 * k).unwrap_or(0) | self.case[k] != self.lower[k] {
                return false;
            }
            k += 1;
        }
        word_at(v, n - 8).unwrap_or(0) | self.case[last] == self.lower[last]
    }
}

struct KeySeed {
    table: &'static KeyTable,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(key_index(self.table, v))
    }
}

/// The index of `key` among an object's keys, ASCII case-insensitively (one word compare
/// per candidate of its length). Inlined into each object's key visitor: as a call, its
/// prologue and epilogue cost as much as the compare.
#[inline(always)]
fn key_index(table: &KeyTable, key: &str) -> Option<usize> {
    let mut candidates = table.by_len.get(key.len()).copied().unwrap_or(0);
    while candidates != 0 {
        let i = candidates.trailing_zeros() as usize;
        if table.folded[i].matches(key.as_bytes()) {
            return Some(i);
        }
        candidates &= candidates - 1;
    }
    None
}

pub(crate) fn read_object<'de, T: Object<'de>, A: MapAccess<'de>>(
    ctx: &Ctx<'de>,
    mut map: A,
) -> Result<T::Output, A::Error> {
    ctx.open();
    let mut value = T::default();
    let mut seen = 0u64;
    while let Some(key) = map.next_key_seed(KeySeed { table: T::KEY_TABLE })? {
        match key {
            Some(k) => {
                if seen & (1 << k) != 0 {
                    return Err(ctx.fail(JsonErrorKind::DuplicateKey(T::KEYS[k]), None));
                }
                seen |= 1 << k;
                if let Err(e) = value.member(ctx, k, &mut map) {
                    ctx.failed_in(T::KEYS[k]);
                    return Err(e);
                }
            }
            None => {
                ctx.skip();
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    value.finish(ctx)
}

/// An object member (or document): `null` is `None`, another non-object is a type error.
pub(crate) struct ObjectSeed<'c, 'de, T> {
    ctx: &'c Ctx<'de>,
    _t: PhantomData<T>,
}

impl<'c, 'de, T> ObjectSeed<'c, 'de, T> {
    pub(crate) fn new(ctx: &'c Ctx<'de>) -> Self {
        Self { ctx, _t: PhantomData }
    }
}

impl<'de, T: Object<'de>> DeserializeSeed<'de> for ObjectSeed<'_, 'de, T> {
    type Value = Option<T::Output>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Object<'de>> Visitor<'de> for ObjectSeed<'_, 'de, T> {
    type Value = Option<T::Output>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        read_object::<T, A>(self.ctx, map).map(Some)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars (`null` is `None` for every one)
// ---------------------------------------------------------------------------------------------

/// A string member, borrowed unless an escape forced a copy.
pub(crate) struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(String::from(v))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A non-negative integer member.
pub(crate) struct U64Seed<'c, 'de>(pub(crate) &'c Ctx<'de>);

impl<'de> DeserializeSeed<'de> for U64Seed<'_, 'de> {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for U64Seed<'_, 'de> {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // `serde_json` reads an integer beyond u64 as a float.
        if v.fract() == 0.0 && v >= 18_446_744_073_709_551_615.0 {
            Err(self.0.fail(JsonErrorKind::NumberOverflow, None))
        } else {
            // A type error, named after its member on the way out (see `Ctx::failed_in`).
            Err(E::invalid_type(de::Unexpected::Float(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A boolean member.
pub(crate) struct BoolSeed;

impl<'de> DeserializeSeed<'de> for BoolSeed {
    type Value = Option<bool>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoolSeed {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A strict RFC 3339 timestamp member.
pub(crate) struct DateSeed<'c, 'de>(pub(crate) &'c Ctx<'de>);

impl<'de> DeserializeSeed<'de> for DateSeed<'_, 'de> {
    type Value = Option<DateTimeOffset<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let ctx = self.0;
        let Some(s) = StrSeed.deserialize(d)? else { return Ok(None) };
        match DateTimeOffset::check(&s) {
            Ok(()) => Ok(Some(DateTimeOffset::from_validated(s))),
            Err(e) => Err(ctx.fail(e.kind, ctx.offset_of(&s).map(|at| at + e.offset))),
        }
    }
}

/// A `nextExpectedRanges` array. The vector is the only allocation of a progress body.
pub(crate) struct RangesSeed<'c, 'de>(pub(crate) &'c Ctx<'de>);

impl<'de> DeserializeSeed<'de> for RangesSeed<'_, 'de> {
    type Value = Option<Vec<RangeSpec>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RangesSeed<'_, 'de> {
    type Value = Option<Vec<RangeSpec>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of range strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.0.open();
        // `[]` allocates nothing; otherwise allocate directly the capacity (4) a first `push`
        // would grow an empty vector to, without going through the growth path.
        let Some(first) = seq.next_element_seed(RangeItemSeed(self.0))? else { return Ok(Some(Vec::new())) };
        let mut out = Vec::with_capacity(4);
        out.push(first);
        while let Some(r) = seq.next_element_seed(RangeItemSeed(self.0))? {
            out.push(r);
        }
        Ok(Some(out))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

struct RangeItemSeed<'c, 'de>(&'c Ctx<'de>);

impl<'de> DeserializeSeed<'de> for RangeItemSeed<'_, 'de> {
    type Value = RangeSpec;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RangeSpec, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RangeItemSeed<'_, 'de> {
    type Value = RangeSpec;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a range string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RangeSpec, E> {
        RangeSpec::read(v).map_err(|e| self.0.fail(e.kind, self.0.offset_of(v).map(|at| at + e.offset)))
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes of the compact JSON of `v` (counted, not written: nothing is allocated).
pub(crate) fn json_len<T: Serialize + ?Sized>(v: &T) -> usize {
    let mut c = Counter(0);
    // Serializing these types cannot fail (string keys only, no I/O error from `Counter`).
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Append the compact JSON of `v`.
pub(crate) fn write_json<T: Serialize + ?Sized, B: BufMut>(v: &T, out: &mut B) {
    let _ = serde_json::to_writer(out.writer(), v);
}

/// `impl Encode` (compact JSON, exact length) for a body type.
macro_rules! encode_as_json {
    ($($ty:ident),*) => {$(
        impl $crate::codec::Encode for $ty<'_> {
            fn encode<B: bytes::BufMut>(&self, out: &mut B) {
                $crate::graph::json::write_json(self, out);
            }
            fn encoded_len(&self) -> usize {
                $crate::graph::json::json_len(self)
            }
        }
    )*};
}
pub(crate) use encode_as_json;

/// A JSON document decoded alone (a body already cut out of its message, a file): the whole
/// input is the document, so `consumed` is `input.len()`. A body longer than
/// [`DecodeOptions::max_body_len`](crate::DecodeOptions::max_body_len) is refused before it is
/// read.
pub(crate) fn decode_document<'de, T: Document<'de>>(
    input: &'de [u8],
    opts: &crate::options::DecodeOptions,
) -> Result<(T::Value, usize), DecodeError> {
    if opts.max_body_len.is_some_and(|max| input.len() as u64 > max) {
        return Err(DecodeError::invalid(InvalidKind::BodyTooLarge, 0));
    }
    run::<T>(input).map(|v| (v, input.len()))
}

/// [`decode_document`] for a document whose top level must be the object `T`.
pub(crate) fn decode_object<'de, T: Object<'de>>(
    input: &'de [u8],
    opts: &crate::options::DecodeOptions,
) -> Result<(T::Output, usize), DecodeError> {
    if opts.max_body_len.is_some_and(|max| input.len() as u64 > max) {
        return Err(DecodeError::invalid(InvalidKind::BodyTooLarge, 0));
    }
    run_object::<T>(input).map(|v| (v, input.len()))
}

/// `impl Decode` for a body type whose top level is the JSON object read by `$fields`.
macro_rules! decode_as_json_object {
    ($($ty:ident => $fields:ident),*) => {$(
        /// Decodes the JSON document that fills the input (`consumed` is the input's length);
        /// a document cut short is [`DecodeError::Incomplete`](crate::DecodeError::Incomplete),
        /// any other failure [`InvalidKind::Json`](crate::InvalidKind::Json) at the offending
        /// byte.
        impl<'a> $crate::codec::Decode<'a> for $ty<'a> {
            fn decode_with(
                input: &'a [u8],
                opts: &$crate::options::DecodeOptions,
            ) -> Result<(Self, usize), $crate::error::DecodeError> {
                $crate::graph::json::decode_object::<$fields<'a>>(input, opts)
            }
        }
    )*};
}
pub(crate) use decode_as_json_object;

/// The JSON failure inside `e` (tests: the kind and offset in one comparable value).
#[cfg(test)]
pub(crate) fn json_error(e: DecodeError) -> JsonError {
    match e.invalid_message() {
        Some(&InvalidMessage { kind: InvalidKind::Json(kind), offset }) => JsonError::new(kind, offset),
        _ => panic!("not a JSON error: {e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openers_counts_both_brackets_everywhere() {
        assert_eq!(openers(b""), 0);
        assert_eq!(openers(br#"{"a":"[{"}"#), 3);
        // 0x5B and 0x7B only, not the bytes one bit away.
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(openers(&all), 2);
        for shift in 0..8 {
            let v: Vec<u8> = (0..=255u8).cycle().skip(shift).take(2048).collect();
            assert_eq!(openers(&v), v.iter().filter(|&&b| b == b'{' || b == b'[').count());
        }
        for n in [0usize, 7, 8, 9, 31, 32, 33, 64, 65, 100, 247, 248, 249, 256, 1000, 5000] {
            let v: Vec<u8> = (0..n).map(|i| if i % 3 == 0 { b'[' } else { b'}' }).collect();
            assert_eq!(openers(&v), n.div_ceil(3), "{n}");
        }
    }

    #[test]
    fn depth_check_agrees_with_the_exact_scan() {
        let cases = [
            "[".repeat(MAX_JSON_DEPTH),
            "[".repeat(MAX_JSON_DEPTH + 1),
            "[]".repeat(MAX_JSON_DEPTH + 1),
            format!(r#"{{"a":"{}"}}"#, "[".repeat(40)),
            format!("{}{}", "{\"a\":".repeat(MAX_JSON_DEPTH), "[1]"),
            format!("{}{}", "{\"a\":".repeat(MAX_JSON_DEPTH), "1"),
        ];
        for c in cases {
            assert_eq!(check_depth(c.as_bytes()), check_depth_exact(c.as_bytes()), "{c}");
        }
    }

    /// What [`run`] answered when the scan ran before every read.
    fn scan_first<'de, T: Document<'de>>(input: &'de [u8]) -> Result<T::Value, DecodeError> {
        check_depth(input).and_then(|()| run::<T>(input))
    }

    #[test]
    fn nesting_is_refused_as_if_scanned_before_the_read() {
        use crate::graph::odata_error::Envelope;
        use crate::graph::response_body::TopDocument;
        use crate::graph::upload_session::SessionObject;
        let n = MAX_JSON_DEPTH;
        let (open, close) = ("[".repeat(n + 1), "]".repeat(n + 1));
        let inner = |d: usize| format!("{}{}", r#"{"innerError":"#.repeat(d), "}".repeat(d));
        let cases = [
            format!("{open}{close}"),
            open.clone(),
            "[".repeat(1_000_000),
            format!("{}{}", "[".repeat(n), "]".repeat(n)),
            format!("{}{}", "[".repeat(n - 1), "]".repeat(n - 1)),
            format!(r#"{{"x":{open}{close},"nextExpectedRanges":["0-"]}}"#),
            format!(r#"{{"x":{open}{close},"nextExpectedRanges":["5-3"]}}"#),
            format!(r#"{{"nextExpectedRanges":["5-3"],"x":{open}{close}}}"#),
            format!(r#"{{"nextExpectedRanges":["0-"],,"x":{open}"#),
            format!(r#"{{"uploadUrl":5,"x":{open}{close}}}"#),
            format!(r#"{{"x":"{open}","nextExpectedRanges":[]}}"#),
            format!(r#"{{"x":{open}{close}}} x"#),
            format!(r#"{{"error":{{"code":"c","innerError":{}}}}}"#, inner(n - 3)),
            format!(r#"{{"error":{{"code":"c","innerError":{}}}}}"#, inner(n - 2)),
            format!(r#"{{"error":{{"code":"c","innerError":{}}}}}"#, inner(n - 1)),
            format!(r#"{{"error":{{"code":"c","innerError":{}}}}}"#, inner(200)),
            format!(r#"{{"error":{{"code":5,"innerError":{}}}}}"#, inner(n)),
            format!(r#"{{"id":"1","file":{open}{close}}}"#),
            format!(r#"[{{"a":1}},{open}{close}]"#),
            format!("[{}{}]", "{\"a\":".repeat(n), "1".to_owned() + &"}".repeat(n)),
            "[".repeat(n) + "1" + &"]".repeat(n - 1) + ",",
        ];
        for c in &cases {
            let b = c.as_bytes();
            assert_eq!(
                run::<ObjectDocument<SessionObject<'_>>>(b),
                scan_first::<ObjectDocument<SessionObject<'_>>>(b),
                "{c:.80}"
            );
            assert_eq!(
                run::<ObjectDocument<Envelope<'_>>>(b),
                scan_first::<ObjectDocument<Envelope<'_>>>(b),
                "{c:.80}"
            );
            assert_eq!(run::<TopDocument>(b), scan_first::<TopDocument>(b), "{c:.80}");
            assert_eq!(run::<AnyValue>(b), scan_first::<AnyValue>(b), "{c:.80}");
        }
    }

    #[test]
    fn a_type_error_names_the_innermost_member() {
        use crate::codec::Decode;
        use crate::graph::{CreateSessionBody, ODataError, UploadSession};
        let kind = |e: DecodeError| json_error(e).kind;
        let odata = |j: &str| kind(ODataError::decode(j.as_bytes()).unwrap_err());
        assert_eq!(odata(r#"{"error":{"code":"c","innerError":{"code":5}}}"#), JsonErrorKind::Type("code"));
        assert_eq!(odata(r#"{"error":{"code":"c","innerError":{"date":[]}}}"#), JsonErrorKind::Type("date"));
        assert_eq!(odata(r#"{"error":{"code":"c","innerError":7}}"#), JsonErrorKind::Type("innerError"));
        assert_eq!(odata(r#"{"x":1,"error":{"code":"c","message":{}}}"#), JsonErrorKind::Type("message"));
        let session = |j: &str| kind(UploadSession::decode(j.as_bytes()).unwrap_err());
        assert_eq!(session(r#"{"uploadUrl":"u","expirationDateTime":1}"#), JsonErrorKind::Type("expirationDateTime"));
        let create = |j: &str| kind(CreateSessionBody::decode(j.as_bytes()).unwrap_err());
        assert_eq!(create(r#"{"item":{"fileSize":1.5}}"#), JsonErrorKind::Type("fileSize"));
        assert_eq!(create(r#"{"item":{"fileSize":-1}}"#), JsonErrorKind::Type("fileSize"));
        assert_eq!(create(r#"{"item":{"fileSize":18446744073709551616}}"#), JsonErrorKind::NumberOverflow);
    }

    #[test]
    fn depth_scan_skips_strings_and_counts_both_brackets() {
        assert!(check_depth(br#"{"a":"[[[[{{{{"}"#).is_ok());
        let deep = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert!(check_depth(deep.as_bytes()).is_ok());
        let deeper = "[".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(check_depth(deeper.as_bytes()), Err(invalid(JsonErrorKind::TooDeep, MAX_JSON_DEPTH)));
        assert!(check_depth(br#"{"a\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{":1}"#).is_ok());
    }

    #[test]
    fn key_matching_is_eq_ignore_ascii_case() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let (ka, kb) = ([b'x', a], [b'x', b]);
                let (Ok(ka), Ok(kb)) = (core::str::from_utf8(&ka), core::str::from_utf8(&kb)) else { continue };
                let expected = ka.eq_ignore_ascii_case(kb).then_some(0);
                assert_eq!(key_index(&KeyTable::new(&[ka]), kb), expected, "{a:#x} {b:#x}");
            }
        }
        // Every key length (each word layout), a difference at every position, byte pairs
        // around the letters and bit 5 (ASCII only: keys and names are text here; every byte
        // pair is covered above).
        let bytes: Vec<u8> = [0x00, 0x01, 0x1f, 0x20, 0x21, b'-', 0x3f, b'@', b'A', b'M', b'Z', b'[', b'_', b'`']
            .into_iter()
            .chain([b'a', b'm', b'z', b'{', 0x7e, 0x7f])
            .collect();
        for n in 1..MAX_KEY_LEN {
            let base: Vec<u8> = b"aZ0-@`[{_~xQyRzS9 mN".iter().copied().cycle().take(n).collect();
            for i in 0..n {
                for &x in &bytes {
                    let mut k = base.clone();
                    k[i] = x;
                    let folded = FoldedKey::new(&k);
                    for &y in &bytes {
                        let mut v = base.clone();
                        v[i] = y;
                        assert_eq!(folded.matches(&v), k.eq_ignore_ascii_case(&v), "{n} {i} {x:#x} {y:#x}");
                    }
                }
            }
        }
        let keys = ["code", "message", "request-id", "client-request-id", "date", "innerError"];
        let table = KeyTable::new(&keys);
        let index = |k| key_index(&table, k);
        assert_eq!(index("innererror"), Some(5));
        assert_eq!(index("INNERERROR"), Some(5));
        assert_eq!(index("Request-ID"), Some(2));
        assert_eq!(index("DATE"), Some(4));
        assert_eq!(index("request_id"), None);
        assert_eq!(index("dates"), None);
        assert_eq!(index(""), None);
        assert_eq!(index(&"x".repeat(MAX_KEY_LEN + 5)), None);
    }

    #[test]
    fn positions_are_byte_offsets() {
        assert_eq!(position(b"ab\ncd\nef", 3, 2), 7);
        assert_eq!(position(b"abc", 1, 1), 0);
        assert_eq!(position(b"abc", 1, 0), 0);
    }
}

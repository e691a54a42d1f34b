//! [`Headers`]: every header field of a message, in wire order, names spelled as on the wire.
//!
//! A decoded message keeps the validated header block as one borrowed slice and walks it on
//! demand, so decoding allocates nothing however many headers there are. A built message keeps
//! a list. Both compare equal when they hold the same fields in the same order.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use bytes::BufMut;

use super::names::{KnownHeader, rank_of};
use super::syntax::trim_ows;
use super::values::{FieldName, FieldValue};

/// One header field, borrowed from a [`Headers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'h> {
    /// The name, as spelled on the wire.
    pub name: &'h str,
    /// The value, without surrounding whitespace.
    pub value: &'h [u8],
}

impl<'h> Field<'h> {
    /// The value as text, if it is UTF-8.
    pub fn value_str(&self) -> Option<&'h str> {
        core::str::from_utf8(self.value).ok()
    }

    /// The known header this name spells, if any.
    pub fn known(&self) -> Option<KnownHeader> {
        KnownHeader::find(self.name.as_bytes())
    }

    /// `true` if the name equals `other` ignoring ASCII case.
    pub fn is(&self, other: &str) -> bool {
        self.name.eq_ignore_ascii_case(other)
    }
}

#[derive(Clone)]
enum Repr<'a> {
    /// A header block that the decoder validated: `name ":" OWS value OWS (CRLF | LF)` lines,
    /// without the final empty line.
    Wire {
        block: &'a [u8],
        count: usize,
        /// Every line is `name: value CRLF`: the block is its own canonical encoding.
        canonical: bool,
    },
    List(Vec<(FieldName<'a>, FieldValue<'a>)>),
}

/// The header fields of a message, in order.
#[derive(Clone)]
pub struct Headers<'a> {
    repr: Repr<'a>,
}

impl Default for Headers<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Headers<'a> {
    /// No fields.
    pub const fn new() -> Self {
        Self { repr: Repr::List(Vec::new()) }
    }

    #[cfg_attr(not(feature = "graph"), allow(dead_code))] // the Graph messages keep their wire block
    pub(crate) fn from_wire(block: &'a [u8], count: usize) -> Self {
        Self { repr: Repr::Wire { block, count, canonical: false } }
    }

    /// The headers of a parsed head, keeping its "already canonical" flag for the encoder.
    pub(crate) fn from_head(h: &super::head::Head<'a>) -> Self {
        Self { repr: Repr::Wire { block: h.block, count: h.count, canonical: h.canonical } }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Wire { count, .. } => *count,
            Repr::List(l) => l.len(),
        }
    }

    /// `true` if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fields in order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Wire { block, .. } => Iter { inner: IterInner::Wire(block) },
            Repr::List(l) => Iter { inner: IterInner::List(l.iter()) },
        }
    }

    /// The first field named `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<Field<'_>> {
        self.iter().find(|f| f.is(name))
    }

    /// Every field named `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Field<'s>> + 's {
        self.iter().filter(move |f| f.is(name))
    }

    fn list_mut(&mut self) -> &mut Vec<(FieldName<'a>, FieldValue<'a>)> {
        if let Repr::Wire { .. } = self.repr {
            let list = self.iter().map(owned_field).collect();
            self.repr = Repr::List(list);
        }
        match &mut self.repr {
            Repr::List(l) => l,
            Repr::Wire { .. } => unreachable!("converted above"),
        }
    }

    /// Append a field at the end.
    pub fn push(&mut self, name: FieldName<'a>, value: FieldValue<'a>) {
        self.list_mut().push((name, value));
    }

    /// Put a field where the canonical order of built messages wants it ([`KnownHeader`]'s
    /// rank): after every field of the same or lower rank, before the first of a higher rank.
    /// If a field of that name exists already, its value is replaced in place instead.
    pub(crate) fn set_canonical(&mut self, name: &'static str, value: FieldValue<'a>) {
        let list = self.list_mut();
        if let Some(slot) = list.iter_mut().find(|(n, _)| n.as_str().eq_ignore_ascii_case(name)) {
            slot.1 = value;
            return;
        }
        let rank = rank_of(name);
        let at = list.iter().position(|(n, _)| rank_of(n.as_str()) > rank).unwrap_or(list.len());
        list.insert(at, (FieldName::unvalidated(name), value));
    }

    /// [`set_canonical`](Self::set_canonical) for a name of the known-header table, in its
    /// canonical spelling.
    pub(crate) fn set_known(&mut self, name: KnownHeader, value: FieldValue<'a>) {
        self.set_canonical(name.as_str(), value);
    }

    /// Insert a field after every field of the same or lower rank (no replacement).
    pub(crate) fn insert_ranked(&mut self, name: FieldName<'a>, value: FieldValue<'a>) {
        let rank = rank_of(name.as_str());
        let list = self.list_mut();
        let at = list.iter().position(|(n, _)| rank_of(n.as_str()) > rank).unwrap_or(list.len());
        list.insert(at, (name, value));
    }

    /// Insert a field at position `at` (clamped to the end).
    #[cfg_attr(not(feature = "graph"), allow(dead_code))] // Graph places its managed headers
    pub(crate) fn insert_at(&mut self, at: usize, name: FieldName<'a>, value: FieldValue<'a>) {
        let list = self.list_mut();
        list.insert(at.min(list.len()), (name, value));
    }

    /// Remove every field named `name`.
    pub(crate) fn remove(&mut self, name: &str) {
        self.list_mut().retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
    }

    /// Remove every field named `name` (any case).
    pub(crate) fn remove_known(&mut self, name: KnownHeader) {
        self.remove(name.as_str());
    }

    /// Bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        match &self.repr {
            Repr::Wire { block, canonical: true, .. } => block.len(),
            Repr::List(list) => list.iter().map(|(n, v)| n.as_bytes().len() + 2 + v.as_bytes().len() + 2).sum(),
            Repr::Wire { .. } => self.iter().map(|f| f.name.len() + 2 + f.value.len() + 2).sum(),
        }
    }

    /// Write every field as `name: value CRLF` (the final empty line is the caller's).
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        // A decoded block in canonical form is its own encoding: one copy, no re-parse.
        match &self.repr {
            Repr::Wire { block, canonical: true, .. } => return out.put_slice(block),
            // Built fields: names are kept as checked ASCII bytes, so no UTF-8 pass here.
            Repr::List(list) => {
                for (n, v) in list {
                    out.put_slice(n.as_bytes());
                    out.put_slice(b": ");
                    out.put_slice(v.as_bytes());
                    out.put_slice(b"\r\n");
                }
                return;
            }
            Repr::Wire { .. } => {}
        }
        for f in self.iter() {
            out.put_slice(f.name.as_bytes());
            out.put_slice(b": ");
            out.put_slice(f.value);
            out.put_slice(b"\r\n");
        }
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Headers<'static> {
        let list = self.iter().map(owned_field).collect();
        Headers { repr: Repr::List(list) }
    }
}

/// An owned copy of a field. No re-validation: the field came from a validated block or
/// list, and a decoded value may be longer than the builders' 4 KiB when the caller raised
/// `max_value_len`.
fn owned_field(f: Field<'_>) -> (FieldName<'static>, FieldValue<'static>) {
    (FieldName::owned_unvalidated(String::from(f.name)), FieldValue::from_cow_unvalidated(Cow::Owned(f.value.to_vec())))
}

impl PartialEq for Headers<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers<'_> {}

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|h| (h.name, String::from_utf8_lossy(h.value)))).finish()
    }
}

use alloc::string::String;

impl<'h> IntoIterator for &'h Headers<'_> {
    type Item = Field<'h>;
    type IntoIter = Iter<'h>;
    fn into_iter(self) -> Iter<'h> {
        self.iter()
    }
}

/// Iterator over [`Headers`].
#[derive(Debug, Clone)]
pub struct Iter<'h> {
    inner: IterInner<'h>,
}

#[derive(Debug, Clone)]
enum IterInner<'h> {
    Wire(&'h [u8]),
    List(core::slice::Iter<'h, (FieldName<'h>, FieldValue<'h>)>),
}

impl<'h> Iterator for Iter<'h> {
    type Item = Field<'h>;

    fn next(&mut self) -> Option<Field<'h>> {
        match &mut self.inner {
            IterInner::List(it) => it.next().map(|(n, v)| Field { name: n.as_str(), value: v.as_bytes() }),
            IterInner::Wire(rest) => {
                if rest.is_empty() {
                    return None;
                }
                // Validated: every line has a colon and ends in LF; values hold no CR or LF.
                let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let line = &rest[..end];
                *rest = rest.get(end + 1..).unwrap_or_default();
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
                let name = core::str::from_utf8(&line[..colon]).unwrap_or_default();
                let value = trim_ows(line.get(colon + 1..).unwrap_or_default());
                Some(Field { name, value })
            }
        }
    }
}

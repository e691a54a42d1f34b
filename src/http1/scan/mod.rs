//! The hand-written scans: the only code in the HTTP/1.1 layer that is not written as grammar.
//! Each is a leaf that a rule of the grammar calls where a byte-by-byte `take_while`
//! measured slower (the field-line loop is most of a decode: see `benches/README.md`).
//!
//! - [`Breaks`]: the colons and line ends of a head, classified 64 bytes at a time into bit
//!   masks; the classifier is SSE2 on x86-64 ([`sse2`]) and the byte table elsewhere
//!   ([`portable`]), and a test checks that the two agree for every byte at every position.
//! - [`swar`]: eight bytes a step in a `u64` (request-target length, case-insensitive compares
//!   of names and tokens, the 32 hex digits of a GUID), the same on every target.
//!
//! The split follows httparse's `src/simd/`: the fast scans apart from the grammar, each with a
//! portable fallback.

mod breaks;
mod portable;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2;
mod swar;

pub(crate) use breaks::Breaks;
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use portable::classify_bytes as classify;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
use sse2::classify;
pub(crate) use swar::{Folded, eq_ignore_ascii_case, hex32, visible_len, words};
#[cfg(feature = "graph")]
pub(crate) use swar::{word_at, word_partial};

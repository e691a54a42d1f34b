//! [`RangeError`]: why the upload arithmetic ([`RangeSet`](super::RangeSet),
//! [`FragmentPlanner`](super::FragmentPlanner)) refused its input.
//!
//! Decoding has no error type of its own here: a Graph message or JSON body fails with the
//! crate's [`DecodeError`](crate::DecodeError), a JSON problem being
//! [`InvalidKind::Json`](crate::InvalidKind::Json) with the offset of the offending byte. The
//! arithmetic is not decoding (its inputs are values already decoded, or numbers a caller
//! chose), so it keeps this small error of its own, the way building a value has
//! [`ValidationError`](crate::ValidationError).

use core::fmt;

/// Why the upload arithmetic refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// A file of 0 bytes: upload sessions cannot carry one. The only range that could name
    /// its bytes, `bytes 0-0/0`, names a byte past the end (RFC 9110 §14.4 requires
    /// last-pos < complete-length) and the service refuses it; upload an empty file with a
    /// simple `PUT` to `…/content` instead.
    ZeroTotal,
    /// A `nextExpectedRanges` item that starts at or after the end of the file.
    StartBeyondTotal {
        /// The item's start.
        start: u64,
        /// The file size.
        total: u64,
    },
    /// A `Content-Range` whose total is not the session's file size (the service answers
    /// `fragmentLengthMismatch`).
    TotalMismatch {
        /// The session's file size.
        expected: u64,
        /// The range's total.
        found: u64,
    },
    /// A fragment length of 0, above the variant's maximum, or (driveItem) not a multiple of
    /// 320 KiB.
    FragmentLen(u64),
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroTotal => f.write_str("a file of 0 bytes cannot be uploaded in a session"),
            Self::StartBeyondTotal { start, total } => {
                write!(f, "range starts at {start}, not before the end of the {total}-byte file")
            }
            Self::TotalMismatch { expected, found } => {
                write!(f, "range declares a total of {found} bytes, the session is for {expected}")
            }
            Self::FragmentLen(n) => write!(f, "fragment length {n} is not allowed for this variant"),
        }
    }
}

impl core::error::Error for RangeError {}

//! The HTTP/1.1 message grammar (RFC 9112 §2–§5, RFC 9110 §5) as `nom` parsers, one function
//! per ABNF rule and named after it, each with its rule in the doc comment. Streaming: a rule
//! that runs out of input answers `Incomplete`, never an error, so a truncated head is "read
//! more", and an error carries the remaining input, from which the byte offset is computed.
//!
//! ```text
//! HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//! start-line   = request-line / status-line
//! ```
//!
//! The rules call the hand-written scans of [`super::scan`] where those measured faster (the
//! end of the request target, the colon and end of each field line); the field-line loop that
//! composes them into a head is [`super::head::head`].

use nom::{Err as NomErr, IResult, Needed, Offset};

use crate::error::{DecodeError, InvalidKind};

mod field_line;
mod number;
mod start_line;

pub(crate) use field_line::field_line;
pub(crate) use number::content_length;
pub(crate) use number::decimal;
pub(crate) use start_line::{StartLine, request_line, status_line};

/// nom's error for this crate: where, and which class of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PError<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) kind: InvalidKind,
}

impl<'a> nom::error::ParseError<&'a [u8]> for PError<'a> {
    fn from_error_kind(input: &'a [u8], _: nom::error::ErrorKind) -> Self {
        // Every call site names its own kind through `expect`; this is only the placeholder.
        Self { input, kind: InvalidKind::RequestLine }
    }
    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, O> = IResult<&'a [u8], O, PError<'a>>;

/// The error of a rule: `kind` at the start of `input`. Cold: every rule's error path goes
/// through it, and marking it so keeps those paths out of the hot head loop the rules are
/// inlined into (measured with callgrind: 30 to 60 fewer instructions per head).
#[cold]
pub(crate) fn fail<'a, O>(input: &'a [u8], kind: InvalidKind) -> PResult<'a, O> {
    Err(NomErr::Error(PError { input, kind }))
}

/// The edge between the grammar and the crate's error: `Incomplete` keeps nom's count, an
/// error becomes its kind at the offset of the input it stopped at.
pub(crate) fn to_decode_error(input: &[u8], e: NomErr<PError<'_>>) -> DecodeError {
    match e {
        NomErr::Incomplete(Needed::Size(n)) => DecodeError::Incomplete { needed: Some(n) },
        NomErr::Incomplete(Needed::Unknown) => DecodeError::INCOMPLETE,
        NomErr::Error(pe) | NomErr::Failure(pe) => DecodeError::invalid(pe.kind, input.offset(pe.input)),
    }
}

/// [`to_decode_error`] for a rule run on a field value that starts at offset `at` of the message.
#[cold]
pub(crate) fn value_error(value: &[u8], at: usize, e: NomErr<PError<'_>>) -> DecodeError {
    match e {
        NomErr::Error(pe) | NomErr::Failure(pe) => DecodeError::invalid(pe.kind, at + value.offset(pe.input)),
        NomErr::Incomplete(_) => DecodeError::INCOMPLETE,
    }
}

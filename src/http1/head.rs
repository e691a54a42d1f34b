//! The HTTP/1.1 head (RFC 9112 §2–§5): the start-line rules of [`super::parse`], then the
//! field lines, with the same streaming contract (a truncated head is `Incomplete`, never an
//! error).
//!
//! One pass over the head: the start line, then each field line is checked, classified against
//! the known-header table, and handed to a [`FieldSink`] (the BITS or plain-HTTP collector).
//! The field lines, the hot path, are a hand-written loop with the same streaming contract as
//! the combinators; it finds each line's colon and end in the bit masks of [`Breaks`].
//! Message framing (`Content-Length`, `Transfer-Encoding`) is decided here, once, for everyone.
//!
//! ```text
//! request-line = method SP request-target SP HTTP-version CRLF
//! status-line  = HTTP-version SP status-code [ SP reason-phrase ] CRLF
//! field-line   = field-name ":" OWS field-value OWS CRLF
//! ```

use nom::Offset;

use super::names::KnownHeader;
pub(crate) use super::parse::StartLine;
use super::parse::{self, field_line, request_line, status_line, to_decode_error, value_error};
use super::scan::Breaks;
use crate::error::{DecodeError, InvalidKind, InvalidMessage};
use crate::options::DecodeOptions;

/// One validated header line, handed to a [`FieldSink`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldLine<'a> {
    /// The name, as spelled on the wire.
    #[cfg_attr(not(feature = "graph"), allow(dead_code))] // read by the Graph collectors
    pub(crate) name: &'a [u8],
    /// Without surrounding OWS.
    pub(crate) value: &'a [u8],
    pub(crate) name_at: usize,
    pub(crate) value_at: usize,
    pub(crate) known: Option<KnownHeader>,
}

/// Receives each header line of a head as it is parsed.
pub(crate) trait FieldSink<'a> {
    /// Called once the start line is read, so a wrong method or version is reported before
    /// the rest of the head arrives.
    fn start(&mut self, _start: &StartLine<'a>, _opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        Ok(())
    }
    fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage>;
    /// `true` if [`field`](Self::field) ignores every header [`KnownHeader`] does not know: the
    /// head then skips the call for those lines.
    fn known_only(&self) -> bool {
        false
    }
}

impl<'a> FieldSink<'a> for () {
    fn field(&mut self, _: &FieldLine<'a>, _: &DecodeOptions) -> Result<(), InvalidMessage> {
        Ok(())
    }
}

/// A parsed head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head<'a> {
    pub(crate) start: StartLine<'a>,
    /// The header lines, without the empty line that ends the head.
    pub(crate) block: &'a [u8],
    pub(crate) count: usize,
    /// Bytes from the start of the input through the empty line.
    pub(crate) len: usize,
    /// Offset of the empty line (where a missing header was expected).
    pub(crate) end_at: usize,
    /// `Content-Length`, with the offset of its value.
    pub(crate) content_length: Option<(u64, usize)>,
    /// Every header line is already `name: value CRLF` (one space, no trailing whitespace), so
    /// the block re-encodes to itself.
    pub(crate) canonical: bool,
}

/// The error of a field line: [`to_decode_error`], with a head that cannot end within the
/// limit reported as too large rather than incomplete.
#[cold]
fn line_error(input: &[u8], opts: &DecodeOptions, e: nom::Err<parse::PError<'_>>) -> DecodeError {
    match to_decode_error(input, e) {
        DecodeError::Incomplete { .. } if input.len() >= opts.max_head_len => {
            DecodeError::invalid(InvalidKind::HeadTooLarge, opts.max_head_len)
        }
        e => e,
    }
}

/// Which start line a head must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Request,
    Response,
}

/// Parse a head: start line, header lines, the empty line. Enforces the limits of `opts`,
/// rejects every framing shape two parsers could read two ways, and feeds each field to `sink`.
pub(crate) fn head<'a>(
    input: &'a [u8],
    dir: Direction,
    opts: &DecodeOptions,
    sink: &mut impl FieldSink<'a>,
) -> Result<Head<'a>, DecodeError> {
    // Never look past the head limit: a head that has not ended by then is an error, not a
    // reason to wait for more bytes.
    let capped = &input[..input.len().min(opts.max_head_len)];
    let too_large = |e: DecodeError| match e {
        DecodeError::Incomplete { .. } if input.len() >= opts.max_head_len => {
            DecodeError::invalid(InvalidKind::HeadTooLarge, opts.max_head_len)
        }
        e => e,
    };
    if let [b'\r' | b'\n' | b' ' | b'\t', ..] = capped {
        return Err(DecodeError::invalid(InvalidKind::LeadingWhitespace, 0));
    }
    let started = match dir {
        Direction::Request => request_line(capped, opts),
        Direction::Response => status_line(capped, opts),
    };
    let (rest, start) = started.map_err(|e| too_large(to_decode_error(input, e)))?;
    sink.start(&start, opts).map_err(DecodeError::Invalid)?;
    let incomplete = |needed: usize| {
        if input.len() >= opts.max_head_len {
            DecodeError::invalid(InvalidKind::HeadTooLarge, opts.max_head_len)
        } else {
            DecodeError::Incomplete { needed: core::num::NonZeroUsize::new(needed) }
        }
    };
    let invalid = DecodeError::invalid;
    let block_start = capped.offset(rest);
    let mut count = 0usize;
    let mut content_length: Option<(u64, usize)> = None;
    let mut canonical = true;
    // `*( field-line CRLF ) CRLF`: the repetition is this loop rather than a `many0`, because
    // each line's checks (count, length, framing) and its hand-over to the sink run as it is
    // read, with no list built; each line is the `field_line` rule. `at` is the offset of the
    // current line.
    let mut at = block_start;
    let mut breaks = Breaks::new(capped, block_start);
    loop {
        let line = &capped[at..];
        // One byte decides whether this is a field line; the empty line and the errors at a
        // line start are off the hot path.
        match line.first() {
            Some(b'\r' | b'\n') | None => {
                let end = match line {
                    [b'\r', b'\n', ..] => 2,
                    [b'\n', ..] if opts.allow_bare_lf => 1,
                    [b'\r'] | [] => return Err(incomplete(0)),
                    [b'\r', ..] => return Err(invalid(InvalidKind::BareCr, at)),
                    _ => return Err(invalid(InvalidKind::BareLf, at)),
                };
                return Ok(Head {
                    start,
                    block: &capped[block_start..at],
                    count,
                    len: at + end,
                    end_at: at,
                    content_length,
                    canonical,
                });
            }
            Some(b' ' | b'\t') => return Err(invalid(InvalidKind::ObsFold, at)),
            Some(_) => {}
        }
        // `field-line CRLF`, the rule of `parse::field_line`, with the colon and the line end
        // from the masks.
        let (_, f) = match field_line(line, at, &mut breaks, opts) {
            Ok(r) => r,
            Err(e) => return Err(line_error(input, opts, e)),
        };
        let (name, value, known) = (f.name, f.value, f.known);
        let value_at = at + f.value_at;
        canonical &= f.canonical;
        count += 1;
        if count > opts.max_headers {
            return Err(invalid(InvalidKind::TooManyHeaders, at));
        }
        if value.len() > opts.max_value_len {
            return Err(invalid(InvalidKind::HeaderValueTooLong, value_at));
        }
        framing_field(known, value, at, value_at, &mut content_length, opts)?;
        if known.is_some() || !sink.known_only() {
            let line = FieldLine { name, value, name_at: at, value_at, known };
            sink.field(&line, opts).map_err(DecodeError::Invalid)?;
        }
        at += f.len;
    }
}

/// The single-value rule (RFC 9110 §5.3: a field that is not a list may not be repeated, and
/// two copies that differ leave two readers free to pick different ones): a header that may
/// appear once is stored the first time; a second copy is `ConflictingHeader` if it differs,
/// and `DuplicateHeader` if it is identical, unless the caller allowed identical duplicates.
pub(crate) fn set_once<T: PartialEq>(
    slot: &mut Option<T>,
    value: T,
    name: &'static str,
    line: &FieldLine<'_>,
    opts: &DecodeOptions,
) -> Result<(), InvalidMessage> {
    let kind = match slot {
        None => {
            *slot = Some(value);
            return Ok(());
        }
        Some(prev) if *prev != value => InvalidKind::ConflictingHeader(name),
        Some(_) if opts.allow_identical_duplicates => return Ok(()),
        Some(_) => InvalidKind::DuplicateHeader(name),
    };
    Err(InvalidMessage { kind, offset: line.name_at })
}

/// The framing rules every message obeys, applied to one field: any `Transfer-Encoding` is
/// refused; `Content-Length` is `1*DIGIT` and appears once (RFC 9110 §8.6: differing values are
/// fatal; a repeated identical value only when the caller opted in).
pub(crate) fn framing_field(
    known: Option<KnownHeader>,
    value: &[u8],
    line_at: usize,
    value_at: usize,
    content_length: &mut Option<(u64, usize)>,
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    match known {
        Some(KnownHeader::TransferEncoding) => Err(DecodeError::invalid(InvalidKind::TransferEncoding, line_at)),
        Some(KnownHeader::ContentLength) => {
            let (_, n) = parse::content_length(value).map_err(|e| value_error(value, value_at, e))?;
            match *content_length {
                Some((prev, _)) if prev != n => Err(DecodeError::invalid(
                    InvalidKind::ConflictingHeader(KnownHeader::ContentLength.as_str()),
                    line_at,
                )),
                Some(_) if !opts.allow_identical_duplicates => Err(DecodeError::invalid(
                    InvalidKind::DuplicateHeader(KnownHeader::ContentLength.as_str()),
                    line_at,
                )),
                Some(_) => Ok(()),
                None => {
                    *content_length = Some((n, value_at));
                    Ok(())
                }
            }
        }
        _ => Ok(()),
    }
}

/// How the body of a message is delimited (RFC 9112 §6.3, without chunked coding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes.
    Length(u64),
    /// Until the connection closes (a response without `Content-Length`).
    UntilClose,
}

impl Head<'_> {
    /// The body framing, for a message with no special rule of its own.
    pub(crate) fn framing(&self) -> Framing {
        match (self.start, self.content_length) {
            // 1xx, 204 and 304 never have a body, whatever Content-Length says (RFC 9112 §6.3
            // rule 1): a 304 carries the length of the representation it did not send.
            (StartLine::Status { code, .. }, _) if no_body_status(code) => Framing::Length(0),
            (_, Some((n, _))) => Framing::Length(n),
            (StartLine::Request { .. }, None) => Framing::Length(0),
            (StartLine::Status { .. }, None) => Framing::UntilClose,
        }
    }
}

/// 1xx, 204 and 304: statuses whose responses end at the empty line (RFC 9112 §6.3 rule 1).
pub(crate) fn no_body_status(code: u16) -> bool {
    super::values::Status::unvalidated(code).forbids_body()
}

/// Take the body that follows a head of `head_len` bytes: `Incomplete` with the exact number of
/// bytes missing, or the body slice and the total consumed.
pub(crate) fn body<'a>(
    input: &'a [u8],
    head_len: usize,
    framing: Framing,
    at_eof: bool,
    opts: &DecodeOptions,
    cl_at: usize,
) -> Result<(&'a [u8], usize), DecodeError> {
    let available = &input[head_len..];
    let len = match framing {
        Framing::Length(n) => n,
        Framing::UntilClose if at_eof => available.len() as u64,
        Framing::UntilClose => return Err(DecodeError::INCOMPLETE),
    };
    if opts.max_body_len.is_some_and(|max| len > max) {
        return Err(DecodeError::invalid(InvalidKind::BodyTooLarge, cl_at));
    }
    match usize::try_from(len) {
        Ok(n) if n <= available.len() => Ok((&available[..n], head_len + n)),
        _ => {
            let missing = len - available.len() as u64;
            let needed = core::num::NonZeroUsize::new(usize::try_from(missing).unwrap_or(usize::MAX));
            Err(DecodeError::Incomplete { needed })
        }
    }
}

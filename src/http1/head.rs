//! The HTTP/1.1 head grammar (RFC 9112 §2–§5), written with `nom` streaming combinators so
//! that a truncated head is `Incomplete`, never an error.
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

use nom::bytes::streaming::{take, take_while};
use nom::{Err as NomErr, IResult, Needed, Offset, Parser};

use super::names::KnownHeader;
use super::scan::Breaks;
use super::syntax::{NumberError, all_tchar, decimal_u64, is_field_byte, is_ows, is_tchar, trim_ows, visible_len};
use super::values::HttpVersion;
use crate::error::{DecodeError, InvalidKind, InvalidMessage};
use crate::limits::{MAX_TARGET_LEN, MAX_VALUE_LEN};
use crate::options::DecodeOptions;

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

fn fail<'a, O>(input: &'a [u8], kind: InvalidKind) -> PResult<'a, O> {
    Err(NomErr::Error(PError { input, kind }))
}

/// The start line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartLine<'a> {
    /// RequestMethod and target are ASCII (a token; visible bytes), checked by the grammar.
    Request {
        method: &'a [u8],
        target: &'a [u8],
        version: HttpVersion,
    },
    Status {
        version: HttpVersion,
        code: u16,
        reason: &'a [u8],
    },
}

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

/// `CRLF`, or a bare `LF` when allowed. `other` is the class of any other byte found here.
fn line_end<'a>(input: &'a [u8], opts: &DecodeOptions, other: InvalidKind) -> PResult<'a, ()> {
    match input {
        [b'\r', b'\n', rest @ ..] => Ok((rest, ())),
        [b'\r'] | [] => Err(NomErr::Incomplete(Needed::Unknown)),
        [b'\r', ..] => fail(input, InvalidKind::BareCr),
        [b'\n', rest @ ..] if opts.allow_bare_lf => Ok((rest, ())),
        [b'\n', ..] => fail(input, InvalidKind::BareLf),
        _ => fail(input, other),
    }
}

fn sp<'a>(input: &'a [u8], kind: InvalidKind) -> PResult<'a, ()> {
    match input {
        [b' ', rest @ ..] => Ok((rest, ())),
        [] => Err(NomErr::Incomplete(Needed::new(1))),
        _ => fail(input, kind),
    }
}

/// `HTTP-version = "HTTP/" DIGIT "." DIGIT`; only 1.1 and 1.0 exist for this codec. A prefix
/// that no version can complete is invalid at once, not incomplete.
fn http_version(input: &[u8]) -> PResult<'_, HttpVersion> {
    const V11: &[u8] = b"HTTP/1.1";
    const V10: &[u8] = b"HTTP/1.0";
    match input.get(..8) {
        Some(v) if v == V11 => Ok((&input[8..], HttpVersion::Http11)),
        Some(v) if v == V10 => Ok((&input[8..], HttpVersion::Http10)),
        None if V11.starts_with(input) || V10.starts_with(input) => {
            Err(NomErr::Incomplete(Needed::new(8 - input.len())))
        }
        _ => fail(input, InvalidKind::HttpVersion),
    }
}

/// `request-line = method SP request-target SP HTTP-version CRLF`
pub(crate) fn request_line<'a>(input: &'a [u8], opts: &DecodeOptions) -> PResult<'a, StartLine<'a>> {
    // `BITS_POST ` is recognised in two compares (it is every BITS request's method). Any other
    // method is a token, so visible ASCII: find its end by words, then check that its few
    // bytes are tchar.
    let m = match input.get(..10) {
        Some(b"BITS_POST ") => 9,
        _ => {
            let m = visible_len(input);
            if !all_tchar(&input[..m]) {
                let p = input[..m].iter().position(|&b| !is_tchar(b)).unwrap_or(m);
                return fail(&input[p..], InvalidKind::Method);
            }
            m
        }
    };
    let rest = match input.get(m) {
        Some(b' ') if m > 0 => &input[m + 1..],
        None => return Err(NomErr::Incomplete(Needed::new(1))),
        Some(_) => return fail(&input[m..], InvalidKind::Method),
    };
    let n = visible_len(rest);
    if n == rest.len() {
        return Err(NomErr::Incomplete(Needed::new(1)));
    }
    if n == 0 {
        return fail(rest, InvalidKind::RequestTarget);
    }
    if n > MAX_TARGET_LEN {
        return fail(&rest[MAX_TARGET_LEN..], InvalidKind::RequestTarget);
    }
    let (rest, ()) = sp(&rest[n..], InvalidKind::RequestTarget)?;
    let (rest, version) = http_version(rest)?;
    let (rest, ()) = line_end(rest, opts, InvalidKind::HttpVersion)?;
    Ok((rest, StartLine::Request { method: &input[..m], target: &input[m + 1..m + 1 + n], version }))
}

/// `status-line = HTTP-version SP status-code [ SP reason-phrase ] CRLF`
///
/// The reason may be empty and its SP may be missing (`HTTP/1.1 200\r\n`): no reader depends on
/// the reason, and reading it either way is not ambiguous.
pub(crate) fn status_line<'a>(input: &'a [u8], opts: &DecodeOptions) -> PResult<'a, StartLine<'a>> {
    let (rest, version) = http_version(input)?;
    let (rest, ()) = sp(rest, InvalidKind::StatusLine)?;
    // Check the digits that have arrived before waiting for the rest.
    let arrived = &rest[..rest.len().min(3)];
    if !arrived.iter().all(u8::is_ascii_digit) || arrived.first() == Some(&b'0') {
        return fail(rest, InvalidKind::StatusLine);
    }
    let (after, code) = take(3usize).parse(rest)?;
    let code = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    let (rest, reason) = match after {
        [b' ', r @ ..] => {
            let (rest, reason) = take_while(is_field_byte).parse(r)?;
            if reason.len() > MAX_VALUE_LEN {
                return fail(&reason[MAX_VALUE_LEN..], InvalidKind::ReasonPhrase);
            }
            let (rest, ()) = line_end(rest, opts, InvalidKind::ReasonPhrase)?;
            (rest, reason)
        }
        _ => (line_end(after, opts, InvalidKind::StatusLine)?.0, &after[..0]),
    };
    Ok((rest, StartLine::Status { version, code, reason }))
}

/// The exact reading of a field name that is neither known nor all tchar (RFC 9110 §5.1): the
/// name runs to the first non-`tchar`, which must be the colon found at `colon` (a line with
/// no colon ends where its input ends). `Ok` if the name is a valid token followed by `:`;
/// otherwise the error with its offset, `None` meaning more input is needed.
#[cold]
fn name_error(line: &[u8], colon: usize, at: usize) -> Result<(), Option<(InvalidKind, usize)>> {
    let p = line[..colon].iter().position(|&b| !is_tchar(b)).unwrap_or(colon);
    match line.get(p) {
        _ if p == 0 => Err(Some((InvalidKind::HeaderName, at))),
        Some(b':') => Ok(()),
        Some(b' ' | b'\t') => Err(Some((InvalidKind::WhitespaceBeforeColon, at + p))),
        None => Err(None),
        Some(_) => Err(Some((InvalidKind::HeaderName, at + p))),
    }
}

/// What ends a field line other than CRLF: a bare LF when allowed (`Ok(false)`), or the error
/// (`Err(Ok(kind))` at the end of the value, `Err(Err(needed))` for more input).
#[cold]
fn line_end_slow(after: &[u8], opts: &DecodeOptions) -> Result<bool, Result<InvalidKind, usize>> {
    match after {
        [] => Err(Err(1)),
        [b'\r'] => Err(Err(0)),
        [b'\n', ..] if opts.allow_bare_lf => Ok(false),
        [b'\r', ..] => Err(Ok(InvalidKind::BareCr)),
        [b'\n', ..] => Err(Ok(InvalidKind::BareLf)),
        _ => Err(Ok(InvalidKind::ControlByte)),
    }
}

fn to_decode_error(input: &[u8], e: NomErr<PError<'_>>) -> DecodeError {
    match e {
        NomErr::Incomplete(Needed::Size(n)) => DecodeError::Incomplete { needed: Some(n) },
        NomErr::Incomplete(Needed::Unknown) => DecodeError::INCOMPLETE,
        NomErr::Error(pe) | NomErr::Failure(pe) => DecodeError::invalid(pe.kind, input.offset(pe.input)),
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
    // The field lines, by hand rather than through combinators: this loop is most of a decode,
    // and every step below replaces a byte loop or an intermediate result that showed up in the
    // profile. `at` is the offset of the current line.
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
        // `field-name ":"`: the colon from the masks. A known name is a token by construction, an
        // unknown one is checked against the tchar table; anything else (including a line
        // without a colon, whose scan ran on) gets the exact byte-by-byte reading.
        let n = breaks.colon(at) - at;
        let known = KnownHeader::find_prefix(line, n);
        if known.is_none() && !(n > 0 && all_tchar(&line[..n])) {
            name_error(line, n, at).map_err(|e| e.map_or_else(|| incomplete(1), |(k, i)| invalid(k, i)))?;
        }
        let name = line.get(..n).unwrap_or_default();
        let raw = line.get(n + 1..).unwrap_or_default();
        let value_start = at + n + 1;
        // `OWS field-value OWS CRLF`: one scan to the line end, then the usual shape (one space,
        // no trailing whitespace, CRLF) is recognised without a loop; the rest is off the hot
        // path.
        let e = breaks.field_end(value_start) - value_start;
        let (body, after) = raw.split_at(e);
        let crlf = match after {
            [b'\r', b'\n', ..] => true,
            _ => line_end_slow(after, opts).map_err(|r| match r {
                Ok(kind) => invalid(kind, value_start + e),
                Err(needed) => incomplete(needed),
            })?,
        };
        // In a run of field bytes, OWS is exactly the bytes up to 0x20 (other controls ended
        // the run): one compare per end instead of two.
        let (value, leading, one_space) = match body {
            [b' ', v @ ..] if v.first().is_none_or(|&b| b > b' ') & v.last().is_none_or(|&b| b > b' ') => (v, 1, true),
            _ => (trim_ows(body), body.iter().take_while(|&&b| is_ows(b)).count(), false),
        };
        let value_at = value_start + leading;
        // `&`, not `&&`: two flags, no branch. A line is canonical exactly in the fast shape.
        canonical &= one_space & crlf;
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
        at = value_start + e + if crlf { 2 } else { 1 };
    }
}

/// The single-value rule (digest §7 A14; RFC 9110 §5.3): a header that may appear once is
/// stored the first time; a second copy is `ConflictingHeader` if it differs, and
/// `DuplicateHeader` if it is identical, unless the caller allowed identical duplicates.
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
            let n = decimal_u64(value).map_err(|e| match e {
                NumberError::Syntax(i) => DecodeError::invalid(InvalidKind::Number("Content-Length"), value_at + i),
                NumberError::Overflow => DecodeError::invalid(InvalidKind::NumberOverflow("Content-Length"), value_at),
            })?;
            match *content_length {
                Some((prev, _)) if prev != n => {
                    Err(DecodeError::invalid(InvalidKind::ConflictingHeader("Content-Length"), line_at))
                }
                Some(_) if !opts.allow_identical_duplicates => {
                    Err(DecodeError::invalid(InvalidKind::DuplicateHeader("Content-Length"), line_at))
                }
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

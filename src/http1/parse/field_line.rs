//! The field lines (RFC 9112 §5, RFC 9110 §5.1 and §5.5).
//!
//! ```text
//! field-line  = field-name ":" OWS field-value OWS
//! field-name  = token
//! token       = 1*tchar
//! field-value = *field-content              ; no CR, LF or NUL, no other control but HTAB
//! OWS         = *( SP / HTAB )
//! ```
//!
//! [`field_line`] composes the rules as the ABNF does; the positions of each line's colon and
//! end come from the bit masks of [`Breaks`] (SIMD or SWAR, found for many lines at once), and
//! a name is matched against the known-header table by words: those are the leaves the rules
//! call, because a byte-at-a-time combinator over the header block costs more instructions than
//! the whole of the typing (measured with callgrind, `benches/README.md`).

use nom::{Err as NomErr, Needed, Offset};

use super::{PResult, fail};
use crate::error::InvalidKind;
use crate::http1::names::KnownHeader;
use crate::http1::scan::Breaks;
use crate::http1::syntax::{all_tchar, is_ows, is_tchar, trim_ows};
use crate::options::DecodeOptions;

/// One field line as the grammar reads it; offsets are from the start of the line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// The name, as spelled on the wire.
    pub(crate) name: &'a [u8],
    /// The value, without the OWS around it.
    pub(crate) value: &'a [u8],
    /// Offset of the value in the line.
    pub(crate) value_at: usize,
    /// The known header the name spells, if any.
    pub(crate) known: Option<KnownHeader>,
    /// Bytes of the line, its CRLF (or bare LF) included.
    pub(crate) len: usize,
    /// `name: value CRLF` with one space and no trailing whitespace: the line re-encodes to
    /// itself.
    pub(crate) canonical: bool,
}

/// `token = 1*tchar`, the whole of `v` (RFC 9110 §5.6.2). A word-at-a-time table check (the
/// leaf); on failure, the first byte that is not a `tchar`.
#[inline(always)]
pub(crate) fn token(v: &[u8]) -> PResult<'_, &[u8]> {
    if !v.is_empty() && all_tchar(v) {
        return Ok((&v[v.len()..], v));
    }
    let p = v.iter().position(|&b| !is_tchar(b)).unwrap_or(0);
    fail(&v[p..], InvalidKind::HeaderName)
}

/// `field-name ":"`, for the line `line` whose first colon (or, with none, whose end) is at
/// `colon`. A known name is a token by construction; any other name must be one ([`token`]).
/// Returns the name and the known header it spells; the rest starts after the colon.
#[inline(always)]
pub(crate) fn field_name(line: &[u8], colon: usize) -> PResult<'_, (&[u8], Option<KnownHeader>)> {
    let known = KnownHeader::find_prefix(line, colon);
    if known.is_none() && !(colon > 0 && all_tchar(&line[..colon])) {
        name_error(line, colon)?;
    }
    let name = line.get(..colon).unwrap_or_default();
    let rest = line.get(colon + 1..).unwrap_or_default();
    Ok((rest, (name, known)))
}

/// The exact reading of a name that is neither known nor all `tchar`: the name runs to the
/// first non-`tchar`, which must be the colon (a line with no colon ends where its input
/// ends: more input is needed).
#[cold]
fn name_error(line: &[u8], colon: usize) -> PResult<'_, ()> {
    let p = match token(&line[..colon]) {
        Ok(_) => colon,
        Err(NomErr::Error(e)) => line.offset(e.input),
        Err(e) => return Err(e),
    };
    match line.get(p) {
        _ if p == 0 => fail(line, InvalidKind::HeaderName),
        Some(b':') => Ok((&line[p + 1..], ())),
        // `name :` is refused: RFC 9112 §5.1 ("No whitespace is allowed between the field
        // name and colon"), a classic request-smuggling shape.
        Some(b' ' | b'\t') => fail(&line[p..], InvalidKind::WhitespaceBeforeColon),
        None => Err(NomErr::Incomplete(Needed::new(1))),
        Some(_) => fail(&line[p..], InvalidKind::HeaderName),
    }
}

/// What ends a field line other than CRLF: a bare LF when allowed (`true`), or the error.
#[cold]
fn line_end_slow<'a>(after: &'a [u8], opts: &DecodeOptions) -> PResult<'a, bool> {
    match after {
        [] => Err(NomErr::Incomplete(Needed::new(1))),
        [b'\r'] => Err(NomErr::Incomplete(Needed::Unknown)),
        [b'\n', rest @ ..] if opts.allow_bare_lf => Ok((rest, true)),
        [b'\r', ..] => fail(after, InvalidKind::BareCr),
        [b'\n', ..] => fail(after, InvalidKind::BareLf),
        _ => fail(after, InvalidKind::ControlByte),
    }
}

/// `field-line CRLF` at offset `at` of the head (the offset `breaks` is keyed by), `line`
/// being the input from there. Returns the field; the rest starts at the next line.
#[inline(always)]
pub(crate) fn field_line<'a>(
    line: &'a [u8],
    at: usize,
    breaks: &mut Breaks<'_>,
    opts: &DecodeOptions,
) -> PResult<'a, Field<'a>> {
    let colon = breaks.colon(at) - at;
    let (raw, (name, known)) = field_name(line, colon)?;
    // `OWS field-value OWS CRLF`: one scan to the line end, then the usual shape (one space, no
    // trailing whitespace, CRLF) is recognised without a loop; the rest is off the hot path.
    let value_start = colon + 1;
    let e = breaks.field_end(at + value_start) - (at + value_start);
    let (body, after) = raw.split_at(e);
    let crlf = match after {
        [b'\r', b'\n', ..] => true,
        _ => !line_end_slow(after, opts)?.1,
    };
    let len = value_start + e + if crlf { 2 } else { 1 };
    let rest = line.get(len..).unwrap_or_default();
    // In a run of field bytes, OWS is exactly the bytes up to 0x20 (other controls ended the
    // run): one compare per end instead of two.
    let (value, leading, one_space) = match body {
        [b' ', v @ ..] if v.first().is_none_or(|&b| b > b' ') & v.last().is_none_or(|&b| b > b' ') => (v, 1, true),
        _ => (trim_ows(body), body.iter().take_while(|&&b| is_ows(b)).count(), false),
    };
    // `&`, not `&&`: two flags, no branch. A line is canonical exactly in the fast shape.
    let field = Field { name, value, value_at: value_start + leading, known, len, canonical: one_space & crlf };
    Ok((rest, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &[u8]) -> Result<Field<'_>, (InvalidKind, usize)> {
        let mut breaks = Breaks::new(line, 0);
        match field_line(line, 0, &mut breaks, &DecodeOptions::default()) {
            Ok((_, f)) => Ok(f),
            Err(NomErr::Error(e)) => Err((e.kind, line.offset(e.input))),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_field_line_reads_as_name_value_and_known_header() {
        let f = read(b"Content-Length: 12\r\n\r\n").unwrap();
        assert_eq!(
            (f.name, f.value, f.value_at, f.known),
            (&b"Content-Length"[..], &b"12"[..], 16, Some(KnownHeader::ContentLength))
        );
        assert_eq!((f.len, f.canonical), (20, true));
        let f = read(b"X-Other:\t a b \r\n\r\n").unwrap();
        assert_eq!(
            (f.name, f.value, f.value_at, f.known, f.canonical),
            (&b"X-Other"[..], &b"a b"[..], 10, None, false)
        );
    }

    #[test]
    fn a_bad_name_is_refused_where_it_goes_wrong() {
        assert_eq!(read(b"Bad@Name: x\r\n\r\n").err(), Some((InvalidKind::HeaderName, 3)));
        assert_eq!(read(b"Name : x\r\n\r\n").err(), Some((InvalidKind::WhitespaceBeforeColon, 4)));
        assert_eq!(read(b": x\r\n\r\n").err(), Some((InvalidKind::HeaderName, 0)));
    }

    #[test]
    fn token_is_one_or_more_tchar() {
        assert!(token(b"BITS-Packet-Type").is_ok());
        assert!(matches!(token(b""), Err(NomErr::Error(e)) if e.kind == InvalidKind::HeaderName));
        assert!(matches!(token(b"a\"b"), Err(NomErr::Error(e)) if e.input == b"\"b"));
    }
}

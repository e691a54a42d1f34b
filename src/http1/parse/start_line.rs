//! The start lines (RFC 9112 §3 and §4).

use nom::bytes::streaming::{take, take_while};
use nom::{Err as NomErr, Needed, Parser};

use super::{PResult, fail};
use crate::error::InvalidKind;
use crate::http1::scan::visible_len;
use crate::http1::syntax::{all_tchar, is_field_byte, is_tchar};
use crate::http1::values::HttpVersion;
use crate::limits::{MAX_TARGET_LEN, MAX_VALUE_LEN};
use crate::options::DecodeOptions;

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

/// `CRLF`, or a bare `LF` when allowed. `other` is the class of any other byte found here.
pub(crate) fn line_end<'a>(input: &'a [u8], opts: &DecodeOptions, other: InvalidKind) -> PResult<'a, ()> {
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
pub(crate) fn http_version(input: &[u8]) -> PResult<'_, HttpVersion> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use nom::Offset;

    fn error_at<O: core::fmt::Debug>(input: &[u8], r: PResult<'_, O>) -> (InvalidKind, usize) {
        match r {
            Err(NomErr::Error(e) | NomErr::Failure(e)) => (e.kind, input.offset(e.input)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_line_reads_method_target_and_version() {
        let o = DecodeOptions::default();
        let (rest, s) = request_line(b"BITS_POST /a/b HTTP/1.1\r\nHost", &o).unwrap();
        assert_eq!(rest, b"Host");
        assert_eq!(s, StartLine::Request { method: b"BITS_POST", target: b"/a/b", version: HttpVersion::Http11 });
        let (_, s) = request_line(b"GET * HTTP/1.0\r\n", &o).unwrap();
        assert!(matches!(s, StartLine::Request { method: b"GET", target: b"*", version: HttpVersion::Http10 }));
    }

    #[test]
    fn request_line_refuses_each_bad_part_at_its_byte() {
        let o = DecodeOptions::default();
        for (input, want) in [
            (&b"GE(T / HTTP/1.1\r\n"[..], (InvalidKind::Method, 2)),
            (b" / HTTP/1.1\r\n", (InvalidKind::Method, 0)),
            (b"GET  HTTP/1.1\r\n", (InvalidKind::RequestTarget, 4)),
            (b"GET / HTTP/2.0\r\n", (InvalidKind::HttpVersion, 6)),
            (b"GET / HTTP/1.1\rX", (InvalidKind::BareCr, 14)),
            (b"GET / HTTP/1.1\n", (InvalidKind::BareLf, 14)),
        ] {
            assert_eq!(error_at(input, request_line(input, &o)), want, "{}", input.escape_ascii());
        }
    }

    #[test]
    fn every_prefix_of_a_request_line_is_incomplete() {
        let line = b"BITS_POST /x HTTP/1.1\r\n";
        for n in 0..line.len() {
            let r = request_line(&line[..n], &DecodeOptions::default());
            assert!(matches!(r, Err(NomErr::Incomplete(_))), "{n}");
        }
    }

    #[test]
    fn status_line_reads_with_and_without_a_reason() {
        let o = DecodeOptions::default();
        let (_, s) = status_line(b"HTTP/1.1 200 OK\r\n", &o).unwrap();
        assert_eq!(s, StartLine::Status { version: HttpVersion::Http11, code: 200, reason: b"OK" });
        let (_, s) = status_line(b"HTTP/1.1 204\r\n", &o).unwrap();
        assert_eq!(s, StartLine::Status { version: HttpVersion::Http11, code: 204, reason: b"" });
    }

    #[test]
    fn status_line_refuses_bad_codes_and_reasons_at_their_byte() {
        let o = DecodeOptions::default();
        for (input, want) in [
            (&b"HTTP/1.1 099 X\r\n"[..], (InvalidKind::StatusLine, 9)),
            (b"HTTP/1.1 2x0 X\r\n", (InvalidKind::StatusLine, 9)),
            (b"HTTP/1.1 200 O\x01K\r\n", (InvalidKind::ReasonPhrase, 14)),
            (b"HTTP/1.1200 OK\r\n", (InvalidKind::StatusLine, 8)),
        ] {
            assert_eq!(error_at(input, status_line(input, &o)), want, "{}", input.escape_ascii());
        }
    }
}

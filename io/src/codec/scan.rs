//! Finding where a message head ends in bytes that arrive in pieces, looking at each byte once.
//!
//! The codec's `decode` starts from byte 0 every time it is called: fed a head one read at a
//! time, it re-parses everything received so far on each call, a cost quadratic in the head's
//! length. So the drivers and the tokio-util codec call it only once the blank line that ends
//! the head is in (RFC 9112 §2.1: `start-line *( field-line CRLF ) CRLF`), found by a scan that
//! keeps its place between calls, and, once `decode` has said how many body bytes are missing,
//! not again before they are there.

use std::num::NonZeroUsize;

/// A scan for the end of a message head that resumes where the previous call stopped.
///
/// It accepts a bare LF wherever CRLF is expected (RFC 9112 §2.2 lets a recipient read a
/// lone LF as a line terminator), so the blank line is LF, then an optional CR, then LF.
///
/// ```
/// use bits_codec_io::codec::HeadScan;
/// let mut scan = HeadScan::default();
/// let head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
/// for n in 1..head.len() {
///     assert_eq!(scan.find(&head[..n]), None);
/// }
/// assert_eq!(scan.find(head), Some(head.len()));
/// assert_eq!(scan.bytes_scanned(), head.len() as u64); // each byte looked at once
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeadScan {
    /// How many bytes of the current message were looked at.
    at: usize,
    /// Where the line terminator automaton is: 0 inside a line, 1 just after an LF, 2 after
    /// an LF and a CR.
    state: u8,
    /// The head's length once its end was found.
    end: Option<usize>,
    /// Bytes looked at over the scan's life (the work counter the linearity tests read).
    scanned: u64,
}

impl HeadScan {
    /// The length of the head (blank line included) at the start of `buf`, once its end has
    /// arrived. `buf` must be the same message's bytes as on the previous call, with more
    /// appended; call [`reset`](Self::reset) when the message has been taken out of it.
    pub fn find(&mut self, buf: &[u8]) -> Option<usize> {
        if self.end.is_some() {
            return self.end;
        }
        let start = self.at.min(buf.len());
        for (i, &b) in buf[start..].iter().enumerate() {
            self.state = match (self.state, b) {
                (1 | 2, b'\n') => {
                    let end = start + i + 1;
                    self.scanned += (i + 1) as u64;
                    self.at = end;
                    self.end = Some(end);
                    return self.end;
                }
                (_, b'\n') => 1,
                (1, b'\r') => 2,
                _ => 0,
            };
        }
        self.scanned += (buf.len() - start) as u64;
        self.at = buf.len();
        None
    }

    /// Start over for the next message (the previous one was taken out of the buffer).
    pub fn reset(&mut self) {
        self.at = 0;
        self.state = 0;
        self.end = None;
    }

    /// How many bytes this scan has looked at since it was made: with the scan in front of
    /// `decode`, the work a stream costs is this plus at most two decodes per message (one
    /// when the head is whole, one when the body is).
    pub fn bytes_scanned(&self) -> u64 {
        self.scanned
    }
}

/// When a buffer is worth handing to `decode`: the head's end is in, and so are the body
/// bytes `decode` said were missing the last time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Framer {
    scan: HeadScan,
    /// Decode again only once the buffer holds this many bytes.
    want: usize,
    /// How many times `decode` was called (the other half of the work counter).
    pub(crate) decodes: u64,
    /// Without the end of a head, `decode` still runs once the buffer passes this (doubling
    /// each time): so that a peer sending a head without end meets the decoder's head limit
    /// (an error) instead of a buffer that grows without bound, at a cost that stays linear.
    probe_at: usize,
}

impl Framer {
    /// `true` if `decode` may succeed on `buf` now.
    pub(crate) fn ready(&mut self, buf: &[u8]) -> bool {
        if self.scan.find(buf).is_none() {
            let probe_at = if self.probe_at == 0 { bits_codec::limits::MAX_HEAD_LEN } else { self.probe_at };
            if buf.len() <= probe_at {
                return false;
            }
            self.probe_at = probe_at.saturating_mul(2);
        } else if buf.len() < self.want {
            return false;
        }
        self.decodes += 1;
        true
    }

    /// `decode` said `Incomplete` on a buffer of `len` bytes: wait for `needed` more (one more
    /// byte if it could not say, which happens only when the scan and the parser disagree on
    /// where the head ends).
    pub(crate) fn incomplete(&mut self, len: usize, needed: Option<NonZeroUsize>) {
        self.want = len + needed.map_or(1, NonZeroUsize::get);
    }

    /// A message was taken out of the buffer: the next one starts at byte 0.
    pub(crate) fn consumed(&mut self) {
        self.scan.reset();
        self.want = 0;
        self.probe_at = 0;
    }

    /// The scan's work counter.
    #[cfg_attr(not(feature = "codec"), allow(dead_code))]
    pub(crate) fn bytes_scanned(&self) -> u64 {
        self.scan.bytes_scanned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_head_is_found_with_crlf_bare_lf_or_mixed_terminators() {
        for head in
            [&b"GET / HTTP/1.1\r\n\r\n"[..], b"GET / HTTP/1.1\n\n", b"GET / HTTP/1.1\n\r\n", b"GET / HTTP/1.1\r\n\n"]
        {
            let mut s = HeadScan::default();
            let mut buf = head.to_vec();
            buf.extend_from_slice(b"body");
            assert_eq!(s.find(&buf), Some(head.len()), "{head:?}");
        }
    }

    #[test]
    fn a_cr_inside_a_line_does_not_end_the_head() {
        let mut s = HeadScan::default();
        assert_eq!(s.find(b"GET / HTTP/1.1\r\nA: b\rc\r\n"), None);
        assert_eq!(s.find(b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"), Some(26));
    }

    #[test]
    fn a_terminator_split_across_calls_is_found_and_every_byte_is_scanned_once() {
        let head = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
        let mut s = HeadScan::default();
        for n in 0..head.len() {
            assert_eq!(s.find(&head[..n]), None);
        }
        assert_eq!(s.find(head), Some(head.len()));
        assert_eq!(s.bytes_scanned(), head.len() as u64);
        s.reset();
        assert_eq!(s.find(head), Some(head.len()));
    }
}

//! The raw wire: one TCP connection, bytes out, one answer in, never longer than the case's
//! deadline.
//!
//! Answers are read with the crate's own `Ack` decoder, strictly first. An answer that only
//! decodes with the leniencies (a bare LF, a body on an Ack, ...) is still usable by cases
//! that test something else, and carries the strict decoder's complaint for the cases that
//! test framing. An answer that does not decode at all is kept as raw bytes, read until the
//! server closes or a short grace period passes: that is how an unframed `500` shows up.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bits_codec::bits::Ack;
use bits_codec::{Decode, DecodeError, DecodeOptions};

/// How long to keep reading after an answer that does not decode, to show the rest of it.
const UNFRAMED_GRACE: Duration = Duration::from_millis(300);

/// What came back for one request.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// An Ack. `strict` is the strict decoder's complaint when only the lenient one took it.
    Ack { ack: Box<Ack<'static>>, raw: Vec<u8>, strict: Option<String> },
    /// Bytes that are not an Ack, with the decoder's reason.
    Unframed { raw: Vec<u8>, error: String },
    /// The server closed the connection; `raw` is whatever came before.
    Closed { raw: Vec<u8> },
    /// Nothing (or not all of it) within the deadline.
    Timeout { raw: Vec<u8> },
}

impl Answer {
    /// The Ack, if the answer was one.
    pub(crate) fn ack(&self) -> Option<&Ack<'static>> {
        match self {
            Self::Ack { ack, .. } => Some(ack),
            _ => None,
        }
    }

    /// The bytes received.
    pub(crate) fn raw(&self) -> &[u8] {
        match self {
            Self::Ack { raw, .. } | Self::Unframed { raw, .. } | Self::Closed { raw } | Self::Timeout { raw } => raw,
        }
    }

    /// The status code, read from the status line even when the rest does not decode.
    pub(crate) fn status(&self) -> Option<u16> {
        if let Some(ack) = self.ack() {
            return Some(ack.status().as_u16());
        }
        let raw = self.raw();
        let line = raw.strip_prefix(b"HTTP/1.1 ").or_else(|| raw.strip_prefix(b"HTTP/1.0 "))?;
        let digits = line.get(..3)?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// One line saying what the answer was.
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::Ack { ack, strict: None, .. } => format!("Ack {}", ack.status().as_u16()),
            Self::Ack { ack, strict: Some(e), .. } => {
                format!("Ack {} (decodes only leniently: {e})", ack.status().as_u16())
            }
            Self::Unframed { error, .. } => match self.status() {
                Some(s) => format!("HTTP {s} that is not a BITS Ack ({error})"),
                None => format!("an answer that is not HTTP ({error})"),
            },
            Self::Closed { raw } if raw.is_empty() => "connection closed without an answer".into(),
            Self::Closed { raw } => format!("connection closed after {} bytes of an unfinished answer", raw.len()),
            Self::Timeout { raw } if raw.is_empty() => "no answer before the timeout".into(),
            Self::Timeout { raw } => format!("an unfinished answer ({} bytes) at the timeout", raw.len()),
        }
    }
}

/// A connection to the server under test.
#[derive(Debug)]
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
    closed: bool,
}

/// The decoder settings for answers that fail the strict decode: every leniency on.
fn lenient() -> DecodeOptions {
    DecodeOptions::all_leniencies()
}

impl Conn {
    /// Connects to `addr`, giving up at `deadline`.
    pub(crate) fn open(addr: &str, deadline: Instant) -> io::Result<Self> {
        let left = remaining(deadline).ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "case timeout"))?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{addr} resolves to no address"));
        for sa in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&sa, left) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(Self { stream, buf: Vec::new(), deadline, closed: false });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Sends `bytes`. A write the server refused (it closed early) is not an error here: the
    /// answer read next says what happened.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        if let Some(left) = remaining(self.deadline) {
            let _ = self.stream.set_write_timeout(Some(left));
            if self.stream.write_all(bytes).and_then(|()| self.stream.flush()).is_err() {
                // Keep going: the server may have answered before closing.
            }
        }
    }

    /// Closes the sending half (the server sees end of input) or the whole connection.
    pub(crate) fn shutdown(&mut self, how: std::net::Shutdown) {
        let _ = self.stream.shutdown(how);
    }

    /// Reads one answer.
    pub(crate) fn read_answer(&mut self) -> Answer {
        loop {
            match Ack::decode(&self.buf) {
                Ok((ack, used)) => {
                    let ack = Box::new(ack.into_owned());
                    let raw = self.buf.drain(..used).collect();
                    return Answer::Ack { ack, raw, strict: None };
                }
                Err(DecodeError::Incomplete { .. }) => {}
                Err(strict) => {
                    if let Ok((ack, used)) = Ack::decode_with(&self.buf, &lenient()) {
                        let ack = Box::new(ack.into_owned());
                        let raw = self.buf.drain(..used).collect();
                        return Answer::Ack { ack, raw, strict: Some(strict.to_string()) };
                    }
                    self.read_rest();
                    return Answer::Unframed { raw: std::mem::take(&mut self.buf), error: strict.to_string() };
                }
            }
            if self.closed {
                return Answer::Closed { raw: std::mem::take(&mut self.buf) };
            }
            match self.fill(self.deadline) {
                Fill::Data => {}
                Fill::Eof => self.closed = true,
                Fill::Timeout => return Answer::Timeout { raw: std::mem::take(&mut self.buf) },
            }
        }
    }

    /// Waits up to `wait` (within the deadline) for any further bytes: `true` if some came.
    /// Used after a request whose answer must be the only one (a smuggled second request must
    /// not be answered).
    pub(crate) fn more_within(&mut self, wait: Duration) -> bool {
        if !self.buf.is_empty() {
            return true;
        }
        let until = (Instant::now() + wait).min(self.deadline);
        !self.closed && matches!(self.fill(until), Fill::Data)
    }

    /// `true` once the server has closed its side.
    pub(crate) fn is_closed(&mut self) -> bool {
        if !self.closed && self.buf.is_empty() {
            let until = Instant::now() + Duration::from_millis(50);
            if let Fill::Eof = self.fill(until.min(self.deadline)) {
                self.closed = true;
            }
        }
        self.closed
    }

    fn read_rest(&mut self) {
        let until = (Instant::now() + UNFRAMED_GRACE).min(self.deadline);
        while !self.closed {
            match self.fill(until) {
                Fill::Data => {}
                Fill::Eof => self.closed = true,
                Fill::Timeout => break,
            }
        }
    }

    fn fill(&mut self, until: Instant) -> Fill {
        let Some(left) = remaining(until) else { return Fill::Timeout };
        if self.stream.set_read_timeout(Some(left)).is_err() {
            return Fill::Eof;
        }
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Fill::Eof,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Fill::Data
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Fill::Timeout,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Fill::Data,
            Err(_) => Fill::Eof,
        }
    }
}

enum Fill {
    Data,
    Eof,
    Timeout,
}

/// Time left until `deadline`, if any (at least a millisecond: a zero timeout means "none"
/// to the standard library).
fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.checked_duration_since(Instant::now())?;
    (left >= Duration::from_millis(1)).then_some(left)
}

//! What a case is, and the context it runs in: its own file names, its connections, a log of
//! every exchange (shown when it fails), and the checks cases share.

use std::fmt;
use std::time::{Duration, Instant};

use bits_codec::Encode;
use bits_codec::bits::{Ack, Guid, HResult, ProtocolList, Request, SessionId};
use bits_codec::http1::{ContentRange, FieldValue, RequestTarget};

use super::target::Target;
use super::wire::{Answer, Conn};

/// How much a case's requirement binds a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Level {
    /// A MUST of [MC-BUP] or RFC 9110/9112: a failure fails the run.
    Must,
    /// A SHOULD, or a choice the documents leave open with one clearly better answer: a
    /// failure is a warning.
    Should,
    /// What Windows clients and IIS do where the documents say otherwise or nothing: a
    /// failure is a warning.
    Dialect,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Must => "MUST",
            Self::Should => "SHOULD",
            Self::Dialect => "DIALECT",
        })
    }
}

/// The groups, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Group {
    /// Framing and HTTP hygiene.
    Framing,
    /// Ping.
    Ping,
    /// Create-Session and protocol negotiation.
    Create,
    /// Fragment order, gaps, overlaps, repeats, sizes.
    Fragment,
    /// Close-Session and Cancel-Session.
    Close,
    /// Sessions across TCP connections.
    Connections,
    /// Error Acks.
    Errors,
    /// Hostile shapes that must be refused.
    Hostile,
}

impl Group {
    pub(crate) const ALL: [Self; 8] = [
        Self::Framing,
        Self::Ping,
        Self::Create,
        Self::Fragment,
        Self::Close,
        Self::Connections,
        Self::Errors,
        Self::Hostile,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Framing => "framing",
            Self::Ping => "ping",
            Self::Create => "create",
            Self::Fragment => "fragment",
            Self::Close => "close",
            Self::Connections => "connections",
            Self::Errors => "errors",
            Self::Hostile => "hostile",
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Framing => "Framing and HTTP hygiene",
            Self::Ping => "Ping",
            Self::Create => "Create-Session and protocol negotiation",
            Self::Fragment => "Fragments: order, gaps, overlaps, repeats, sizes",
            Self::Close => "Close-Session and Cancel-Session",
            Self::Connections => "Sessions across TCP connections",
            Self::Errors => "Error Acks",
            Self::Hostile => "Hostile shapes that must be refused",
        }
    }
}

/// One test case.
#[derive(Debug)]
pub(crate) struct Case {
    /// `group-N`, stable across versions.
    pub(crate) id: &'static str,
    pub(crate) group: Group,
    pub(crate) level: Level,
    /// The [MC-BUP] section, RFC section or documentation page the case checks.
    pub(crate) cite: &'static str,
    /// What a passing server does, in one line.
    pub(crate) title: &'static str,
    pub(crate) run: Run,
}

/// What a case runs against the server.
pub(crate) type Run = fn(&mut Ctx<'_>) -> Check;

impl Case {
    /// A case of `group`: each group's table builds its cases through this.
    pub(crate) const fn new(
        group: Group,
        id: &'static str,
        level: Level,
        cite: &'static str,
        title: &'static str,
        run: Run,
    ) -> Self {
        Self { id, group, level, cite, title, run }
    }
}

/// A case's result: `Ok` passes.
pub(crate) type Check = Result<(), Verdict>;

/// Why a case did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The server did not do what the case requires.
    Fail(String),
    /// The case could not be judged (a precondition the server may legitimately lack).
    Skip(String),
}

/// Fails the case with a formatted message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::check::case::Verdict::Fail(format!($($msg)+)));
        }
    };
}
pub(crate) use ensure;

/// One request and what came back.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) sent: Vec<u8>,
    pub(crate) answer: Option<Answer>,
}

/// A case's world: where to send, its deadline, and its log.
#[derive(Debug)]
pub(crate) struct Ctx<'t> {
    pub(crate) target: &'t Target,
    case_id: &'static str,
    run_tag: &'t str,
    deadline: Instant,
    pub(crate) log: Vec<Exchange>,
}

impl<'t> Ctx<'t> {
    pub(crate) fn new(target: &'t Target, case_id: &'static str, run_tag: &'t str, timeout: Duration) -> Self {
        Self { target, case_id, run_tag, deadline: Instant::now() + timeout, log: Vec::new() }
    }

    /// A new connection (a failure to connect fails the case).
    pub(crate) fn conn(&mut self) -> Result<Conn, Verdict> {
        Conn::open(&self.target.addr, self.deadline)
            .map_err(|e| Verdict::Fail(format!("cannot connect to {}: {e}", self.target.addr)))
    }

    /// This case's `n`-th file name under the prefix, unique to the run.
    pub(crate) fn path(&self, n: u32) -> String {
        self.target.path(&format!("check-{}-{}-{n}.bin", self.run_tag, self.case_id))
    }

    /// The request target of [`path`](Self::path).
    pub(crate) fn file(&self, n: u32) -> RequestTarget<'static> {
        RequestTarget::new(self.path(n)).unwrap_or_else(|_| RequestTarget::new("/").expect("a slash is a target"))
    }

    /// The `Host` header value.
    pub(crate) fn host(&self) -> FieldValue<'static> {
        FieldValue::new(self.target.host.clone()).unwrap_or_else(|_| FieldValue::from_static("localhost"))
    }

    /// Sends `bytes` on `conn` and reads one answer; both go to the log.
    pub(crate) fn exchange(&mut self, conn: &mut Conn, bytes: Vec<u8>) -> Answer {
        conn.send(&bytes);
        let answer = conn.read_answer();
        self.log.push(Exchange { sent: bytes, answer: Some(answer.clone()) });
        answer
    }

    /// Sends `bytes` without reading (an answer may be read later with [`read`](Self::read)).
    pub(crate) fn send_only(&mut self, conn: &mut Conn, bytes: Vec<u8>) {
        conn.send(&bytes);
        self.log.push(Exchange { sent: bytes, answer: None });
    }

    /// Reads one more answer on `conn`.
    pub(crate) fn read(&mut self, conn: &mut Conn) -> Answer {
        let answer = conn.read_answer();
        self.log.push(Exchange { sent: Vec::new(), answer: Some(answer.clone()) });
        answer
    }

    /// Sends a request built with the crate's types.
    pub(crate) fn send(&mut self, conn: &mut Conn, req: &Request<'_>) -> Answer {
        self.exchange(conn, req.to_vec())
    }

    // Requests, built with the crate's types (always with `Host`, RFC 9112 §3.2).

    pub(crate) fn ping(&self) -> Request<'static> {
        Request::ping(self.file(0)).with_host(self.host())
    }

    pub(crate) fn create(&self, n: u32) -> Request<'static> {
        Request::create_session(self.file(n), ProtocolList::one(Guid::BITS_1_5_UPLOAD)).with_host(self.host())
    }

    pub(crate) fn fragment(&self, n: u32, id: &SessionId<'_>, first: u64, data: &[u8], total: u64) -> Request<'static> {
        let range = ContentRange::from_len(first, data.len() as u64, total).expect("cases build valid ranges");
        Request::fragment(self.file(n), id.clone().into_owned(), range, data.to_vec())
            .expect("the body is the range's length")
            .with_host(self.host())
    }

    pub(crate) fn close(&self, n: u32, id: &SessionId<'_>) -> Request<'static> {
        Request::close_session(self.file(n), id.clone().into_owned()).with_host(self.host())
    }

    pub(crate) fn cancel(&self, n: u32, id: &SessionId<'_>) -> Request<'static> {
        Request::cancel_session(self.file(n), id.clone().into_owned()).with_host(self.host())
    }

    /// A request written by hand: `BITS_POST <path n> HTTP/1.1`, `Host`, then `lines` (each
    /// without its CRLF), the empty line and `body`. For shapes the crate's types refuse to
    /// build.
    pub(crate) fn raw(&self, n: u32, lines: &[&str], body: &[u8]) -> Vec<u8> {
        self.raw_with_start(&format!("BITS_POST {} HTTP/1.1", self.path(n)), lines, body)
    }

    /// As [`raw`](Self::raw) with a start line of the case's choosing.
    pub(crate) fn raw_with_start(&self, start: &str, lines: &[&str], body: &[u8]) -> Vec<u8> {
        let mut out = format!("{start}\r\nHost: {}\r\n", self.target.host).into_bytes();
        for l in lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }

    /// Create-Session for file `n` on `conn`; the case fails unless it gets a session id.
    pub(crate) fn session(&mut self, conn: &mut Conn, n: u32) -> Result<SessionId<'static>, Verdict> {
        let a = self.send(conn, &self.create(n));
        let ack = ok_ack(&a, "Create-Session")?;
        ack.session_id().cloned().ok_or_else(|| Verdict::Fail("the Create-Session Ack has no BITS-Session-Id".into()))
    }

    /// Sends a Fragment and requires an Ack with `status` and
    /// `BITS-Received-Content-Range: next`.
    pub(crate) fn fragment_expect(
        &mut self,
        conn: &mut Conn,
        req: &Request<'_>,
        status: u16,
        next: u64,
    ) -> Result<Ack<'static>, Verdict> {
        let a = self.send(conn, req);
        let ack = any_ack(&a, "the Fragment")?;
        ensure!(
            ack.status().as_u16() == status && ack.received_content_range() == Some(next),
            "expected {status} with BITS-Received-Content-Range {next}, got {} with {}",
            ack.status().as_u16(),
            show_range(ack.received_content_range())
        );
        Ok(ack.clone())
    }
}

/// A `len`-byte body that differs per `seed` (so a misplaced byte range shows).
pub(crate) fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

pub(crate) fn show_range(r: Option<u64>) -> String {
    r.map_or_else(|| "no BITS-Received-Content-Range".into(), |n| format!("BITS-Received-Content-Range {n}"))
}

/// The answer as an Ack of any status, or a failure naming `what` was answered.
pub(crate) fn any_ack<'a>(a: &'a Answer, what: &str) -> Result<&'a Ack<'static>, Verdict> {
    a.ack().ok_or_else(|| Verdict::Fail(format!("{what} got {}, not an Ack", a.summary())))
}

/// The answer as a 200 Ack.
pub(crate) fn ok_ack<'a>(a: &'a Answer, what: &str) -> Result<&'a Ack<'static>, Verdict> {
    let ack = any_ack(a, what)?;
    ensure!(ack.is_success() && ack.status().as_u16() == 200, "{what} got {}, expected 200", error_summary(ack));
    Ok(ack)
}

/// Requires an error Ack with `status`, `code` and context 0x5.
pub(crate) fn error_ack<'a>(
    a: &'a Answer,
    what: &str,
    status: u16,
    code: HResult,
) -> Result<&'a Ack<'static>, Verdict> {
    let ack = any_ack(a, what)?;
    ensure!(
        ack.status().as_u16() == status
            && ack.error_code() == Some(code)
            && ack.error_context().map(|c| c.0) == Some(5),
        "{what} got {}, expected {status} with BITS-Error-Code {code} and BITS-Error-Context 0x5",
        error_summary(ack)
    );
    Ok(ack)
}

/// Requires a refusal: an answer with a 4xx or 5xx status (an Ack or not). A connection closed
/// without an answer is not a refusal a client can act on.
pub(crate) fn refused(a: &Answer, what: &str) -> Check {
    match a.status() {
        Some(s) if s >= 400 => Ok(()),
        Some(s) => Err(Verdict::Fail(format!("{what} was accepted ({s}); it must be refused"))),
        None => Err(Verdict::Fail(format!("{what} got {}, expected a 4xx answer", a.summary()))),
    }
}

/// "500 with BITS-Error-Code 0x8020001F" style description of an Ack.
pub(crate) fn error_summary(ack: &Ack<'_>) -> String {
    let mut s = format!("{}", ack.status().as_u16());
    if let Some(c) = ack.error_code() {
        s.push_str(&format!(" with BITS-Error-Code {c}"));
    }
    if let Some(c) = ack.error_context() {
        s.push_str(&format!(" context {c}"));
    }
    s
}

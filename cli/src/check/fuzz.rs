//! `--fuzz N [--seed S]`: N sessions of structure-aware mutations sent over the wire.
//!
//! Each session is planned from its own seeded random stream before anything is sent, so the
//! same seed plans the same requests whatever the server answers (the plan's digest is
//! printed; the tests compare it). A session is one of:
//! - a request from the library's `Arbitrary` generator (its target and `Host` moved under the
//!   URL: traffic goes nowhere else);
//! - a valid upload (Create-Session, fragments, Close or Cancel) with mutations: fragments
//!   reordered, duplicated or dropped, a fragment cut off mid-body by a dropped connection,
//!   headers flipped (packet-type case, session-id case, a changed total), a new connection;
//! - a valid request with its bytes mutated (a byte flipped, a CR, LF or NUL inserted, a header
//!   line doubled), after which the checker half-closes so the server sees the end.
//!
//! The server's session id is only known once Create-Session is answered: plans carry a
//! placeholder id, replaced when sending. Findings: an answer that never comes, a connection
//! dropped without an answer (well-formed requests only), a 5xx other than the ones [MC-BUP]
//! §2.2.1.2 lists for a well-formed request, an answer that does not decode as an Ack, and a
//! `BITS-Received-Content-Range` lower than one already acknowledged in the session.

use std::fmt::Write as _;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use bits_codec::Encode;
use bits_codec::bits::{Guid, HResult, ProtocolList, Request, SessionId};
use bits_codec::http1::{ContentRange, FieldValue, RequestTarget};
use serde_json::json;

use super::report::escape;
use super::target::Target;
use super::wire::{Answer, Conn};
use crate::Failure;
use crate::stdio::write_stdout;

/// The id written into plans until the server gives the real one.
const PLACEHOLDER: &str = "{00000000-0000-4000-8000-0000F022F022}";

/// SplitMix64: tiny, fast, and the same on every platform, which is all a reproducible fuzz
/// plan needs (no dependency for it).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, session: u64) -> Self {
        let mut r = Self(seed ^ session.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One planned request.
#[derive(Debug, Clone)]
struct Step {
    bytes: Vec<u8>,
    /// Built by the crate's types (or a header flip that keeps the syntax): a 5xx outside the
    /// spec's list, or a dropped connection, is a finding.
    well_formed: bool,
    /// Open a new connection before sending.
    new_conn: bool,
    /// Send only this many bytes, then drop the connection (no answer expected).
    cut: Option<usize>,
    /// Half-close after sending (mutated bytes: the server must see the end).
    half_close: bool,
    /// Upper-case (`Some(true)`) or lower-case the server's session id when substituting it.
    id_case: Option<bool>,
    /// For a Fragment sent whole: the end of its range (`last + 1`). No server can
    /// acknowledge more than the highest end sent in the session.
    end: Option<u64>,
}

impl Step {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, well_formed: true, new_conn: false, cut: None, half_close: false, id_case: None, end: None }
    }
}

/// What went wrong, and where.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    kind: &'static str,
    session: u64,
    step: usize,
    request: Vec<u8>,
    answer: String,
    received: Vec<u8>,
}

/// The plans for sessions `0..n` of `seed`, and their digest (FNV-1a over every planned byte).
fn plans(target: &Target, n: u64, seed: u64) -> (Vec<Vec<Step>>, u64) {
    let mut digest: u64 = 0xCBF2_9CE4_8422_2325;
    let plans: Vec<Vec<Step>> = (0..n).map(|i| plan(target, seed, i)).collect();
    for step in plans.iter().flatten() {
        for &b in &step.bytes {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
    }
    (plans, digest)
}

fn plan(target: &Target, seed: u64, i: u64) -> Vec<Step> {
    let mut rng = Rng::new(seed, i);
    let path = target.path(&format!("fuzz-{seed}-{i}.bin"));
    let t = RequestTarget::new(path.clone()).unwrap_or_else(|_| RequestTarget::new("/").expect("a slash"));
    let host = FieldValue::new(target.host.clone()).unwrap_or_else(|_| FieldValue::from_static("localhost"));
    match rng.below(10) {
        0..=1 => arbitrary_request(&mut rng, &path, &target.host),
        2..=3 => mutated_bytes(&mut rng, &t, &host),
        _ => mutated_session(&mut rng, &t, &host),
    }
}

fn placeholder() -> SessionId<'static> {
    SessionId::new(PLACEHOLDER).expect("a GUID")
}

fn arbitrary_request(rng: &mut Rng, path: &str, host: &str) -> Vec<Step> {
    let raw = rng.bytes(1024);
    let mut u = Unstructured::new(&raw);
    let Ok(req) = Request::<'static>::arbitrary(&mut u) else { return Vec::new() };
    vec![Step::new(retarget(&req.to_vec(), path, host))]
}

/// Moves a request to `path` and `host`: the start line's target and any `Host` line.
fn retarget(bytes: &[u8], path: &str, host: &str) -> Vec<u8> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(bytes.len(), |p| p + 2);
    let (head, body) = bytes.split_at(head_end);
    let mut out = Vec::with_capacity(bytes.len() + path.len());
    for (n, line) in head.split_inclusive(|&b| b == b'\n').enumerate() {
        if n == 0 {
            out.extend_from_slice(format!("BITS_POST {path} HTTP/1.1\r\n").as_bytes());
        } else if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"host:") {
            out.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
        } else {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

fn mutated_bytes(rng: &mut Rng, t: &RequestTarget<'static>, host: &FieldValue<'static>) -> Vec<Step> {
    let base = match rng.below(3) {
        0 => Request::ping(t.clone()),
        1 => Request::create_session(t.clone(), ProtocolList::one(Guid::BITS_1_5_UPLOAD)),
        _ => {
            let body = rng.bytes(8);
            Request::fragment(t.clone(), placeholder(), ContentRange::new(0, 7, 16).expect("valid"), body)
                .expect("8 bytes")
        }
    }
    .with_host(host.clone());
    let mut bytes = base.to_vec();
    // Mutate only after the start line, so the target stays under the URL.
    let start = bytes.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    let at = start + rng.below((bytes.len() - start) as u64) as usize;
    match rng.below(4) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => bytes.insert(at, [b'\r', b'\n', 0][rng.below(3) as usize]),
        2 => {
            // Double a header line.
            let lines: Vec<(usize, usize)> = line_spans(&bytes, start);
            if let Some(&(s, e)) = lines.get(rng.below(lines.len().max(1) as u64) as usize) {
                let line = bytes[s..e].to_vec();
                bytes.splice(e..e, line);
            }
        }
        _ => bytes.truncate(at),
    }
    let mut step = Step::new(bytes);
    step.well_formed = false;
    step.half_close = true;
    let mut steps = Vec::new();
    if base.session_id().is_some() {
        steps.push(Step::new(
            Request::create_session(t.clone(), ProtocolList::one(Guid::BITS_1_5_UPLOAD))
                .with_host(host.clone())
                .to_vec(),
        ));
    }
    steps.push(step);
    steps
}

/// The `(start, end)` of each header line (CRLF included) after `from`, before the empty line.
fn line_spans(bytes: &[u8], from: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut s = from;
    while let Some(p) = bytes[s..].windows(2).position(|w| w == b"\r\n") {
        if p == 0 {
            break;
        }
        spans.push((s, s + p + 2));
        s += p + 2;
    }
    spans
}

fn mutated_session(rng: &mut Rng, t: &RequestTarget<'static>, host: &FieldValue<'static>) -> Vec<Step> {
    let len = 1 + rng.below(64);
    let data = rng.bytes(len as usize);
    let mut cuts: Vec<u64> = (0..rng.below(4)).map(|_| 1 + rng.below(len)).filter(|&c| c < len).collect();
    cuts.extend([0, len]);
    cuts.sort_unstable();
    cuts.dedup();
    let id = placeholder();
    let frag = |first: u64, last: u64, total: u64| -> Vec<u8> {
        let range = ContentRange::new(first, last, total).expect("inside the file");
        Request::fragment(t.clone(), id.clone(), range, data[first as usize..=last as usize].to_vec())
            .expect("the body is the range")
            .with_host(host.clone())
            .to_vec()
    };
    let mut frags: Vec<Step> =
        cuts.windows(2).map(|w| Step { end: Some(w[1]), ..Step::new(frag(w[0], w[1] - 1, len)) }).collect();
    for _ in 0..1 + rng.below(2) {
        let n = frags.len() as u64;
        match rng.below(7) {
            0 if n > 1 => frags.swap(rng.below(n) as usize, rng.below(n) as usize),
            1 => {
                let k = rng.below(n) as usize;
                let copy = frags[k].clone();
                frags.insert(k + 1, copy);
            }
            2 if n > 1 => {
                frags.pop();
            }
            3 => {
                // The fragment is cut off mid-body, then resent whole on a new connection.
                let k = rng.below(n) as usize;
                let mut cut = frags[k].clone();
                let body_at = cut.bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |p| p + 4);
                cut.cut = Some(body_at + rng.below((cut.bytes.len() - body_at) as u64) as usize);
                cut.end = None;
                frags[k].new_conn = true;
                frags.insert(k, cut);
            }
            4 => {
                // A header flip that keeps the syntax: packet-type case, or a changed total.
                let k = rng.below(n) as usize;
                if rng.chance(50) {
                    frags[k].bytes =
                        replace_once(&frags[k].bytes, b"BITS-Packet-Type: Fragment", b"BITS-Packet-Type: FRAGMENT");
                } else {
                    let from = format!("/{len}\r\n");
                    let to = format!("/{}\r\n", len + 1 + rng.below(5));
                    frags[k].bytes = replace_once(&frags[k].bytes, from.as_bytes(), to.as_bytes());
                }
            }
            5 => frags[rng.below(n) as usize].id_case = Some(rng.chance(50)),
            _ => frags[rng.below(n) as usize].new_conn = true,
        }
    }
    let mut steps = vec![Step::new(
        Request::create_session(t.clone(), ProtocolList::one(Guid::BITS_1_5_UPLOAD)).with_host(host.clone()).to_vec(),
    )];
    steps.extend(frags);
    let end =
        if rng.chance(80) { Request::close_session(t.clone(), id) } else { Request::cancel_session(t.clone(), id) };
    steps.push(Step::new(end.with_host(host.clone()).to_vec()));
    steps
}

fn replace_once(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    match bytes.windows(from.len()).position(|w| w == from) {
        Some(p) => [&bytes[..p], to, &bytes[p + from.len()..]].concat(),
        None => bytes.to_vec(),
    }
}

/// The 5xx answers [MC-BUP] §2.2.1.2 lists: a well-formed request may get these.
fn listed_5xx(a: &Answer) -> bool {
    let Some(ack) = a.ack() else { return false };
    matches!(
        (ack.status().as_u16(), ack.error_code()),
        (
            500,
            Some(
                HResult::BG_E_SESSION_NOT_FOUND
                    | HResult::BG_E_TOO_LARGE
                    | HResult::ERROR_DISK_FULL
                    | HResult::ERROR_DISK_FULL_AS_SPECIFIED
            )
        ) | (501, Some(HResult::E_ACCESSDENIED))
            | (505, _)
    )
}

/// Runs `n` sessions; returns the findings and the plan digest.
pub(crate) fn run(target: &Target, n: u64, seed: u64, timeout: Duration) -> (Vec<Finding>, u64) {
    let (plans, digest) = plans(target, n, seed);
    let mut found = Vec::new();
    for (i, steps) in plans.into_iter().enumerate() {
        let path = steps.first().and_then(|s| request_path(&s.bytes)).map(str::to_owned);
        let id = run_session(target, i as u64, steps, timeout, &mut found);
        // Leave nothing behind: a session the plan opened and did not finish would count
        // against the server's caps (sessions per client) and turn later sessions into 503s.
        if let (Some(path), Some(id)) = (path, id) {
            cancel(target, &path, &id, timeout);
        }
    }
    (found, digest)
}

/// Sends one session's steps; returns the session id the server gave, if any.
fn run_session(
    target: &Target,
    session: u64,
    steps: Vec<Step>,
    timeout: Duration,
    found: &mut Vec<Finding>,
) -> Option<String> {
    let deadline = Instant::now() + timeout;
    let mut conn: Option<Conn> = None;
    let mut id: Option<String> = None;
    let mut highest: Option<u64> = None;
    let mut sent_end: u64 = 0;
    for (k, step) in steps.into_iter().enumerate() {
        let mut bytes = step.bytes.clone();
        if let Some(real) = &id {
            let real = match step.id_case {
                Some(true) => real.to_ascii_uppercase(),
                Some(false) => real.to_ascii_lowercase(),
                None => real.clone(),
            };
            bytes = replace_once(&bytes, PLACEHOLDER.as_bytes(), real.as_bytes());
        }
        if step.new_conn {
            conn = None;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::open(&target.addr, deadline) {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    found.push(Finding {
                        kind: "no answer",
                        session,
                        step: k,
                        request: bytes,
                        answer: format!("cannot connect: {e}"),
                        received: Vec::new(),
                    });
                    return id;
                }
            },
        };
        if let Some(cut) = step.cut {
            c.send(&bytes[..cut.min(bytes.len())]);
            c.shutdown(Shutdown::Both);
            conn = None;
            continue;
        }
        c.send(&bytes);
        sent_end = sent_end.max(step.end.unwrap_or(0));
        if step.half_close {
            c.shutdown(Shutdown::Write);
        }
        let answer = c.read_answer();
        let mut report = |kind: &'static str| {
            found.push(Finding {
                kind,
                session,
                step: k,
                request: bytes.clone(),
                answer: answer.summary(),
                received: answer.raw().to_vec(),
            });
        };
        match &answer {
            Answer::Timeout { .. } => {
                report("no answer");
                return id;
            }
            Answer::Closed { raw } if raw.is_empty() => {
                if step.well_formed {
                    report("dropped without an answer");
                }
                conn = None;
                continue;
            }
            // A request broken at the HTTP level (a mutated request line or field) may be
            // answered by the HTTP layer in front of BITS with a plain 4xx, not an Ack: [MC-BUP]
            // §3.2.5.2.1 allows HTTP-level error responses, and such a server cannot know the
            // request was meant as BITS. Only a well-formed request must get an Ack.
            Answer::Closed { raw } | Answer::Unframed { raw, .. } if !step.well_formed && is_http_client_error(raw) => {
                conn = None;
                continue;
            }
            Answer::Closed { .. } | Answer::Unframed { .. } => {
                report("answer does not decode");
                conn = None;
                continue;
            }
            Answer::Ack { ack, .. } => {
                let status = ack.status().as_u16();
                if step.well_formed && status >= 500 && !listed_5xx(&answer) {
                    report("5xx for a well-formed request");
                }
                if id.is_none() && status == 200 {
                    id = ack.session_id().map(|s| s.as_str().to_owned());
                }
                if let (Some(next), Some(_)) = (ack.received_content_range(), step.end) {
                    if highest.is_some_and(|h| next < h) {
                        report("acknowledged offset went backwards");
                    }
                    if next > sent_end {
                        report("acknowledged past the data sent");
                    }
                    highest = highest.max(Some(next));
                }
            }
        }
        if step.half_close {
            conn = None;
        }
    }
    id
}

/// Prints the fuzz report; findings make the exit status 1.
pub(crate) fn report(
    found: &[Finding],
    digest: u64,
    n: u64,
    seed: u64,
    target: &Target,
    as_json: bool,
) -> Result<(), Failure> {
    let reproduce = format!("bits-codec check {target} --fuzz {n} --seed {seed}");
    if as_json {
        let items: Vec<_> = found
            .iter()
            .map(|f| {
                json!({
                    "kind": f.kind,
                    "session": f.session,
                    "step": f.step,
                    "answer": f.answer,
                    "request": escape(&f.request, 4096),
                    "request_hex": hex(&f.request),
                    "received": escape(&f.received, 4096),
                })
            })
            .collect();
        let doc = json!({
            "target": target.to_string(),
            "sessions": n,
            "seed": seed,
            "plan_digest": format!("{digest:016x}"),
            "reproduce": reproduce,
            "findings": items,
        });
        let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| Failure::Io(e.to_string()))?;
        out.push(b'\n');
        write_stdout(&out)?;
    } else {
        let mut out = format!(
            "bits-codec check {target} --fuzz {n} --seed {seed}\nplan digest {digest:016x}; {} finding(s)\n",
            found.len()
        );
        for f in found {
            let _ = writeln!(out, "\n{} (session {}, step {}): {}", f.kind, f.session, f.step, f.answer);
            let _ = writeln!(out, "  reproduce: {reproduce}");
            let _ = writeln!(out, "  sent:");
            for l in escape(&f.request, 2048).lines() {
                let _ = writeln!(out, "    {l}");
            }
            if !f.received.is_empty() {
                let _ = writeln!(out, "  received:");
                for l in escape(&f.received, 1024).lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
        write_stdout(out.as_bytes())?;
    }
    if found.is_empty() { Ok(()) } else { Err(Failure::Invalid(format!("fuzz: {} finding(s)", found.len()))) }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `raw` is one complete, framed HTTP/1.1 response with a 4xx status (an HTTP-level refusal).
fn is_http_client_error(raw: &[u8]) -> bool {
    use bits_codec::Decode;
    use bits_codec::http1::{Message, StartLine};
    match Message::decode(raw) {
        Ok((m, used)) if used == raw.len() => {
            matches!(m.start_line(), StartLine::Response { status, .. } if (400..500).contains(&status.as_u16()))
        }
        _ => false,
    }
}

/// The request target of a request's first line.
fn request_path(bytes: &[u8]) -> Option<&str> {
    let line = bytes.split(|&b| b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    let (_method, path) = (parts.next()?, parts.next()?);
    std::str::from_utf8(path).ok()
}

/// Best effort: a Cancel-Session for `id` at `path` on a new connection; the answer is not
/// judged (a session already closed or cancelled answers BG_E_SESSION_NOT_FOUND).
fn cancel(target: &Target, path: &str, id: &str, timeout: Duration) {
    let wire = format!(
        "BITS_POST {path} HTTP/1.1\r\nHost: {}\r\nBITS-Packet-Type: Cancel-Session\r\nBITS-Session-Id: {id}\r\n\
         Content-Length: 0\r\n\r\n",
        target.host
    );
    if let Ok(mut c) = Conn::open(&target.addr, Instant::now() + timeout) {
        c.send(wire.as_bytes());
        let _ = c.read_answer();
    }
}

#[cfg(test)]
mod tests {
    use super::{Target, plans};

    #[test]
    fn the_same_seed_plans_the_same_requests_and_another_seed_does_not() {
        let t = Target::parse("http://127.0.0.1:1/up/").unwrap();
        let (a, da) = plans(&t, 50, 7);
        let (b, db) = plans(&t, 50, 7);
        let (_, dc) = plans(&t, 50, 8);
        assert_eq!(da, db);
        assert_ne!(da, dc);
        let bytes = |p: &Vec<Vec<super::Step>>| p.iter().flatten().map(|s| s.bytes.clone()).collect::<Vec<_>>();
        assert_eq!(bytes(&a), bytes(&b));
    }

    #[test]
    fn every_planned_request_goes_under_the_url_prefix() {
        let t = Target::parse("http://127.0.0.1:1/up/").unwrap();
        let (p, _) = plans(&t, 200, 3);
        for step in p.iter().flatten() {
            assert!(
                step.bytes.starts_with(b"BITS_POST /up/fuzz-3-"),
                "{:?}",
                String::from_utf8_lossy(&step.bytes[..40])
            );
        }
    }
}

//! A BITS server for testing the checker: the crate's sans-IO `bits::server::Server` over std
//! TCP, with faults chosen by the first path segment of the request target
//! (`http://ADDR/<fault>/...`). `ok` is the fault-free server; every other name is one
//! misbehaviour found in real BITS servers or one that a case exists to catch.
//!
//! One server per test binary ([`server`]); each fault has its own session table, so runs
//! against different faults do not see each other's sessions.

#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use bits_codec::bits::server::{Action, Server, ServerConfig, sequential_ids};
use bits_codec::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, ProtocolList, Request, RequestHead, RequestKind, SessionId,
};
use bits_codec::http1::{RequestTarget, Status};
use bits_codec::{Decode, DecodeError, Encode, InvalidKind};

/// Every fault the server knows, with what it does.
pub const FAULTS: &[(&str, &str)] = &[
    ("ok", "no fault"),
    ("bare-lf-acks", "Acks end their lines with LF alone"),
    ("ack-body", "every Ack has a 2-byte body"),
    ("close-after-ack", "closes the connection after every Ack, without Connection: close"),
    ("no-pipelining", "drops whatever follows a request in the same read"),
    ("lenient", "answers 200 to every request it cannot decode"),
    ("strict-headers", "refuses requests with header fields it does not know"),
    ("case-sensitive-type", "accepts only the Windows spellings of BITS-Packet-Type"),
    ("drop-unknown-type", "drops the connection on an unknown packet type"),
    ("close-after-error", "closes after an error Ack without saying Connection: close"),
    ("ping-needs-session", "answers a Ping without a session 500 session-not-found"),
    ("ping-checks-session", "looks up a Ping's session id"),
    ("ping-resets-sessions", "forgets every session on a Ping"),
    ("unbraced-ids", "session ids without braces"),
    ("strict-protocol-list", "refuses a BITS-Supported-Protocols list of more than one GUID"),
    ("guid-upper-only", "recognises the protocol GUID only in upper case"),
    ("guid-lower-only", "recognises the protocol GUID only in lower case"),
    ("any-protocol", "accepts any protocol GUID"),
    ("reuse-ids", "gives every session the same id"),
    ("minimal-acks", "no Accept-Encoding, no BITS-Session-Id on Fragment, Close and Cancel Acks"),
    ("takes-client-id", "takes the session id a Create-Session carries"),
    ("no-brcr", "Fragment Acks without BITS-Received-Content-Range"),
    ("gap-500", "a gap is answered 500 without Content-Length or packet type, then closed"),
    ("store-twice", "counts resent bytes again (acks past the data)"),
    ("final-again-400", "refuses a fragment on a complete upload"),
    ("ignore-total", "accepts a fragment whose total changed"),
    ("brcr-last", "BITS-Received-Content-Range is the last byte, not the next"),
    ("drop-large", "drops the connection on a body over 64 KiB"),
    ("total-500", "500 E_FAIL for totals over 2^53"),
    ("error-headers-on-200", "BITS-Error-Code 0x0 on every 200 Ack"),
    ("close-idempotent", "Close and Cancel of an unknown session get 200"),
    ("keep-after-cancel", "Cancel answers 200 but keeps the session and its data"),
    ("close-partial-ok", "Close before the last byte gets 200"),
    ("commit-keeps-session", "Close answers 200 but the session lives on"),
    ("per-connection", "sessions live in the TCP connection that made them"),
    ("one-session-per-conn", "a second Create-Session on a connection cancels the first"),
    ("resume-by-name", "a Create-Session for a file with a live session joins it"),
    ("wrong-not-found", "an unknown session gets 404 without an error code"),
    ("echo-wrong-id", "error Acks carry another session id"),
    ("spec-error-name", "errors in BITS-Error (the spec's name), not BITS-Error-Code"),
    ("no-error-context", "error Acks without BITS-Error-Context"),
    ("416-with-error", "416 Acks carry BITS-Error-Code 0x80004005"),
];

pub struct FaultServer {
    addr: SocketAddr,
}

impl FaultServer {
    /// The URL of the server with `fault`.
    pub fn url(&self, fault: &str) -> String {
        format!("http://{}/{fault}/", self.addr)
    }
}

/// The test binary's server, started on first use.
pub fn server() -> &'static FaultServer {
    static SERVER: OnceLock<FaultServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Mutex::new(HashMap::<String, State>::new()));
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                thread::spawn(move || Conn::new(stream, shared).serve());
            }
        });
        FaultServer { addr }
    })
}

/// One fault's sessions and stored bytes.
struct State {
    server: Server,
    store: HashMap<Guid, Vec<u8>>,
    seen: HashSet<Guid>,
    kept: HashMap<String, Guid>,
}

impl State {
    fn new(fault: &str, n: u128) -> Self {
        let mut config = ServerConfig::default();
        match fault {
            "spec-error-name" => config = config.error_header(ErrorHeaderName::Spec),
            "minimal-acks" => config = config.echo_session_id(false),
            _ => {}
        }
        let seed = 0x4C0F_FEE0_0000_4000_8000_0000_0000_0000 + (n << 32);
        Self {
            server: Server::new(config, sequential_ids(seed)),
            store: HashMap::new(),
            seen: HashSet::new(),
            kept: HashMap::new(),
        }
    }
}

struct Conn {
    stream: TcpStream,
    shared: Arc<Mutex<HashMap<String, State>>>,
    local: HashMap<String, State>,
    created: Option<(String, SessionId<'static>)>,
    extra: HashMap<Guid, u64>,
}

fn fault_of(target: &[u8]) -> String {
    let s = String::from_utf8_lossy(target);
    s.trim_start_matches('/').split('/').next().unwrap_or("").to_owned()
}

/// The request target of a request that did not decode, from its first line.
fn raw_target(buf: &[u8]) -> Vec<u8> {
    let line = buf.split(|&b| b == b'\n').next().unwrap_or(b"");
    line.split(|&b| b == b' ').nth(1).unwrap_or(b"").to_vec()
}

impl Conn {
    fn new(stream: TcpStream, shared: Arc<Mutex<HashMap<String, State>>>) -> Self {
        Self { stream, shared, local: HashMap::new(), created: None, extra: HashMap::new() }
    }

    fn serve(mut self) {
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if !buf.is_empty() {
                if let Ok((head, _)) = RequestHead::decode(&buf)
                    && fault_of(head.target().as_str().as_bytes()) == "drop-large"
                    && head.body_len() > 64 * 1024
                {
                    return;
                }
                match Request::decode(&buf) {
                    Ok((req, used)) => {
                        let fault = fault_of(req.target().as_str().as_bytes());
                        let (out, close) = self.answer(&fault, &req);
                        if !out.is_empty() && self.stream.write_all(&out).is_err() {
                            return;
                        }
                        if close || fault == "close-after-ack" {
                            return;
                        }
                        if fault == "no-pipelining" {
                            buf.clear();
                        } else {
                            buf.drain(..used);
                        }
                        continue;
                    }
                    Err(DecodeError::Incomplete { .. }) => {}
                    Err(DecodeError::Invalid(e)) => {
                        let fault = fault_of(&raw_target(&buf));
                        let ack = match fault.as_str() {
                            "lenient" => Ack::ok().to_vec(),
                            "drop-unknown-type" if e.kind == InvalidKind::PacketType => return,
                            _ => {
                                let mut ack = Ack::for_invalid_request(&e);
                                if e.kind == InvalidKind::MissingHeader("Content-Length") {
                                    ack = Ack::error(
                                        Status::LENGTH_REQUIRED,
                                        HResult::E_INVALIDARG,
                                        ErrorContext::REMOTE_FILE,
                                    );
                                }
                                let bytes = ack.to_vec();
                                // The framing is lost after a request that does not decode:
                                // say so, then close (RFC 9112 §9.6).
                                if fault == "close-after-error" {
                                    bytes
                                } else {
                                    add_header(&bytes, "Connection: close")
                                }
                            }
                        };
                        let _ = self.stream.write_all(&post(&fault, ack));
                        return;
                    }
                    _ => return,
                }
            }
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The bytes to send for a decoded request, and whether to close afterwards.
    fn answer(&mut self, fault: &str, req: &Request<'_>) -> (Vec<u8>, bool) {
        let shared = Arc::clone(&self.shared);
        let mut guard = shared.lock().unwrap_or_else(|p| p.into_inner());
        let mut local = std::mem::take(&mut self.local);
        let n = guard.len() as u128 + local.len() as u128 + 1;
        let st = if fault == "per-connection" {
            local.entry(fault.to_owned()).or_insert_with(|| State::new(fault, n + 0x100))
        } else {
            guard.entry(fault.to_owned()).or_insert_with(|| State::new(fault, n))
        };
        let out = self.answer_with(fault, req, st);
        self.local = local;
        out
    }

    fn answer_with(&mut self, fault: &str, req: &Request<'_>, st: &mut State) -> (Vec<u8>, bool) {
        let dest = req.target().as_str().to_owned();
        if let Some(ack) = Self::pre(fault, st, req, &dest) {
            return (post(fault, ack.to_vec()), false);
        }
        let reply = st.server.handle(req);
        let mut ack = reply.ack.clone();
        match &reply.action {
            Action::Open { session, .. } => {
                st.seen.insert(*session);
                st.store.insert(*session, Vec::new());
                if fault == "one-session-per-conn"
                    && let Some((d, prev)) = self.created.take()
                {
                    let cancel = Request::cancel_session(RequestTarget::new(d).expect("target"), prev);
                    st.server.handle(&cancel);
                }
                let id = ack.session_id().cloned().expect("created");
                self.created = Some((dest.clone(), id.into_owned()));
            }
            Action::Write(w) => {
                if let (Some(data), Some(s)) = (w.slice(req.body()), st.store.get_mut(&w.session)) {
                    let at = w.offset as usize;
                    if s.len() < at + data.len() {
                        s.resize(at + data.len(), 0);
                    }
                    s[at..at + data.len()].copy_from_slice(data);
                }
            }
            Action::Commit { session, .. } | Action::Discard { session, .. } => {
                st.store.remove(session);
            }
            _ => {}
        }
        if let RequestKind::Fragment { session_id, range } = req.kind() {
            let g = session_id.as_guid().unwrap_or(Guid::from_u128(0));
            let status = ack.status().as_u16();
            match fault {
                "store-twice" if status == 200 => {
                    let written = match &reply.action {
                        Action::Write(w) => w.len,
                        _ => 0,
                    };
                    let e = self.extra.entry(g).or_default();
                    *e += range.len() - written;
                    let next = ack.received_content_range().unwrap_or(0) + *e;
                    ack = Ack::fragment_received(Status::OK, next).with_session_id(session_id.clone().into_owned());
                }
                "brcr-last" if status == 200 => {
                    let next = ack.received_content_range().unwrap_or(1).saturating_sub(1);
                    ack = Ack::fragment_received(Status::OK, next).with_session_id(session_id.clone().into_owned());
                }
                "ignore-total" if status == 400 => {
                    let next = st.server.session(g).map_or(0, |s| s.received);
                    ack = Ack::fragment_received(Status::OK, next).with_session_id(session_id.clone().into_owned());
                }
                "gap-500" if status == 416 => return (b"HTTP/1.1 500 Internal Server Error\r\n\r\n".to_vec(), true),
                _ => {}
            }
        }
        if fault == "close-partial-ok"
            && matches!(req.kind(), RequestKind::CloseSession { .. })
            && ack.status().as_u16() == 400
        {
            ack = Ack::ok().with_session_id(req.session_id().cloned().expect("close has an id").into_owned());
        }
        let mut bytes = ack.to_vec();
        if let RequestKind::CreateSession { .. } = req.kind() {
            bytes = match fault {
                "unbraced-ids" => edit_session_id(&bytes, |id| id.trim_matches(|c| c == '{' || c == '}').to_owned()),
                "reuse-ids" => edit_session_id(&bytes, |_| "{00000000-0000-4000-8000-000000000001}".to_owned()),
                "takes-client-id" => {
                    match req.headers().get("BITS-Session-Id").and_then(|f| f.value_str().map(str::to_owned)) {
                        Some(sent) => edit_session_id(&bytes, |_| sent.clone()),
                        None => bytes,
                    }
                }
                _ => bytes,
            };
        }
        (post(fault, bytes), false)
    }

    /// Faults that answer before the machine sees the request.
    fn pre(fault: &str, st: &mut State, req: &Request<'_>, dest: &str) -> Option<Ack<'static>> {
        let id = req.session_id().map(|s| s.clone().into_owned());
        let known = |st: &State, id: &Option<SessionId<'static>>| {
            id.as_ref().and_then(SessionId::as_guid).is_some_and(|g| st.server.session(g).is_some())
        };
        let not_found =
            || Ack::error(Status::INTERNAL_SERVER_ERROR, HResult::BG_E_SESSION_NOT_FOUND, ErrorContext::REMOTE_FILE);
        let bad = || Ack::error(Status::BAD_REQUEST, HResult::E_INVALIDARG, ErrorContext::REMOTE_FILE);
        let type_value =
            req.headers().get("BITS-Packet-Type").and_then(|f| f.value_str().map(str::to_owned)).unwrap_or_default();
        match (fault, req.kind()) {
            ("case-sensitive-type", _)
                if !["Ping", "Create-Session", "Fragment", "Close-Session", "Cancel-Session"]
                    .contains(&type_value.as_str()) =>
            {
                Some(bad())
            }
            ("strict-headers", _)
                if req.headers().iter().any(|f| {
                    let n = f.name.to_ascii_lowercase();
                    n.starts_with("x-") || n == "bits-future-field"
                }) =>
            {
                Some(bad())
            }
            ("ping-needs-session", RequestKind::Ping) if id.is_none() => Some(not_found()),
            ("ping-checks-session", RequestKind::Ping) if id.is_some() && !known(st, &id) => Some(not_found()),
            ("ping-resets-sessions", RequestKind::Ping) => {
                *st = State::new(fault, 0x77);
                Some(Ack::ok())
            }
            ("strict-protocol-list", RequestKind::CreateSession { protocols }) if protocols.len() > 1 => Some(bad()),
            ("guid-upper-only" | "guid-lower-only", RequestKind::CreateSession { .. }) => {
                let v = req
                    .headers()
                    .get("BITS-Supported-Protocols")
                    .and_then(|f| f.value_str().map(str::to_owned))
                    .unwrap_or_default();
                let refuse = if fault == "guid-upper-only" {
                    v.bytes().any(|b| (b'a'..=b'f').contains(&b))
                } else {
                    v.bytes().any(|b| (b'A'..=b'F').contains(&b))
                };
                refuse.then(bad)
            }
            ("any-protocol", RequestKind::CreateSession { protocols })
                if !protocols.contains(Guid::BITS_1_5_UPLOAD) =>
            {
                let first = protocols.iter().next().unwrap_or(Guid::BITS_1_5_UPLOAD);
                let create = Request::create_session(req.target().clone(), ProtocolList::one(Guid::BITS_1_5_UPLOAD));
                let reply = st.server.handle(&create);
                Some(reply.ack.with_protocol(first))
            }
            ("keep-after-cancel", RequestKind::CancelSession { .. }) if known(st, &id) => {
                let id = id.expect("known");
                st.kept.insert(dest.to_owned(), id.as_guid().expect("known"));
                Some(Ack::ok().with_session_id(id))
            }
            ("keep-after-cancel", RequestKind::CreateSession { .. }) => {
                let g = st.kept.get(dest)?;
                Some(Ack::session_created(Guid::BITS_1_5_UPLOAD, SessionId::from_guid(*g)))
            }
            ("resume-by-name", RequestKind::CreateSession { .. }) => {
                let live = st.seen.iter().find(|g| st.server.session(**g).is_some_and(|s| s.destination == dest))?;
                Some(Ack::session_created(Guid::BITS_1_5_UPLOAD, SessionId::from_guid(*live)))
            }
            ("final-again-400", RequestKind::Fragment { session_id, .. })
                if session_id.as_guid().and_then(|g| st.server.session(g)).is_some_and(|s| s.is_complete()) =>
            {
                Some(bad().with_session_id(session_id.clone().into_owned()))
            }
            ("total-500", RequestKind::Fragment { range, .. }) if range.total() > 1 << 53 => {
                Some(Ack::error(Status::INTERNAL_SERVER_ERROR, HResult::E_FAIL, ErrorContext::REMOTE_FILE))
            }
            ("commit-keeps-session", RequestKind::CloseSession { .. }) if known(st, &id) => {
                Some(Ack::ok().with_session_id(id.expect("known")))
            }
            ("close-idempotent", RequestKind::CloseSession { .. } | RequestKind::CancelSession { .. })
                if !known(st, &id) =>
            {
                Some(Ack::ok().with_session_id(id.expect("close and cancel have ids")))
            }
            _ => None,
        }
    }
}

/// Faults applied to the bytes of every Ack.
fn post(fault: &str, mut bytes: Vec<u8>) -> Vec<u8> {
    let Ok((ack, _)) = Ack::decode(&bytes) else { return bytes };
    let status = ack.status().as_u16();
    let code = ack.error_code();
    drop(ack);
    match fault {
        "bare-lf-acks" => bytes = replace(&bytes, b"\r\n", b"\n"),
        "ack-body" => {
            bytes = replace(&bytes, b"Content-Length: 0\r\n", b"Content-Length: 2\r\n");
            bytes.extend_from_slice(b"OK");
        }
        "minimal-acks" => bytes = strip_header(&bytes, "Accept-Encoding"),
        "no-brcr" => bytes = strip_header(&bytes, "BITS-Received-Content-Range"),
        "error-headers-on-200" if status == 200 => {
            bytes = add_header(&bytes, "BITS-Error-Code: 0x0\r\nBITS-Error-Context: 0x5")
        }
        "wrong-not-found" if code == Some(HResult::BG_E_SESSION_NOT_FOUND) => {
            bytes = b"HTTP/1.1 404 Not Found\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n".to_vec();
        }
        "echo-wrong-id" if status >= 400 => {
            bytes = add_header(
                &strip_header(&bytes, "BITS-Session-Id"),
                "BITS-Session-Id: {00000000-0000-0000-0000-000000000000}",
            );
        }
        "no-error-context" => bytes = strip_header(&bytes, "BITS-Error-Context"),
        "416-with-error" if status == 416 => {
            bytes = add_header(&bytes, "BITS-Error-Code: 0x80004005\r\nBITS-Error-Context: 0x5")
        }
        _ => {}
    }
    bytes
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Removes every header line named `name` (case-insensitive) from a head.
fn strip_header(bytes: &[u8], name: &str) -> Vec<u8> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut out = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if !line.to_ascii_lowercase().starts_with(prefix.as_bytes()) {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Inserts `lines` (without the final CRLF) right after the status line.
fn add_header(bytes: &[u8], lines: &str) -> Vec<u8> {
    let at = bytes.windows(2).position(|w| w == b"\r\n").map_or(0, |p| p + 2);
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(lines.as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&bytes[at..]);
    out
}

fn edit_session_id(bytes: &[u8], f: impl Fn(&str) -> String) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("BITS-Session-Id: ") {
            Some(v) => out.push_str(&format!("BITS-Session-Id: {}\r\n", f(v.trim_end()))),
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

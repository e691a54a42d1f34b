//! What BITS servers and clients in use really send (`corpus/peers/`, see its README): each
//! shape decodes, and the client machine, driven over real loopback sockets by a caller that
//! reads answers as a socket client must, completes uploads against servers that answer with
//! those exact bytes.
//!
//! The scripted server here answers from a script, not from the server machine: it plays the
//! peers that answer outside the letter of [MC-BUP] (empty error headers, 201 with an unbraced
//! session id, codes without `0x`, a 200 carrying `BG_E_TOO_LARGE`, an unframed 500 on a kept
//! connection after which it forgets the session).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use bits_codec::bits::client::{Client, ClientConfig, ClientError, Event, Response, Step};
use bits_codec::bits::{Ack, ErrorContext, HResult, PacketType, Request};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

fn peer(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/peers")).join(name)).unwrap()
}

/// How long the caller waits, once part of an answer has come, for more of it before it takes
/// what it has as ended (a real driver's read timeout, short here to keep the suite fast).
const READ_TIMEOUT: Duration = Duration::from_millis(250);
/// How long it waits for an answer to begin (long: a loaded machine must not turn a slow
/// answer into a lost one).
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Each shape on its exact bytes.

#[test]
fn a_ping_ack_with_empty_error_headers_decodes_with_them_absent() {
    let wire = peer("p01-ack-ping-empty-error-headers.http");
    let (ack, used) = Ack::decode(&wire).unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(ack.status().as_u16(), 200);
    assert_eq!(ack.error_context(), None, "an empty BITS-Error-Context is absent");
    assert_eq!(ack.error_code(), Some(HResult(1)));
    assert_eq!(ack.to_vec(), wire, "the empty header is kept on the wire");
}

#[test]
fn an_unframed_500_without_packet_type_is_plain_http_that_ends_at_close() {
    let wire = peer("p02-ack-fragment-500-unframed-no-packet-type.http");
    // Framed decoding cannot end it: without Content-Length the body runs to the close.
    assert!(matches!(Response::decode(&wire), Err(DecodeError::Incomplete { .. })));
    let (response, used) = Response::decode_at_eof(&wire, &DecodeOptions::default()).unwrap();
    assert_eq!(used, wire.len());
    assert!(matches!(response, Response::Http(_)));
    assert!(response.is_unframed());
    assert_eq!(response.status().as_u16(), 500);
}

#[test]
fn a_200_carrying_too_large_decodes_as_an_ack_with_that_code_and_no_range() {
    let wire = peer("p03-ack-fragment-200-too-large.http");
    let (ack, _) = Ack::decode(&wire).unwrap();
    assert_eq!(ack.status().as_u16(), 200);
    assert_eq!(ack.error_code(), Some(HResult::BG_E_TOO_LARGE));
    assert_eq!(ack.received_content_range(), None);
}

#[test]
fn create_session_acks_with_unbraced_or_decimal_session_ids_decode() {
    for (name, status, id) in [
        ("p04-ack-create-session-201-unbraced-lowercase-id.http", 201, "3f2a51c4-7b1e-4d0a-9c55-0e6f1d2b8a90"),
        ("p06-ack-create-session-decimal-signed-session-id.http", 200, "-4611686018427387904"),
    ] {
        let wire = peer(name);
        let (ack, used) = Ack::decode(&wire).unwrap();
        assert_eq!(used, wire.len(), "{name}");
        assert_eq!(ack.status().as_u16(), status, "{name}");
        assert_eq!(ack.session_id().unwrap().as_str(), id, "{name}");
        assert!(ack.protocol().is_some(), "{name}");
        assert_eq!(ack.to_vec(), wire, "{name}");
    }
}

#[test]
fn error_codes_without_0x_decode_as_hex() {
    let wire = peer("p05-ack-error-codes-without-0x.http");
    let (ack, _) = Ack::decode(&wire).unwrap();
    assert_eq!(ack.error_code(), Some(HResult(0)));
    assert_eq!(ack.error_context(), Some(ErrorContext(5)));
}

#[test]
fn bodiless_requests_without_content_length_decode_only_with_the_named_leniency() {
    let lenient = DecodeOptions::default().allow_bodiless_without_content_length(true);
    for (name, kind) in [
        ("p07-create-session-httplib-no-content-length.http", PacketType::CreateSession),
        ("p08-ping-curl-no-content-length.http", PacketType::Ping),
        ("p09-close-session-httplib-no-content-length.http", PacketType::CloseSession),
        ("p10-cancel-session-curl-no-content-length.http", PacketType::CancelSession),
    ] {
        let wire = peer(name);
        let err = Request::decode(&wire).unwrap_err();
        assert!(err.to_string().contains("Content-Length"), "{name}: {err}");
        let (request, used) = Request::decode_with(&wire, &lenient).unwrap();
        assert_eq!(used, wire.len(), "{name}");
        assert_eq!(request.packet_type(), kind, "{name}");
        assert_eq!(request.body(), b"", "{name}");
        assert_eq!(request.to_vec(), wire, "{name}: re-encodes without a Content-Length it never had");
    }
}

// ---------------------------------------------------------------------------------------------
// A scripted peer over loopback, and a caller that drives the client machine over a socket.

/// The server's side of the script: the answer's exact bytes for each request, and whether to
/// hold the connection open afterwards without reading (an unframed answer's peer).
struct Answer {
    bytes: Vec<u8>,
    then_hang: bool,
}

impl Answer {
    fn framed(bytes: Vec<u8>) -> Self {
        Self { bytes, then_hang: false }
    }
}

/// What the scripted server saw: the typed requests in order, and connections accepted.
#[derive(Default)]
struct Seen {
    requests: Vec<(PacketType, Option<String>)>,
    connections: usize,
}

/// Starts a server on 127.0.0.1 that answers each request with `script(request)`; returns its
/// port and what it saw.
fn scripted_server(mut script: impl FnMut(&Request<'_>) -> Answer + Send + 'static) -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            log.lock().unwrap().connections += 1;
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut buf = Vec::new();
            'connection: loop {
                let (answer, used) = loop {
                    match Request::decode(&buf) {
                        Ok((request, used)) => {
                            log.lock()
                                .unwrap()
                                .requests
                                .push((request.packet_type(), request.session_id().map(|s| s.as_str().to_owned())));
                            break (script(&request), used);
                        }
                        Err(DecodeError::Incomplete { .. }) => {}
                        Err(e) => panic!("the client sent an invalid request: {e}"),
                    }
                    let mut chunk = [0; 64 * 1024];
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break 'connection,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                buf.drain(..used);
                stream.write_all(&answer.bytes).unwrap();
                if answer.then_hang {
                    // Keep the connection open and say nothing more, until the client closes.
                    let mut sink = [0; 1024];
                    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                    break;
                }
            }
        }
    });
    (port, seen)
}

/// Reads one answer as a socket client must: until it decodes framed, or, when the peer closes
/// or goes quiet for [`READ_TIMEOUT`] after it began, as what was received
/// ([`Response::decode_at_eof`]).
fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Response<'static>> {
    let opts = DecodeOptions::default();
    loop {
        match Response::decode(buf) {
            Ok((response, used)) => {
                let response = owned(response);
                buf.drain(..used);
                return Some(response);
            }
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => panic!("the answer does not decode: {e}"),
        }
        let mut chunk = [0; 4096];
        let wait = if buf.is_empty() { FIRST_BYTE_TIMEOUT } else { READ_TIMEOUT };
        stream.set_read_timeout(Some(wait)).unwrap();
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            Err(e) if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return None,
            _ if buf.is_empty() => return None,
            _ => {
                let (response, used) = Response::decode_at_eof(buf, &opts).expect("an answer ended at close");
                let response = owned(response);
                buf.drain(..used);
                return Some(response);
            }
        }
    }
}

fn owned(response: Response<'_>) -> Response<'static> {
    match response {
        Response::Ack(a) => Response::Ack(a.into_owned()),
        Response::Http(m) => Response::Http(m.into_owned()),
        _ => unreachable!("a new kind of answer"),
    }
}

/// Uploads `data` with `client` to the server on `port`, one connection kept across requests
/// and a new one after an unframed answer or a lost connection; returns the events, once done.
fn drive(client: &mut Client, port: u16, data: &[u8]) -> Vec<Event> {
    let (end, events) = drive_to_end(client, port, data);
    assert_eq!(end, Step::Done, "{events:?}");
    events
}

/// As [`drive`], until the client is done or has failed: the last step and the events.
fn drive_to_end(client: &mut Client, port: u16, data: &[u8]) -> (Step, Vec<Event>) {
    let mut events = Vec::new();
    let mut connection: Option<(TcpStream, Vec<u8>)> = None;
    for _ in 0..200 {
        let transmit = match client.poll() {
            Step::Transmit(t) => t,
            end @ (Step::Done | Step::Failed(_)) => return (end, events),
            other => panic!("unexpected step {other:?} after {events:?}"),
        };
        let body = transmit.range().map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize]);
        let wire = transmit.request(body).unwrap().to_vec();
        let (stream, buf) = connection.get_or_insert_with(|| {
            let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            (stream, Vec::new())
        });
        stream.write_all(&wire).unwrap();
        let event = match read_answer(stream, buf) {
            Some(response) => {
                if response.is_unframed() {
                    // Where its body ends is unknowable: this connection is done.
                    let _ = stream.shutdown(Shutdown::Both);
                    connection = None;
                }
                client.handle_response(&response)
            }
            None => {
                connection = None;
                client.transport_failed()
            }
        };
        events.push(event);
    }
    panic!("no end after 200 requests: {events:?}");
}

const PROTOCOL: &str = "{7df0354d-249b-430f-820d-3d2a9bef4931}";
const SESSION: &str = "{3f2a51c4-7b1e-4d0a-9c55-0e6f1d2b8a90}";

/// A Fragment Ack as the Python servers write it: codes without `0x`, their header order.
fn python_fragment_ack(session: &str, received: u64) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nBITS-Error-Code: 0\r\n\
         BITS-Error-Context: 5\r\nBITS-Received-Content-Range: {received}\r\nBITS-Packet-Type: Ack\r\n\
         BITS-Session-Id: {session}\r\nContent-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn python_close_ack(session: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nBITS-Error-Context: \r\nContent-Length: 0\r\nBITS-Session-Id: {session}\r\n\
         BITS-Error-Code: 1\r\nBITS-Packet-Type: Ack\r\n\r\n"
    )
    .into_bytes()
}

fn create_ack(session: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nBITS-Packet-Type: Ack\r\nBITS-Protocol: {PROTOCOL}\r\n\
         BITS-Session-Id: {session}\r\n\r\n"
    )
    .into_bytes()
}

/// A store for the scripted server: bytes written at the ranges the Fragments name.
fn store(stored: &Mutex<Vec<u8>>, request: &Request<'_>) -> u64 {
    let range = request.content_range().unwrap();
    let mut file = stored.lock().unwrap();
    if range.first() as usize <= file.len() {
        file.truncate(range.first() as usize);
        file.extend_from_slice(request.body());
    }
    file.len() as u64
}

fn config() -> ClientConfig {
    ClientConfig::default().fragment_len(4).min_fragment_len(2)
}

#[test]
fn a_ping_first_upload_completes_against_empty_error_headers_and_a_201_with_an_unbraced_id() {
    for create in [
        "p04-ack-create-session-201-unbraced-lowercase-id.http",
        "p06-ack-create-session-decimal-signed-session-id.http",
    ] {
        let created = Ack::decode(&peer(create)).unwrap().0.session_id().unwrap().as_str().to_owned();
        let stored = Arc::new(Mutex::new(Vec::new()));
        let file = Arc::clone(&stored);
        let session = created.clone();
        let (port, seen) = scripted_server(move |request| {
            Answer::framed(match request.packet_type() {
                PacketType::Ping => peer("p01-ack-ping-empty-error-headers.http"),
                PacketType::CreateSession => peer(create),
                PacketType::Fragment => python_fragment_ack(&session, store(&file, request)),
                PacketType::CloseSession => python_close_ack(&session),
                other => panic!("unexpected {other:?}"),
            })
        });
        let data = b"ten bytes!";
        let mut client = Client::new(config(), &format!("http://127.0.0.1:{port}/upload/f.bin"), 10).unwrap();
        client.ping_next(); // as `resume()` and the Host-Id path do: a Ping first
        let events = drive(&mut client, port, data);
        assert_eq!(events.first(), Some(&Event::Pinged), "{create}");
        assert_eq!(events.last(), Some(&Event::Committed), "{create}: {events:?}");
        assert_eq!(&*stored.lock().unwrap(), data, "{create}");
        let seen = seen.lock().unwrap();
        // Every later request names the session exactly as the server spelled it.
        assert!(
            seen.requests.iter().skip(2).all(|(_, id)| id.as_deref() == Some(created.as_str())),
            "{create}: {:?}",
            seen.requests
        );
        assert_eq!(seen.connections, 1, "{create}: one connection kept across the upload");
    }
}

#[test]
fn a_200_carrying_too_large_shrinks_fragments_as_a_413_does() {
    const LIMIT: usize = 4;
    let stored = Arc::new(Mutex::new(Vec::new()));
    let file = Arc::clone(&stored);
    let (port, _) = scripted_server(move |request| {
        Answer::framed(match request.packet_type() {
            PacketType::CreateSession => create_ack(SESSION),
            PacketType::Fragment if request.body().len() > LIMIT => peer("p03-ack-fragment-200-too-large.http"),
            PacketType::Fragment => python_fragment_ack(SESSION, store(&file, request)),
            PacketType::CloseSession => python_close_ack(SESSION),
            other => panic!("unexpected {other:?}"),
        })
    });
    let data = b"sixteen bytes...";
    let config = ClientConfig::default().fragment_len(16).min_fragment_len(2);
    let mut client = Client::new(config, &format!("http://127.0.0.1:{port}/upload/f.bin"), 16).unwrap();
    let events = drive(&mut client, port, data);
    let shrunk: Vec<_> =
        events.iter().filter_map(|e| if let Event::FragmentShrunk { len } = e { Some(*len) } else { None }).collect();
    assert_eq!(shrunk, [8, 4], "{events:?}");
    assert_eq!(events.last(), Some(&Event::Committed));
    assert_eq!(&*stored.lock().unwrap(), data);
}

#[test]
fn an_unframed_500_on_a_kept_connection_is_left_by_a_new_session() {
    // The server answers the second Fragment with the exact unframed 500, keeps the connection
    // open, and forgets the session (a Python server's answer to what it takes for a gap).
    let stored = Arc::new(Mutex::new(Vec::new()));
    let file = Arc::clone(&stored);
    let mut sessions = 0;
    let mut fragments = 0;
    let (port, seen) = scripted_server(move |request| match request.packet_type() {
        PacketType::CreateSession => {
            sessions += 1;
            file.lock().unwrap().clear();
            Answer::framed(create_ack(&format!("{{3f2a51c4-7b1e-4d0a-9c55-0e6f1d2b8a9{sessions}}}")))
        }
        PacketType::Fragment => {
            fragments += 1;
            if fragments == 2 {
                return Answer { bytes: peer("p02-ack-fragment-500-unframed-no-packet-type.http"), then_hang: true };
            }
            let session = request.session_id().unwrap().as_str().to_owned();
            Answer::framed(python_fragment_ack(&session, store(&file, request)))
        }
        PacketType::CloseSession => Answer::framed(python_close_ack(request.session_id().unwrap().as_str())),
        other => panic!("unexpected {other:?}"),
    });
    let data = b"twelve bytes";
    let mut client = Client::new(config(), &format!("http://127.0.0.1:{port}/upload/f.bin"), 12).unwrap();
    let events = drive(&mut client, port, data);
    assert!(events.contains(&Event::Restarted), "{events:?}");
    assert_eq!(events.last(), Some(&Event::Committed), "{events:?}");
    assert_eq!(&*stored.lock().unwrap(), data);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.connections, 2, "a new connection after the unframed answer");
    let creates = seen.requests.iter().filter(|(t, _)| *t == PacketType::CreateSession).count();
    assert_eq!(creates, 2, "{:?}", seen.requests);
}

#[test]
fn an_unframed_500_fails_the_upload_once_restarts_are_spent() {
    let (port, _) = scripted_server(move |request| match request.packet_type() {
        PacketType::CreateSession => Answer::framed(create_ack(SESSION)),
        PacketType::Fragment => {
            Answer { bytes: peer("p02-ack-fragment-500-unframed-no-packet-type.http"), then_hang: true }
        }
        other => panic!("unexpected {other:?}"),
    });
    let mut client =
        Client::new(config().max_restarts(1), &format!("http://127.0.0.1:{port}/upload/f.bin"), 8).unwrap();
    let (end, events) = drive_to_end(&mut client, port, b"8 bytes!");
    assert_eq!(end, Step::Failed(ClientError::TooManyRestarts), "{events:?}");
    assert_eq!(events.iter().filter(|e| **e == Event::Restarted).count(), 1, "{events:?}");
}

//! The blocking executor: std sockets, rustls for HTTPS, `Read + Seek` sources.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

use super::inbox::{Answer, Inbox, settle};
use super::options::{Options, Summary, UploadError};
use super::plan::{Action, BitsUpload, GraphUpload, Outgoing, Plan};
use super::url::Origin;

/// The body is copied through a buffer of this size: memory does not grow with fragments.
pub(crate) const CHUNK: usize = 64 << 10;

impl<S: Read + Seek> BitsUpload<S> {
    /// Run the upload on this thread, to its end.
    pub fn run_blocking(mut self) -> Result<Summary, UploadError> {
        let total = self.source.seek(SeekFrom::End(0))?;
        let options = self.options.clone();
        let (mut plan, mut source) = self.into_plan(total)?;
        execute(&mut plan, &mut source, &options)
    }
}

impl<S: Read + Seek> GraphUpload<S> {
    /// Run the upload on this thread, to its end.
    pub fn run_blocking(mut self) -> Result<Summary, UploadError> {
        let total = self.source.seek(SeekFrom::End(0))?;
        let options = self.options.clone();
        let (mut plan, mut source) = self.into_plan(total)?;
        execute(&mut plan, &mut source, &options)
    }
}

/// A plain or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// An open connection and the answer bytes read from it so far.
struct Connection {
    origin: Origin,
    stream: Stream,
    inbox: Inbox,
}

fn connect(origin: &Origin, options: &Options) -> io::Result<Connection> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{} resolves to no address", origin.host));
    let mut tcp = None;
    for addr in (origin.host.as_str(), origin.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, options.connect_timeout) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let tcp = tcp.ok_or(last)?;
    tcp.set_read_timeout(Some(options.io_timeout))?;
    tcp.set_write_timeout(Some(options.io_timeout))?;
    tcp.set_nodelay(true)?;
    let stream = if origin.https {
        let name =
            ServerName::try_from(origin.host.clone()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let conn = ClientConnection::new(Arc::clone(&options.tls.config()), name).map_err(io::Error::other)?;
        let mut s = StreamOwned::new(conn, tcp);
        // Handshake now, so that a certificate error is a connection error, not a lost answer.
        while s.conn.is_handshaking() {
            s.conn.complete_io(&mut s.sock)?;
        }
        Stream::Tls(Box::new(s))
    } else {
        Stream::Plain(tcp)
    };
    Ok(Connection { origin: origin.clone(), stream, inbox: Inbox::default() })
}

fn read_answer(conn: &mut Connection, plan: &mut impl Plan) -> Result<Answer, UploadError> {
    let mut chunk = [0u8; 16 << 10];
    loop {
        if let Some(answer) = conn.inbox.take(plan)? {
            return Ok(answer);
        }
        match conn.stream.read(&mut chunk) {
            Ok(n) if n > 0 => conn.inbox.push(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Closed, timed out or reset.
            _ => return conn.inbox.at_end(plan),
        }
    }
}

/// Write the head and stream the body's range from `source`. A source error fails the
/// upload; a connection error is returned as `Ok(Err)` for the caller to treat as lost.
fn send<S: Read + Seek>(
    conn: &mut Connection,
    out: &Outgoing,
    source: &mut S,
    buf: &mut [u8],
    plan: &mut impl Plan,
) -> Result<io::Result<()>, UploadError> {
    let Some(range) = out.body else {
        return Ok(conn.stream.write_all(&out.head).and_then(|()| conn.stream.flush()));
    };
    source.seek(SeekFrom::Start(range.first()))?;
    // The head and the body's first bytes in one write.
    let mut left = range.len();
    let room = buf.len().saturating_sub(out.head.len()).max(1);
    let first = (left.min(room as u64)) as usize;
    let mut pending = Vec::with_capacity(out.head.len() + first);
    pending.extend_from_slice(&out.head);
    pending.resize(out.head.len() + first, 0);
    source.read_exact(&mut pending[out.head.len()..])?;
    if let Err(e) = conn.stream.write_all(&pending) {
        return Ok(Err(e));
    }
    left -= first as u64;
    plan.sent(first as u64);
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        source.read_exact(&mut buf[..n])?;
        if let Err(e) = conn.stream.write_all(&buf[..n]) {
            return Ok(Err(e));
        }
        left -= n as u64;
        plan.sent(n as u64);
    }
    Ok(conn.stream.flush())
}

pub(crate) fn execute<S: Read + Seek>(
    plan: &mut impl Plan,
    source: &mut S,
    options: &Options,
) -> Result<Summary, UploadError> {
    let mut conn: Option<Connection> = None;
    let mut buf = vec![0u8; CHUNK];
    loop {
        match plan.next() {
            Action::Finished(result) => return result,
            Action::Sleep(d) => std::thread::sleep(d),
            Action::Receive => {
                let answer = match conn.as_mut() {
                    Some(c) => read_answer(c, plan)?,
                    None => Answer::Lost,
                };
                settle(&mut conn, answer, plan);
            }
            Action::Send(out) => {
                if conn.as_ref().is_some_and(|c| c.origin != out.origin) {
                    conn = None;
                }
                if conn.is_none() {
                    match connect(&out.origin, options) {
                        Ok(c) => {
                            plan.connected();
                            conn = Some(c);
                        }
                        Err(_) => {
                            plan.lost();
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let written = send(c, &out, source, &mut buf, plan)?;
                // Even when the write failed, the server may have answered (a refusal sent
                // before the body was read) before closing: read what is there.
                let answer = read_answer(c, plan)?;
                if written.is_err() {
                    conn = None;
                }
                settle(&mut conn, answer, plan);
            }
        }
    }
}

//! The tokio executor: tokio sockets, tokio-rustls for HTTPS, `AsyncRead + AsyncSeek`
//! sources. The same plans as the blocking one ([`super::plan`]), so the same decisions.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::blocking::CHUNK;
use super::inbox::{Answer, Inbox, settle};
use super::options::{Options, Summary, UploadError};
use super::plan::{Action, BitsUpload, GraphUpload, Outgoing, Plan};
use super::url::Origin;

impl<S: AsyncRead + AsyncSeek + Unpin> BitsUpload<S> {
    /// Run the upload on the current tokio runtime, to its end.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bits_codec_io::client::UploadError> {
    /// use bits_codec_io::client::{BitsUpload, Options};
    /// let file = tokio::fs::File::open("big.bin").await?;
    /// BitsUpload::new("http://127.0.0.1:8080/up/big.bin", file, Options::default())?.run().await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(mut self) -> Result<Summary, UploadError> {
        let total = self.source.seek(SeekFrom::End(0)).await?;
        let options = self.options.clone();
        let (mut plan, mut source) = self.into_plan(total)?;
        execute(&mut plan, &mut source, &options).await
    }
}

impl<S: AsyncRead + AsyncSeek + Unpin> GraphUpload<S> {
    /// Run the upload on the current tokio runtime, to its end.
    pub async fn run(mut self) -> Result<Summary, UploadError> {
        let total = self.source.seek(SeekFrom::End(0)).await?;
        let options = self.options.clone();
        let (mut plan, mut source) = self.into_plan(total)?;
        execute(&mut plan, &mut source, &options).await
    }
}

/// A plain or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

struct Connection {
    origin: Origin,
    stream: Stream,
    inbox: Inbox,
}

fn timed_out() -> io::Error {
    io::ErrorKind::TimedOut.into()
}

async fn connect(origin: &Origin, options: &Options) -> io::Result<Connection> {
    let tcp = timeout(options.connect_timeout, TcpStream::connect((origin.host.as_str(), origin.port)))
        .await
        .map_err(|_| timed_out())??;
    tcp.set_nodelay(true)?;
    let stream = if origin.https {
        let name =
            ServerName::try_from(origin.host.clone()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let tls = TlsConnector::from(options.tls.config());
        let s = timeout(options.connect_timeout, tls.connect(name, tcp)).await.map_err(|_| timed_out())??;
        Stream::Tls(Box::new(s))
    } else {
        Stream::Plain(tcp)
    };
    Ok(Connection { origin: origin.clone(), stream, inbox: Inbox::default() })
}

async fn read_answer(conn: &mut Connection, plan: &mut impl Plan, options: &Options) -> Result<Answer, UploadError> {
    let mut chunk = [0u8; 16 << 10];
    loop {
        if let Some(answer) = conn.inbox.take(plan)? {
            return Ok(answer);
        }
        match timeout(options.io_timeout, conn.stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => conn.inbox.push(&chunk[..n]),
            // Closed, timed out or reset.
            _ => return conn.inbox.at_end(plan),
        }
    }
}

async fn write(conn: &mut Connection, bytes: &[u8], options: &Options) -> io::Result<()> {
    timeout(options.io_timeout, conn.stream.write_all(bytes)).await.map_err(|_| timed_out())?
}

/// Write the head and stream the body's range from `source` (see the blocking `send`).
async fn send<S: AsyncRead + AsyncSeek + Unpin>(
    conn: &mut Connection,
    out: &Outgoing,
    source: &mut S,
    buf: &mut [u8],
    plan: &mut impl Plan,
    options: &Options,
) -> Result<io::Result<()>, UploadError> {
    let Some(range) = out.body else {
        return Ok(write(conn, &out.head, options).await);
    };
    source.seek(SeekFrom::Start(range.first())).await?;
    let mut left = range.len();
    let room = buf.len().saturating_sub(out.head.len()).max(1);
    let first = left.min(room as u64) as usize;
    let mut pending = Vec::with_capacity(out.head.len() + first);
    pending.extend_from_slice(&out.head);
    pending.resize(out.head.len() + first, 0);
    source.read_exact(&mut pending[out.head.len()..]).await?;
    if let Err(e) = write(conn, &pending, options).await {
        return Ok(Err(e));
    }
    left -= first as u64;
    plan.sent(first as u64);
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        source.read_exact(&mut buf[..n]).await?;
        if let Err(e) = write(conn, &buf[..n], options).await {
            return Ok(Err(e));
        }
        left -= n as u64;
        plan.sent(n as u64);
    }
    Ok(timeout(options.io_timeout, conn.stream.flush()).await.map_err(|_| timed_out()).and_then(|r| r))
}

async fn execute<S: AsyncRead + AsyncSeek + Unpin>(
    plan: &mut (impl Plan + Send),
    source: &mut S,
    options: &Options,
) -> Result<Summary, UploadError> {
    let mut conn: Option<Connection> = None;
    let mut buf = vec![0u8; CHUNK];
    loop {
        match plan.next() {
            Action::Finished(result) => return result,
            Action::Sleep(d) => tokio::time::sleep(d).await,
            Action::Receive => {
                let answer = match conn.as_mut() {
                    Some(c) => read_answer(c, plan, options).await?,
                    None => Answer::Lost,
                };
                settle(&mut conn, answer, plan);
            }
            Action::Send(out) => {
                if conn.as_ref().is_some_and(|c| c.origin != out.origin) {
                    conn = None;
                }
                if conn.is_none() {
                    match connect(&out.origin, options).await {
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
                let written = send(c, &out, source, &mut buf, plan, options).await?;
                let answer = read_answer(c, plan, options).await?;
                if written.is_err() {
                    conn = None;
                }
                settle(&mut conn, answer, plan);
            }
        }
    }
}

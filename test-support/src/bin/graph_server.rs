//! A Microsoft Graph-shaped upload-session server on a real socket, for clients this crate did
//! not write: the official Graph SDKs (`tests/interop/`), curl, or your own.
//!
//! ```sh
//! cargo run --release -p bits-codec-test-support --bin graph_server -- [--listen ADDR]
//!     [--origin URL] [--dir DIR] [--port-file PATH] [--log PATH] [--drop-fragment N]
//!     [--capture DIR] [--header-timeout SECS] [--max-connections N]
//! ```
//!
//! It is the test-support package's [`graph_server::Server`](bits_codec_test_support::graph_server::Server) (the strict
//! test server: createUploadSession, `PUT` fragments with `Content-Range`, status `GET`,
//! `DELETE`) behind `std::net` ([`graph_server::net`](bits_codec_test_support::graph_server::net)),
//! one thread per connection, so a client that keeps one connection alive while opening
//! another is served. Every request is decoded with
//! [`graph::Request`](bits_codec::graph::Request); a request the crate rejects is answered
//! `400` and logged as `REJECT`, so a log without `REJECT` lines proves every byte the client
//! sent decoded (a fragment too large for the connection's one read buffer has its head
//! decoded alone and its body streamed to the session file).
//!
//! - `--listen ADDR`: where to listen (default `127.0.0.1:0`, any free port). The bound address
//!   is printed as the first line of stdout.
//! - `--origin URL`: the `scheme://authority` the `uploadUrl`s start with (default
//!   `http://` + the bound address). A client that only speaks HTTPS (the JavaScript SDK) talks
//!   to a TLS relay in front of this server; the relay's origin goes here.
//! - `--dir DIR`: sessions are written to `DIR/{id}.part` and renamed to
//!   `DIR/committed/{id}.bin` when complete, `{id}` the session's 128 random bits in hex
//!   (default: a fresh directory under the system temp directory, printed on stdout's second
//!   line). A restart on the same directory never reuses an id or overwrites a file there.
//! - `--port-file PATH`: the bound port is written there once listening.
//! - `--log PATH`: one line per request (default: stderr only):
//!   `REQUEST {method} {target} range={Content-Range|-} -> {status} {outcome}`, or
//!   `REJECT {error}`, or `DROP {target} range=…` for a dropped fragment.
//! - `--drop-fragment N`: the N-th fragment `PUT` (1-based) is read whole, then the connection
//!   is closed without storing it or answering: the client must find out what the server has
//!   (`GET` the session) and resume from `nextExpectedRanges`.
//! - `--capture DIR`: every request of at most 64 KiB is also written, byte for byte as it
//!   arrived, to `DIR/{nnn}-{method}.http` (how `corpus/graph/sdk/` was recorded).
//! - `--header-timeout SECS`: a connection that has not sent a complete head within SECS of
//!   connecting or of the previous answer is closed (default 30).
//! - `--max-connections N`: at most N connections (threads) are served at once; one more is
//!   answered `503` with `Retry-After: 1` and closed (default 64).
//!
//! Only for tests: sessions live in memory (a restart forgets them; their clients get 404),
//! and the server trusts whoever reaches its port (it refuses peers that are not loopback
//! addresses). See the `net` module for what it guarantees.

#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use bits_codec_test_support::graph_server::net::{NetConfig, NetServer};

const USAGE: &str = "usage: graph_server [--listen ADDR] [--origin URL] [--dir DIR] [--port-file PATH] \
                     [--log PATH] [--drop-fragment N] [--capture DIR] [--header-timeout SECS] [--max-connections N]";

fn main() {
    let (config, port_file) = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("graph_server: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(config, port_file) {
        eprintln!("graph_server: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(NetConfig, Option<PathBuf>), String> {
    let mut config = NetConfig::default();
    let mut port_file = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => config.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--origin" => config.origin = Some(value()?),
            "--dir" => config.dir = Some(PathBuf::from(value()?)),
            "--port-file" => port_file = Some(PathBuf::from(value()?)),
            "--log" => config.log = Some(PathBuf::from(value()?)),
            "--drop-fragment" => {
                let n: u64 = value()?.parse().map_err(|e| format!("--drop-fragment: {e}"))?;
                if n == 0 {
                    return Err("--drop-fragment counts from 1".into());
                }
                config.drop_fragment = Some(n);
            }
            "--capture" => config.capture = Some(PathBuf::from(value()?)),
            "--header-timeout" => {
                let secs: f64 = value()?.parse().map_err(|e| format!("--header-timeout: {e}"))?;
                config.header_timeout =
                    Duration::try_from_secs_f64(secs).map_err(|e| format!("--header-timeout: {e}"))?;
            }
            "--max-connections" => {
                let n: usize = value()?.parse().map_err(|e| format!("--max-connections: {e}"))?;
                if n == 0 {
                    return Err("--max-connections must be at least 1".into());
                }
                config.max_connections = n;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((config, port_file))
}

fn run(config: NetConfig, port_file: Option<PathBuf>) -> io::Result<()> {
    let server = NetServer::bind(config)?;
    let addr = server.addr();
    println!("{addr}");
    println!("{}", server.dir().display());
    io::stdout().flush()?;
    if let Some(p) = port_file {
        // Written whole, then renamed, so a reader polling for the file never sees it half-written.
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, addr.port().to_string())?;
        std::fs::rename(&tmp, &p)?;
    }
    server.run()
}

//! The `hyper_bits_server` binary: see `bits_codec_test_support::hyper_bits`.

use std::io;
use std::path::PathBuf;

use bits_codec_test_support::hyper_bits::serve;
use tokio::net::TcpListener;

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("hyper_bits_server: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    // One thread: a BITS client sends one request at a time, and the disk is the bottleneck.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hyper_bits_server: tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("hyper_bits_server: {e}");
        std::process::exit(1);
    }
}

const USAGE: &str = "usage: hyper_bits_server [--listen ADDR (default 127.0.0.1:0)] [--dir DIR] [--port-file PATH]";

#[derive(Debug)]
struct Args {
    listen: String,
    dir: Option<PathBuf>,
    port_file: Option<PathBuf>,
}

/// `None`: `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args { listen: "127.0.0.1:0".into(), dir: None, port_file: None };
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--listen" => parsed.listen = value()?,
            "--dir" => parsed.dir = Some(value()?.into()),
            "--port-file" => parsed.port_file = Some(value()?.into()),
            "-h" | "--help" => return Ok(None),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(Some(parsed))
}

async fn run(args: Args) -> io::Result<()> {
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("hyper_bits_server-{}", std::process::id())),
    };
    let listener = TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    // The address first, flushed: scripts read this line to find the server.
    println!("{addr}");
    io::Write::flush(&mut io::stdout())?;
    eprintln!("hyper_bits_server: listening on {addr}, storing in {}", dir.display());
    if let Some(path) = args.port_file {
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        tokio::fs::write(&tmp, format!("{}\n", addr.port())).await?;
        tokio::fs::rename(&tmp, &path).await?;
    }
    serve(listener, dir).await
}

//! `bits-codec serve`: the BITS upload server of `bits-codec-io` on the file system.
//!
//! ```text
//! bits-codec serve --root /srv/uploads --listen 0.0.0.0:8080 --max-upload 1073741824
//! ```
//!
//! Prints the bound address on standard output (one line: `--listen 127.0.0.1:0` picks a free
//! port), then one log line per request on standard error; stops on Ctrl-C or SIGTERM after
//! the requests in flight finish. Sessions in progress survive a restart (they are kept in
//! ROOT/.bits-sessions).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use bits_codec_io::{BitsService, Config, DestinationPolicy, FsStorage, Fsync};

use crate::Failure;

/// Arguments of `bits-codec serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where uploads are stored (created if missing). Destinations are the request paths
    /// under --prefix, mapped inside this folder; nothing outside it is ever written.
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The URL path uploads go under (e.g. /upload/); other paths are refused with 400.
    #[arg(long, value_name = "PATH", default_value = "/")]
    prefix: String,
    /// Largest upload in bytes [default: 4 GiB].
    #[arg(long, value_name = "BYTES")]
    max_upload: Option<u64>,
    /// Largest fragment body in bytes [default: 16 MiB].
    #[arg(long, value_name = "BYTES")]
    max_fragment: Option<u64>,
    /// Open sessions in all [default: 10000].
    #[arg(long, value_name = "N")]
    max_sessions: Option<usize>,
    /// Open sessions per client IP address [default: 100].
    #[arg(long, value_name = "N")]
    max_sessions_per_client: Option<usize>,
    /// Connections served at once [default: 1024].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Remove sessions idle this long, in seconds [default: 86400].
    #[arg(long, value_name = "SECONDS")]
    idle_expiry: Option<u64>,
    /// Time a client has to send a request head, in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    header_timeout: Option<u64>,
    /// When data is forced to disk: never, at-commit (a committed upload survives power
    /// loss), every-ack (every acknowledged byte does). A process crash loses nothing
    /// acknowledged under any of them.
    #[arg(long, value_enum, default_value = "at-commit")]
    fsync: FsyncArg,
    /// Let an upload replace an existing file (default: 409 for an existing destination).
    #[arg(long)]
    overwrite: bool,
    /// Refuse Ping, Create-Session, Close-Session and Cancel-Session without Content-Length, as
    /// [MC-BUP] requires (by default they are taken: curl -X BITS_POST and Python's
    /// http.client send them so; a Fragment always needs its length).
    #[arg(long)]
    require_content_length: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FsyncArg {
    Never,
    AtCommit,
    EveryAck,
}

/// Serves until Ctrl-C or SIGTERM.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).with_ansi(ansi).init();
    let fsync = match args.fsync {
        FsyncArg::Never => Fsync::Never,
        FsyncArg::AtCommit => Fsync::AtCommit,
        FsyncArg::EveryAck => Fsync::EveryAck,
    };
    let storage = FsStorage::new(&args.root)
        .map_err(|e| Failure::Io(format!("{}: {e}", args.root.display())))?
        .policy(DestinationPolicy::new(&args.prefix))
        .fsync(fsync)
        .allow_overwrite(args.overwrite);
    let mut config = Config::default();
    let limits = &mut config.limits;
    if let Some(n) = args.max_upload {
        limits.max_upload = n;
    }
    if let Some(n) = args.max_fragment {
        limits.max_fragment = n;
        limits.drain_limit = n;
    }
    if let Some(n) = args.max_sessions {
        limits.max_sessions = n;
    }
    if let Some(n) = args.max_sessions_per_client {
        limits.max_sessions_per_client = n;
    }
    if let Some(n) = args.max_connections {
        limits.max_connections = n;
    }
    if let Some(s) = args.idle_expiry {
        limits.idle_expiry = Duration::from_secs(s.max(1));
    }
    if let Some(s) = args.header_timeout {
        limits.header_read_timeout = Duration::from_secs(s.max(1));
    }
    // Real clients first: curl -X BITS_POST and Python's http.client send Ping, Create-Session,
    // Close-Session and Cancel-Session without Content-Length. hyper frames such a request as
    // bodiless (RFC 9112 §6.3), so taking it cannot desynchronise anything; a Fragment still
    // needs its length. `--require-content-length` keeps to the letter of [MC-BUP] §3.2.5.2.3.
    config.decode = config.decode.allow_bodiless_without_content_length(!args.require_content_length);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(format!("runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::Io(format!("listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().map_err(|e| Failure::Io(e.to_string()))?;
        let service = BitsService::new(storage, config.clone())
            .await
            .map_err(|e| Failure::Io(format!("{}: {e}", args.root.display())))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{addr}").and_then(|()| out.flush()).map_err(|_| Failure::Quiet)?;
        drop(out);
        tracing::info!("serving BITS uploads on http://{addr}{} into {}", args.prefix, args.root.display());
        bits_codec_io::serve(listener, service, &config.limits, bits_codec_io::shutdown_signal())
            .await
            .map_err(|e| Failure::Io(format!("serve: {e}")))
    })
}

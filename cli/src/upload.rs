//! `bits-codec upload`: upload a file to a BITS server or through a Microsoft Graph upload
//! session, with the io package's blocking drivers.
//!
//! An interrupted BITS upload is resumed by running the same command again: while it runs,
//! `FILE.bits-upload` beside the file holds the URL, the session id and the bytes the server
//! had acknowledged; the next run for the same URL and file size goes on in that session (a
//! Ping, then on from there: a server that has lost the session answers so and the upload
//! starts over). The state file is removed once the upload is committed.
//!
//! Exit status: 0 uploaded; 1 the upload failed (the server refused it, or the connection
//! could not be kept); 2 usage or local I/O error.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bits_codec::bits::client::ClientConfig as BitsConfig;
use bits_codec::graph::client::ClientConfig as GraphConfig;
use bits_codec::http1::FieldValue;
use bits_codec_io::client::{BitsUpload, GraphUpload, Options, Progress, Summary, Tls, UploadError};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::Failure;

/// Arguments of `bits-codec upload`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  bits-codec upload big.bin http://127.0.0.1:8080/up/big.bin\n  \
    bits-codec upload --graph big.bin --create-url \
    'https://graph.microsoft.com/v1.0/me/drive/root:/big.bin:/createUploadSession' \
    --header 'Authorization: Bearer TOKEN'")]
pub(crate) struct Args {
    /// The file to upload.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The BITS destination URL (http or https).
    #[arg(value_name = "URL", required_unless_present = "graph", conflicts_with = "graph")]
    url: Option<String>,
    /// Upload through a Microsoft Graph upload session (needs --create-url).
    #[arg(long, requires = "create_url")]
    graph: bool,
    /// The Graph `createUploadSession` URL.
    #[arg(long, value_name = "URL", requires = "graph")]
    create_url: Option<String>,
    /// A header for the server: every BITS request, or Graph's create request only (the
    /// uploadUrl is pre-authenticated and must not get the token). Repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Fragment size in bytes (suffixes k, m: 1024-based). BITS default 1m; Graph default
    /// 10 MiB rounded to 320 KiB.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    fragment_size: Option<u64>,
    /// Trust this CA certificate (PEM) for https, besides the built-in roots.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// Seconds a connection, read or write may take (default 30).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Print a JSON summary on standard output (also on failure).
    #[arg(long)]
    json: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let (digits, unit) = match lower.strip_suffix('k').or(lower.strip_suffix("kib")) {
        Some(d) => (d.to_string(), 1u64 << 10),
        None => match lower.strip_suffix('m').or(lower.strip_suffix("mib")) {
            Some(d) => (d.to_string(), 1 << 20),
            None => (lower.clone(), 1),
        },
    };
    let n: u64 = digits.trim().parse().map_err(|_| format!("not a size: {s}"))?;
    n.checked_mul(unit).filter(|&v| v > 0).ok_or_else(|| format!("not a size: {s}"))
}

/// What `FILE.bits-upload` holds.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct State {
    url: String,
    total: u64,
    session: String,
    received: u64,
}

fn state_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".bits-upload");
    file.with_file_name(name)
}

/// The saved session for this URL and size, if a previous run left one.
fn load_state(path: &Path, url: &str, total: u64) -> Option<State> {
    let state: State = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (state.url == url && state.total == total && state.received <= total).then_some(state)
}

/// Written to a temporary file and renamed, so a kill leaves the old state or the new one.
fn save_state(path: &Path, state: &State) -> std::io::Result<()> {
    let tmp = path.with_extension("bits-upload.tmp");
    std::fs::write(&tmp, serde_json::to_vec(state).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, path)
}

/// Progress on standard error: a bar on a terminal, otherwise a line per tenth.
struct Display {
    bar: Option<ProgressBar>,
    tenths: u64,
}

impl Display {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40.cyan/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Self { bar, tenths: u64::MAX }
    }

    fn show(&mut self, p: &Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(p.received);
            return;
        }
        let tenths = (p.received * 10).checked_div(p.total).unwrap_or(10);
        if tenths != self.tenths {
            self.tenths = tenths;
            let _ = writeln!(std::io::stderr(), "bits-codec: {} of {} bytes ({}%)", p.received, p.total, tenths * 10);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let started = Instant::now();
    let mut options = Options::default();
    if let Some(t) = args.timeout {
        options = options.connect_timeout(Duration::from_secs(t)).io_timeout(Duration::from_secs(t));
    }
    if let Some(ca) = &args.ca_cert {
        let pem = std::fs::read(ca).map_err(|e| Failure::Io(format!("cannot read {}: {e}", ca.display())))?;
        let tls =
            Tls::webpki_roots().with_pem_roots(&pem).map_err(|e| Failure::Io(format!("{}: {e}", ca.display())))?;
        options = options.tls(tls);
    }
    let headers = args
        .headers
        .iter()
        .map(|h| h.split_once(':').map(|(n, v)| (n.trim(), v.trim())))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Failure::Io("a --header is NAME: VALUE".into()))?;
    let file = File::open(&args.file).map_err(|e| Failure::Io(format!("cannot open {}: {e}", args.file.display())))?;
    let total = file.metadata().map(|m| m.len()).map_err(|e| Failure::Io(format!("{}: {e}", args.file.display())))?;
    let display = std::sync::Arc::new(std::sync::Mutex::new(Display::new(total)));
    let shown = display.clone();
    let show = move |p: &Progress| {
        if let Ok(mut d) = shown.lock() {
            d.show(p);
        }
    };

    let mut resumed = false;
    let result = match (&args.url, &args.create_url) {
        (Some(url), _) => {
            let state_file = state_path(&args.file);
            let mut config = BitsConfig::default();
            if let Some(n) = args.fragment_size {
                config = config.fragment_len(n).min_fragment_len(n.min(5 * 1024));
            }
            if let Some(name) =
                args.file.file_name().and_then(|n| n.to_str()).and_then(|n| FieldValue::new(n.to_string()).ok())
            {
                config = config.content_name(name.into_owned());
            }
            let mut up = BitsUpload::new(url, file, options).map_err(fail)?.config(config);
            for (n, v) in &headers {
                up = up.header(n, v).map_err(fail)?;
            }
            if let Some(state) = load_state(&state_file, url, total) {
                resumed = true;
                up = up.resume_session(&state.session, state.received).map_err(fail)?;
            }
            let (url_kept, path) = (url.clone(), state_file.clone());
            let mut last_saved: Option<(String, u64)> = None;
            let result = up
                .on_progress(move |p| {
                    show(p);
                    if let Some(session) = &p.session
                        && last_saved.as_ref() != Some(&(session.clone(), p.received))
                    {
                        let state = State {
                            url: url_kept.clone(),
                            total: p.total,
                            session: session.clone(),
                            received: p.received,
                        };
                        // Best effort: a state file that cannot be written costs a resume, not the upload.
                        let _ = save_state(&path, &state);
                        last_saved = Some((session.clone(), p.received));
                    }
                })
                .run_blocking();
            if result.is_ok() {
                let _ = std::fs::remove_file(&state_file);
            }
            result
        }
        (None, Some(create_url)) => {
            let mut config = GraphConfig::default();
            if let Some(n) = args.fragment_size {
                config = config.fragment_len(n);
            }
            let mut up = GraphUpload::new(create_url, file, options).map_err(fail)?.config(config);
            for (n, v) in &headers {
                up = up.header(n, v).map_err(fail)?;
            }
            up.on_progress(show).run_blocking()
        }
        (None, None) => return Err(Failure::Io("a URL, or --graph --create-url URL, is needed".into())),
    };
    if let Ok(d) = display.lock() {
        d.finish();
    }
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let value = summary_json(&args, resumed, seconds, &result);
        crate::stdio::write_stdout(format!("{value}\n").as_bytes())?;
    }
    match result {
        Ok(_) => Ok(()),
        Err(UploadError::Source(e)) => Err(Failure::Io(format!("reading {}: {e}", args.file.display()))),
        Err(e) => Err(Failure::Invalid(format!("upload failed: {e}"))),
    }
}

fn fail(e: UploadError) -> Failure {
    Failure::Io(e.to_string())
}

fn summary_json(args: &Args, resumed: bool, seconds: f64, result: &Result<Summary, UploadError>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "file": args.file.display().to_string(),
        "protocol": if args.graph { "graph" } else { "bits" },
        "resumed": resumed,
        "seconds": (seconds * 1000.0).round() / 1000.0,
    });
    match result {
        Ok(s) => {
            v["ok"] = true.into();
            v["bytes"] = s.total.into();
            v["sent"] = s.sent.into();
            v["requests"] = s.requests.into();
            v["connections"] = s.connections.into();
            v["setbacks"] = s.setbacks.into();
            v["session"] = s.session.clone().into();
            if let Some(r) = &s.reply_url {
                v["reply_url"] = r.clone().into();
            }
        }
        Err(e) => {
            v["ok"] = false.into();
            v["error"] = e.to_string().into();
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_k_and_m_suffixes() {
        assert_eq!(parse_size("5k"), Ok(5120));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
    }

    #[test]
    fn a_state_file_is_used_only_for_the_same_url_and_size() {
        let dir = std::env::temp_dir().join(format!("bits-codec-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bits-upload");
        let state = State { url: "http://h/u".into(), total: 10, session: "{S}".into(), received: 4 };
        save_state(&path, &state).unwrap();
        assert_eq!(load_state(&path, "http://h/u", 10), Some(state));
        assert_eq!(load_state(&path, "http://h/other", 10), None);
        assert_eq!(load_state(&path, "http://h/u", 11), None);
        std::fs::write(&path, b"not json").unwrap();
        assert_eq!(load_state(&path, "http://h/u", 10), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_state_file_sits_beside_the_source() {
        assert_eq!(state_path(Path::new("/a/b.bin")), Path::new("/a/b.bin.bits-upload"));
    }
}

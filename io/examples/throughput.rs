//! The benchmark (not a timed test): BITS upload throughput over loopback next to a raw
//! loopback TCP copy measured in the same run, and the memory an open session costs.
//!
//! ```sh
//! cargo run --release -p bits-codec-io --example throughput -- [MIB] [FRAGMENT_MIB] [SESSIONS]
//! ```
//!
//! Defaults: 256 MiB uploaded in 8 MiB fragments, 2,000 sessions for the memory figure. Each
//! copy runs three times and the best time counts. The raw copies are one TCP connection
//! sending the same bytes to a reader that drops them (the ceiling of the socket) and to one
//! that writes them to a file (the ceiling of socket plus disk). The BITS upload is the
//! crate's client machine on a blocking socket, against `bits_codec_io::serve` with
//! `FsStorage` (default settings, `Fsync::AtCommit`) on a tokio runtime in this process.
//! Memory per session: the process's resident set before and after opening SESSIONS
//! sessions (Create-Session only), divided by SESSIONS (Linux: `/proc/self/status`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use bits_codec::bits::client::{Client, ClientConfig, Response, Step};
use bits_codec::bits::{Guid, ProtocolList, Request};
use bits_codec::http1::RequestTarget;
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};
use bits_codec_io::{BitsService, Config, FsStorage, Fsync};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("numbers"));
    let mib = args.next().unwrap_or(256);
    let fragment = args.next().unwrap_or(8) << 20;
    let sessions = args.next().unwrap_or(2000);
    let data: Vec<u8> = (0..mib << 20).map(|i| (i * 31 % 251) as u8).collect();
    let dir = std::env::temp_dir().join(format!("bits-codec-io-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut config = Config::default();
    config.limits.max_sessions = sessions + 10;
    config.limits.max_sessions_per_client = sessions + 10;
    // Two servers: one that never syncs (the same work as the raw copies, which do not
    // either) and one with the default policy (a commit syncs the file and its directory).
    let start_server = |root: std::path::PathBuf, fsync: Fsync| {
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let storage = FsStorage::new(root).unwrap().fsync(fsync);
            let service = BitsService::new(storage, config.clone()).await.unwrap();
            let (s, limits) = (service.clone(), config.limits.clone());
            tokio::spawn(async move { bits_codec_io::serve(listener, s, &limits, std::future::pending()).await });
            (addr, service)
        })
    };
    let (addr, service) = start_server(dir.join("never"), Fsync::Never);
    let (synced_addr, _synced) = start_server(dir.join("at-commit"), Fsync::AtCommit);

    let mb = |d: Duration| data.len() as f64 / d.as_secs_f64() / (1 << 20) as f64;
    let best = |f: &mut dyn FnMut(usize) -> Duration| (0..3).map(f).min().unwrap();
    let raw_drop = best(&mut |_| raw_copy(&data, None));
    let raw_file = best(&mut |i| raw_copy(&data, Some(&dir.join(format!("raw{i}")))));
    let bits = best(&mut |i| upload(addr, &format!("/run{i}.bin"), &data, fragment as u64));
    let synced = best(&mut |i| upload(synced_addr, &format!("/run{i}.bin"), &data, fragment as u64));
    for i in 0..3 {
        for sub in ["never", "at-commit"] {
            let stored = std::fs::metadata(dir.join(format!("{sub}/run{i}.bin"))).unwrap().len();
            assert_eq!(stored, data.len() as u64);
        }
    }
    println!("upload of {mib} MiB over loopback, {} MiB fragments, best of 3:", fragment >> 20);
    println!("  raw TCP copy, bytes dropped   {:8.0} MiB/s", mb(raw_drop));
    println!("  raw TCP copy into a file      {:8.0} MiB/s", mb(raw_file));
    let share = |t: Duration| {
        let pct = |raw: Duration| 100.0 * raw.as_secs_f64() / t.as_secs_f64();
        format!("= {:.0}% of the raw copy, {:.0}% of the raw copy into a file", pct(raw_drop), pct(raw_file))
    };
    println!("  BITS upload, Fsync::Never     {:8.0} MiB/s  {}", mb(bits), share(bits));
    println!("  BITS upload, Fsync::AtCommit  {:8.0} MiB/s  {}", mb(synced), share(synced));

    let before = rss_bytes();
    for i in 0..sessions {
        create_session(addr, &format!("/idle/{i}.bin"));
    }
    let after = rss_bytes();
    assert!(service.session_count() >= sessions);
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "memory: {sessions} open sessions added {:.1} MiB resident = {} bytes per session (plus 2 files on disk each)",
            (a.saturating_sub(b)) as f64 / (1 << 20) as f64,
            a.saturating_sub(b) / sessions as u64
        );
    }
    rt.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
}

/// One TCP connection carrying `data` to a reader thread that drops it or writes it to `file`.
fn raw_copy(data: &[u8], file: Option<&Path>) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let file = file.map(|p| std::fs::File::create(p).unwrap());
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 256 << 10];
        let mut file = file;
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            if let Some(f) = file.as_mut() {
                f.write_all(&buf[..n]).unwrap();
            }
        }
        if let Some(mut f) = file {
            f.flush().unwrap();
        }
        s.write_all(b"k").unwrap();
    });
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(data).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut done = [0u8; 1];
    s.read_exact(&mut done).unwrap();
    let t = start.elapsed();
    reader.join().unwrap();
    t
}

/// A whole upload with the client machine: Create-Session, fragments, Close-Session.
fn upload(addr: SocketAddr, path: &str, data: &[u8], fragment: u64) -> Duration {
    let start = Instant::now();
    let config = ClientConfig::default().fragment_len(fragment);
    let mut client = Client::new(config, &format!("http://{addr}{path}"), data.len() as u64).unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    let mut head = Vec::new();
    loop {
        let t = match client.poll() {
            Step::Transmit(t) => t,
            Step::Done => return start.elapsed(),
            other => panic!("{other:?}"),
        };
        let body = t.range().map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize]);
        let request = t.request(body).unwrap();
        head.clear();
        request.encode_head(&mut head);
        s.write_all(&head).unwrap();
        s.write_all(body).unwrap();
        let used = loop {
            match Response::decode_with(&buf, &DecodeOptions::default()) {
                Ok((resp, used)) => {
                    client.handle_response(&resp);
                    break used;
                }
                Err(DecodeError::Incomplete { .. }) => {}
                Err(e) => panic!("{e}"),
            }
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&chunk[..n]);
        };
        buf.drain(..used);
    }
}

fn create_session(addr: SocketAddr, path: &str) {
    let req = Request::create_session(
        RequestTarget::new(path.to_string()).unwrap(),
        ProtocolList::one(Guid::BITS_1_5_UPLOAD),
    );
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&req.to_vec()).unwrap();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
}

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches(" kB").trim().parse().ok()?;
    Some(kb * 1024)
}

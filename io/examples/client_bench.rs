//! The upload drivers against the io server on loopback, beside a raw loopback copy, and the
//! codec fed one byte at a time beside re-decoding from byte 0 on each call.
//!
//! ```sh
//! cargo run --release -p bits-codec-io --all-features --example client_bench [MiB]
//! ```
//!
//! Every figure is from one run of this program; the file is written to a temporary
//! directory first, and each upload goes to the same in-process server (`FsStorage`).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use bits_codec::Decode;
use bits_codec::bits::client::{ClientConfig, Response};
use bits_codec_io::client::{BitsUpload, Options};
use bits_codec_io::codec::BitsClientCodec;
use bits_codec_io::{BitsService, Config, FsStorage};
use bytes::BytesMut;
use tokio_util::codec::Decoder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(256);
    let dir = std::env::temp_dir().join(format!("bits-codec-client-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let source = dir.join("source.bin");
    let data: Vec<u8> = (0..mib << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&source, &data)?;
    drop(data);
    println!("{mib} MiB, file to file over loopback, 8 MiB fragments");

    let raw = raw_copy(&source, &dir.join("raw.bin"))?;
    report("raw loopback copy (std::io::copy, no protocol)", mib, raw);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let root = dir.join("root");
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = Config::default();
        let service = BitsService::new(FsStorage::new(&root)?, config.clone()).await?;
        tokio::spawn(
            async move { bits_codec_io::serve(listener, service, &config.limits, std::future::pending()).await },
        );
        Ok::<_, std::io::Error>(addr)
    })?;
    let config = ClientConfig::default().fragment_len(8 << 20);

    let started = Instant::now();
    let file = std::fs::File::open(&source)?;
    BitsUpload::new(&format!("http://{addr}/blocking.bin"), file, Options::default())?
        .config(config.clone())
        .run_blocking()?;
    report("blocking driver -> io server", mib, started.elapsed());

    let started = Instant::now();
    let client_rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    client_rt.block_on(async {
        let file = tokio::fs::File::open(&source).await?;
        BitsUpload::new(&format!("http://{addr}/tokio.bin"), file, Options::default())?.config(config).run().await
    })?;
    report("tokio driver -> io server", mib, started.elapsed());
    for name in ["blocking.bin", "tokio.bin"] {
        assert_eq!(std::fs::metadata(root.join(name))?.len(), mib << 20);
    }

    codec_bench();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn report(what: &str, mib: u64, took: Duration) {
    println!("{what:<48} {:>8.3} s {:>8.0} MiB/s", took.as_secs_f64(), mib as f64 / took.as_secs_f64());
}

/// The same bytes from file to file through a loopback socket, with nothing else.
fn raw_copy(from: &Path, to: &Path) -> std::io::Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let to = to.to_path_buf();
    let receiver = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut s, _) = listener.accept()?;
        let mut out = std::fs::File::create(to)?;
        let n = std::io::copy(&mut s, &mut out)?;
        out.sync_data()?;
        Ok(n)
    });
    let started = Instant::now();
    let mut s = TcpStream::connect(addr)?;
    std::io::copy(&mut std::fs::File::open(from)?, &mut s)?;
    s.shutdown(std::net::Shutdown::Write)?;
    receiver.join().map_err(|_| std::io::Error::other("receiver"))??;
    Ok(started.elapsed())
}

/// A 64 KiB answer head fed one byte at a time: the codec (linear) beside calling `decode`
/// on everything so far on each byte (what a naive loop does).
fn codec_bench() {
    let mut wire = b"HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n".to_vec();
    for i in 0..60 {
        wire.extend_from_slice(format!("X-Pad-{i}: {}\r\n", "p".repeat(1050)).as_bytes());
    }
    wire.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    println!("a {} byte answer head fed one byte at a time", wire.len());

    let started = Instant::now();
    let mut codec = BitsClientCodec::default();
    let mut buf = BytesMut::new();
    let mut n = 0;
    for &b in &wire {
        buf.extend_from_slice(&[b]);
        if codec.decode(&mut buf).ok().flatten().is_some() {
            n += 1;
        }
    }
    assert_eq!(n, 1);
    println!("  codec (scan kept between calls)   {:>10.6} s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let mut fed = Vec::new();
    let mut n = 0;
    for &b in &wire {
        fed.push(b);
        if Response::decode(&fed).is_ok() {
            n += 1;
        }
    }
    assert_eq!(n, 1);
    println!("  decode from byte 0 on each byte   {:>10.6} s", started.elapsed().as_secs_f64());
}

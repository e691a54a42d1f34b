//! `bits-codec upload` against the io package's server in this process: a byte-exact upload
//! with a JSON summary, and an upload killed mid-way that the same command resumes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use bits_codec_io::{BitsService, Config, FsStorage};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("bits-codec-cli-upload").join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i.wrapping_mul(31) ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

/// The io server on a runtime of its own, storing under `root`, until the runtime is dropped.
fn serve(root: &Path) -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let root = root.to_path_buf();
    let addr = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config::default();
        let service = BitsService::new(FsStorage::new(root).unwrap(), config.clone()).await.unwrap();
        tokio::spawn(async move {
            bits_codec_io::serve(listener, service, &config.limits, std::future::pending()).await.unwrap();
        });
        addr
    });
    (addr, rt)
}

/// A TCP relay to `upstream` that holds every answer chunk back `delay`: slow enough to
/// interrupt an upload mid-way.
fn slow_relay(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = TcpStream::connect(upstream).unwrap();
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || pump(&mut c_in, &mut s_out, Duration::ZERO));
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || pump(&mut s_in, &mut c_out, delay));
        }
    });
    addr
}

fn pump(from: &mut TcpStream, to: &mut TcpStream, delay: Duration) {
    let mut buf = [0u8; 65536];
    while let Ok(n @ 1..) = from.read(&mut buf) {
        std::thread::sleep(delay);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

fn upload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bits-codec")).arg("upload").args(args).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn an_upload_is_byte_exact_prints_a_json_summary_and_leaves_no_state_file() {
    let dir = scratch("plain");
    let root = dir.join("root");
    let (addr, _rt) = serve(&root);
    let file = dir.join("a.bin");
    let bytes = data(300_000);
    std::fs::write(&file, &bytes).unwrap();
    let out = upload(&[file.to_str().unwrap(), &format!("http://{addr}/in/a.bin"), "--fragment-size", "64k", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(root.join("in/a.bin")).unwrap(), bytes);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["bytes"], 300_000);
    assert_eq!(summary["requests"], 7, "Create-Session, 5 fragments, Close-Session: {summary}");
    assert_eq!(summary["connections"], 1);
    assert_eq!(summary["resumed"], false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("300000 of 300000 bytes (100%)"), "plain progress lines off a terminal: {stderr}");
    assert!(!dir.join("a.bin.bits-upload").exists());
}

#[test]
fn a_refused_upload_exits_1_with_a_one_line_reason() {
    let dir = scratch("refused");
    let (addr, _rt) = serve(&dir.join("root"));
    let file = dir.join("b.bin");
    std::fs::write(&file, b"hello").unwrap();
    // An escaping path: the server refuses the Create-Session.
    let out = upload(&[file.to_str().unwrap(), &format!("http://{addr}/%2e%2e/b.bin")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("bits-codec: upload failed: the server answered"), "{stderr}");
    let out = upload(&[dir.join("missing.bin").to_str().unwrap(), &format!("http://{addr}/x")]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn an_upload_killed_mid_way_is_resumed_by_the_same_command() {
    let dir = scratch("resume");
    let root = dir.join("root");
    let (addr, _rt) = serve(&root);
    let relay = slow_relay(addr, Duration::from_millis(20));
    let file = dir.join("c.bin");
    let bytes = data(64 * 64 * 1024 + 99);
    std::fs::write(&file, &bytes).unwrap();
    let url = format!("http://{relay}/in/c.bin");
    let args = [file.to_str().unwrap(), url.as_str(), "--fragment-size", "64k", "--json"];
    let mut child = Command::new(env!("CARGO_BIN_EXE_bits-codec"))
        .arg("upload")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the state file says a quarter is in.
    let state = dir.join("c.bin.bits-upload");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no progress");
        let saved: Option<serde_json::Value> = std::fs::read(&state).ok().and_then(|b| serde_json::from_slice(&b).ok());
        if saved.is_some_and(|s| s["received"].as_u64().unwrap() >= 16 * 64 * 1024) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!root.join("in/c.bin").exists(), "killed before the end");

    // The same command again: a Ping, then on from where the server is.
    let out = Command::new(env!("CARGO_BIN_EXE_bits-codec")).arg("upload").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["resumed"], true, "{summary}");
    assert_eq!(std::fs::read(root.join("in/c.bin")).unwrap(), bytes);
    assert!(summary["sent"].as_u64().unwrap() < bytes.len() as u64, "only the rest was sent: {summary}");
    assert!(!state.exists());
}

/// test-support's Graph example server over plain HTTP, on a thread; its files under `dir`.
fn graph_server(dir: &Path) -> (SocketAddr, bits_codec_test_support::graph_server::net::Running) {
    use bits_codec_test_support::graph_server::net::{NetConfig, NetServer};
    let server = NetServer::bind(NetConfig { dir: Some(dir.to_path_buf()), ..NetConfig::default() }).unwrap();
    (server.addr(), server.spawn())
}

#[test]
fn a_graph_upload_sends_the_token_to_the_create_request_only_and_is_byte_exact() {
    let dir = scratch("graph");
    let (addr, _server) = graph_server(&dir.join("server"));
    let file = dir.join("g.bin");
    let bytes = data(2 * 327_680 + 17);
    std::fs::write(&file, &bytes).unwrap();
    let create = format!("http://{addr}/v1.0/me/drive/root:/g.bin:/createUploadSession");
    let base =
        [file.to_str().unwrap(), "--graph", "--create-url", create.as_str(), "--fragment-size", "320k", "--json"];
    // Without the token the create request is refused (401).
    let out = upload(&base);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let mut args = base.to_vec();
    args.extend(["--header", "Authorization: Bearer t"]);
    let out = upload(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((summary["protocol"].as_str(), summary["requests"].as_u64()), (Some("graph"), Some(4)), "{summary}");
    // The server refuses an uploadUrl request that carries Authorization: none did; the one
    // upload it committed is the file.
    let committed: Vec<_> =
        std::fs::read_dir(dir.join("server/committed")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(committed.len(), 1, "{committed:?}");
    assert_eq!(std::fs::read(&committed[0]).unwrap(), bytes);
}

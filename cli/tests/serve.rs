//! The `bits-codec` binary end to end: `bits-codec serve` in a child process, checked by
//! `bits-codec check` (every MUST case passes, the fuzzer finds nothing), uploaded to by curl's
//! exact bodiless requests, and stopped by SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_bits-codec");

/// A running `bits-codec serve` on a free port, killed when dropped.
struct Served {
    child: Child,
    addr: String,
    root: PathBuf,
    /// Kept open: the server's standard output must stay writable while it runs.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Served {
    fn start(extra: &[&str]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("bits-codec-serve-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut child = Command::new(BIN)
            .args(["serve", "--root", root.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bits-codec serve");
        // The first line on stdout is the address it listens on.
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).expect("address line");
        Self { child, addr: line.trim().to_owned(), root, _stdout: stdout }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn check(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).arg("check").args(args).output().expect("run bits-codec check");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn serve_passes_every_must_case_of_check_and_the_fuzzer_finds_nothing() {
    let served = Served::start(&[]);
    let url = format!("http://{}/up/", served.addr);
    let (code, out) = check(&[&url, "--json", "--timeout", "5"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    let failed: Vec<_> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(code, 0);

    let (code, out) = check(&[&url, "--fuzz", "200", "--seed", "1", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(code, 0, "{}", v["findings"]);
}

/// One request on a new connection; the whole answer (the server closes or answers with
/// `Content-Length: 0`, so reading to the empty line suffices).
fn send(addr: &str, wire: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(wire.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut byte = [0; 1];
    while !buf.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap() == 1 {
        buf.push(byte[0]);
    }
    String::from_utf8(buf).unwrap()
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    answer.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn serve_takes_a_curl_upload_whose_bodiless_requests_have_no_content_length() {
    let served = Served::start(&[]);
    let addr = &served.addr;
    let head = |kind: &str, extra: &str| {
        format!(
            "BITS_POST /up/curl.bin HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nBITS-Packet-Type: {kind}\r\n{extra}"
        )
    };
    let ping = send(addr, &format!("{}\r\n", head("Ping", "")));
    assert!(ping.starts_with("HTTP/1.1 200"), "{ping}");
    let create = send(
        addr,
        &format!(
            "{}\r\n",
            head("Create-Session", "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n")
        ),
    );
    let id = header(&create, "BITS-Session-Id").unwrap_or_else(|| panic!("{create}")).to_owned();
    let fragment = send(
        addr,
        &format!(
            "{}\r\nhello",
            head("Fragment", &format!("BITS-Session-Id: {id}\r\nContent-Range: bytes 0-4/5\r\nContent-Length: 5\r\n"))
        ),
    );
    assert_eq!(header(&fragment, "BITS-Received-Content-Range"), Some("5"), "{fragment}");
    let close = send(addr, &format!("{}\r\n", head("Close-Session", &format!("BITS-Session-Id: {id}\r\n"))));
    assert!(close.starts_with("HTTP/1.1 200"), "{close}");
    assert_eq!(std::fs::read(served.root.join("up/curl.bin")).unwrap(), b"hello");

    // With --require-content-length, the letter of [MC-BUP]: 411 for the same Ping.
    let strict = Served::start(&["--require-content-length"]);
    let ping = send(&strict.addr, &format!("{}\r\n", head("Ping", "")));
    assert!(ping.starts_with("HTTP/1.1 411"), "{ping}");
}

#[cfg(unix)]
#[test]
fn serve_stops_on_sigterm() {
    let mut served = Served::start(&[]);
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

//! curl as the client: `curl -X BITS_POST` sessions against the server (skipped, with a
//! message, where curl is not installed).

mod support;

use std::process::Command;

use bits_codec_io::{Config, FsStorage};
use support::*;

const PROTOCOL: &str = "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}";

fn curl(url: &str, headers: &[&str], body: Option<&std::path::Path>) -> String {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-i", "--max-time", "20", "-X", "BITS_POST"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    if let Some(file) = body {
        cmd.arg("--data-binary").arg(format!("@{}", file.display()));
    }
    let out = cmd.arg(url).output().expect("curl runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "").to_ascii_lowercase()
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

#[test]
fn curl_uploads_in_two_fragments() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: skipping curl_uploads_in_two_fragments");
        return;
    }
    let root = scratch("curl");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let url = format!("http://{}/curl/file.bin", server.addr);
    // Bodiless requests exactly as curl sends them: no Content-Length.
    let created = curl(&url, &["BITS-Packet-Type: Create-Session", PROTOCOL], None);
    assert!(created.starts_with("http/1.1 200"), "{created}");
    let id = header(&created, "bits-session-id").unwrap().to_ascii_uppercase();
    let file = data(5000);
    let parts = [(0usize, 3000usize), (3000, 5000)];
    for (i, (from, to)) in parts.into_iter().enumerate() {
        let piece = root.join(format!("piece{i}"));
        std::fs::write(&piece, &file[from..to]).unwrap();
        let range = format!("Content-Range: bytes {from}-{}/5000", to - 1);
        let sid = format!("BITS-Session-Id: {id}");
        let acked = curl(&url, &["BITS-Packet-Type: Fragment", &sid, &range], Some(&piece));
        assert_eq!(header(&acked, "bits-received-content-range"), Some(to.to_string().as_str()), "{acked}");
        std::fs::remove_file(piece).unwrap();
    }
    let sid = format!("BITS-Session-Id: {id}");
    let closed = curl(&url, &["BITS-Packet-Type: Close-Session", &sid], None);
    assert!(closed.starts_with("http/1.1 200"), "{closed}");
    assert_eq!(std::fs::read(root.join("curl/file.bin")).unwrap(), file);
}

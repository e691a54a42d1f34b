//! The `bits-codec` command-line tool: every corpus message decodes to JSON and encodes back
//! to its exact bytes; bad input, bad JSON and bad usage give the documented exit status.

use bits_codec_test_support::corpus::repo_root;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bits-codec"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bits-codec");
    // The tool may exit before reading (usage errors): a closed pipe is not a test failure.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("wait")
}

fn corpus(dir: &str) -> Vec<PathBuf> {
    let dir = repo_root().join("corpus").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .collect();
    files.sort();
    files
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Decode `file`; it must succeed. The JSON and its raw text.
fn decode_file(file: &str) -> (Value, Vec<u8>) {
    let out = run(&["decode", file], b"");
    assert_eq!(out.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{file}");
    (serde_json::from_slice(&out.stdout).expect("valid JSON"), out.stdout)
}

fn capture(name: &str) -> Value {
    decode_file(&format!("{}/corpus/{name}", repo_root().display())).0
}

/// Exit status `code`, nothing on stdout, exactly one line on stderr; that line.
fn assert_fails(out: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

/// What the file name says the message is: `(protocol, packet_type)`.
fn expected_kind(name: &str) -> (&'static str, Option<&'static str>) {
    if ["4.2-15-", "4.2-16-", "4.2-18-"].iter().any(|n| name.contains(n)) {
        return ("http", None);
    }
    let types = [
        ("-ack-", "Ack"),
        ("create-session", "Create-Session"),
        ("fragment", "Fragment"),
        ("ping", "Ping"),
        ("close-session", "Close-Session"),
        ("cancel-session", "Cancel-Session"),
    ];
    let t = types.iter().find(|(k, _)| name.contains(k)).map(|(_, t)| *t);
    ("bits", Some(t.unwrap_or_else(|| panic!("{name}: unknown kind"))))
}

#[test]
fn every_corpus_message_decodes_and_encodes_back_byte_for_byte() {
    let files: Vec<_> = corpus("captures").into_iter().chain(corpus("constructed")).collect();
    assert_eq!(files.len(), 36);
    for path in files {
        let file = path_str(&path);
        let (json, text) = decode_file(file);
        let (protocol, packet_type) = expected_kind(file);
        assert_eq!(json["protocol"], protocol, "{file}");
        assert_eq!(json["packet_type"].as_str(), packet_type, "{file}");
        let encoded = run(&["encode"], &text);
        assert_eq!(encoded.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&encoded.stderr));
        assert!(encoded.stdout == std::fs::read(&path).expect("read"), "{file}: not the same bytes");
        let again = run(&["decode"], &encoded.stdout);
        assert_eq!(serde_json::from_slice::<Value>(&again.stdout).expect("JSON"), json, "{file}");
    }
}

#[test]
fn truncated_input_is_incomplete() {
    for path in corpus("incomplete") {
        let err = assert_fails(&run(&["decode", path_str(&path)], b""), 1);
        assert!(err.contains("incomplete"), "{err}");
    }
}

#[test]
fn invalid_input_names_the_byte_offset() {
    let wire = b"BITS_POST / HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nContent-Length: +3\r\n\r\nabc";
    let err = assert_fails(&run(&["decode"], wire), 1);
    assert!(err.contains("byte 66") && err.contains("Content-Length"), "{err}");

    let mut wire = std::fs::read(&corpus("constructed")[0]).expect("read");
    let len = wire.len();
    wire.extend_from_slice(b"BITS_POST");
    let err = assert_fails(&run(&["decode"], &wire), 1);
    assert!(err.contains(&format!("trailing bytes after message at offset {len}")), "{err}");

    // A target longer than the codec's values hold: an error, never a panic.
    let wire = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
    let err = assert_fails(&run(&["decode"], wire.as_bytes()), 1);
    assert!(err.contains("request target"), "{err}");
}

#[test]
fn stdin_and_dash_read_standard_input() {
    let path = &corpus("captures")[2];
    let from_file = run(&["decode", path_str(path)], b"");
    let wire = std::fs::read(path).expect("read");
    assert_eq!(run(&["decode"], &wire).stdout, from_file.stdout);
    assert_eq!(run(&["decode", "-"], &wire).stdout, from_file.stdout);
}

#[test]
fn usage_and_io_errors_exit_2() {
    for args in [&[][..], &["frob"], &["decode", "a", "b"], &["decode", "--bogus"]] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty() && String::from_utf8_lossy(&out.stderr).contains("Usage"), "{args:?}");
    }
    let out = run(&["decode", "/nonexistent/capture.http"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    for flag in ["--help", "-h"] {
        let out = run(&["decode", flag], b"");
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("trailing bytes after message"));
    }
}

#[test]
fn typed_fields_of_the_captures() {
    let j = capture("captures/mcbup-4.1-00-create-session.http");
    assert_eq!(j["session_id"], Value::Null);
    assert_eq!(j["supported_protocols"], json!(["{7df0354d-249b-430f-820d-3d2a9bef4931}"]));
    assert_eq!(j["headers"][0], json!(["Accept", "*/*"]));
    assert_eq!((&j["method"], &j["target"]), (&json!("BITS_POST"), &json!("/upload/2000mb-rfc2119.txt")));

    let j = capture("captures/mcbup-4.1-02-fragment.http");
    assert_eq!(j["content_range"], json!({"first": 0, "last": 4891, "total": 4892}));
    assert_eq!(j["body_len"], 4892);

    let j = capture("captures/mcbup-4.2-10-ack-create-session-host-id.http");
    assert_eq!((&j["host_id"], &j["host_id_fallback_timeout"]), (&json!("FRANKCAO8"), &json!(110)));
    assert_eq!((&j["status"], &j["reason"]), (&json!(200), &json!("OK")));

    let j = capture("constructed/c12-ack-500-session-not-found.http");
    assert_eq!((&j["error_code"], &j["error_context"]), (&json!(0x8020_001F_u32), &json!(5)));

    let j = capture("captures/mcbup-4.2-15-notification-request-by-reference.http");
    assert_eq!(j["notification"]["kind"], "request");
    assert_eq!(j["method"], "POST");
}

#[test]
fn encode_rejects_json_that_is_not_a_message() {
    let ping = json!({"protocol": "bits", "message": "request", "target": "/u",
        "headers": [["BITS-Packet-Type", "Ping"], ["Content-Length", "0"]]});
    let out = run(&["encode"], ping.to_string().as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n");

    let mut wrong_protocol = ping.clone();
    wrong_protocol["protocol"] = json!("http");
    wrong_protocol["method"] = json!("BITS_POST");
    let mut bad_packet = ping.clone();
    bad_packet["headers"][0][1] = json!("Pong");
    let mut injected = ping.clone();
    injected["headers"][0][1] = json!("Ping\r\nX: y");
    let mut no_target = ping;
    no_target.as_object_mut().expect("object").remove("target");
    for bad in [wrong_protocol, bad_packet, injected, no_target, json!([1]), json!({"protocol": "bits"})] {
        assert_fails(&run(&["encode"], bad.to_string().as_bytes()), 1);
    }
    assert_fails(&run(&["encode"], b"{not json"), 1);
}

// ---------------------------------------------------------------------------------------------
// Microsoft Graph
// ---------------------------------------------------------------------------------------------

fn graph(name: &str) -> Value {
    decode_file(&format!("{}/corpus/graph/{name}", repo_root().display())).0
}

#[test]
fn every_graph_corpus_message_decodes_as_graph_and_encodes_back_byte_for_byte() {
    let files = corpus("graph");
    assert_eq!(files.len(), 46);
    for path in files {
        let file = path_str(&path);
        let (json, text) = decode_file(file);
        assert_eq!(json["protocol"], "graph", "{file}");
        match json["message"].as_str() {
            Some("request") => assert!(json["operation"].is_string(), "{file}"),
            _ => assert!(json["outcome"].is_string(), "{file}"),
        }
        let encoded = run(&["encode"], &text);
        assert_eq!(encoded.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&encoded.stderr));
        assert!(encoded.stdout == std::fs::read(&path).expect("read"), "{file}: not the same bytes");
        let again = run(&["decode"], &encoded.stdout);
        assert_eq!(serde_json::from_slice::<Value>(&again.stdout).expect("JSON"), json, "{file}");
    }
}

#[test]
fn graph_requests_as_json() {
    let j = graph("drive-upload-fragment-first-26-bytes.http");
    assert_eq!((&j["method"], &j["operation"]), (&json!("PUT"), &json!("upload-fragment")));
    assert_eq!(j["content_range"], json!({"first": 0, "last": 25, "total": 128}));
    assert_eq!(j["target"], "https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337");
    assert_eq!(j["create_upload_session"], Value::Null);

    let j = graph("drive-create-session-defer-commit.http");
    assert_eq!(j["operation"], "create-upload-session");
    assert_eq!(j["create_upload_session"]["variant"], "drive_item");
    assert_eq!(j["create_upload_session"]["conflict_behavior"], "rename");
    assert_eq!(j["create_upload_session"]["defer_commit"], true);

    let j = graph("print-create-session.http");
    assert_eq!(
        j["create_upload_session"],
        json!({"variant": "print_document", "document_name": "TestFile.pdf", "content_type": "application/pdf", "size": 4533322})
    );
    for (name, op) in [
        ("drive-session-status.http", "session-status"),
        ("drive-cancel-session.http", "cancel-session"),
        ("print-delete-upload-session.http", "cancel-session"),
        ("drive-deferred-commit.http", "commit"),
    ] {
        assert_eq!(graph(name)["operation"], op, "{name}");
    }
}

#[test]
fn graph_responses_as_json() {
    let j = graph("print-status-200-end-equals-total.http");
    assert_eq!(j["outcome"], "in-progress");
    assert_eq!(
        j["upload_session"],
        json!({"upload_url": null, "expiration_date_time": "2020-10-25T02:19:38.1694207Z",
               "next_expected_ranges": [{"start": 72797, "end": 72897}, {"start": 78929, "end": 4533322}]})
    );
    let j = graph("outlook-progress-200-pascal-case.http");
    assert_eq!(j["upload_session"]["next_expected_ranges"], json!([{"start": 2097152, "end": null}]));
    let j = graph("drive-create-session-200.http");
    assert_eq!(j["outcome"], "session-created");
    assert_eq!(j["upload_session"]["next_expected_ranges"], Value::Null);

    let j = graph("error-416-fragment-overlap.http");
    assert_eq!(j["outcome"], "failed");
    assert_eq!(j["error"]["code"], "invalidRange");
    assert_eq!(j["error"]["inner_error"]["code"], "fragmentOverlap");
    assert_eq!(graph("error-429-throttled-retry-after.http")["retry_after"], 41);

    let j = graph("outlook-completed-201-location.http");
    assert_eq!((&j["outcome"], &j["body_len"]), (&json!("completed-at-location"), &json!(0)));
    assert!(
        j["location"].as_str().unwrap().ends_with("/Attachments('AAMkADI5MAAIT3drCAAABEgAQANAqbAe7qaROhYdTnUQwXm0=')")
    );
    let j = graph("drive-completed-201.http");
    assert_eq!(j["item"], json!({"id": "912310013A123", "name": "largefile.vhd", "size": 128}));
    assert_eq!(graph("outlook-cancel-204-no-content-lowercase.http")["reason"], "No content");
}

#[test]
fn graph_rejections_name_the_byte_offset() {
    let file = format!("{}/corpus/graph/invalid/drive-final-fragment-content-length-21.http", repo_root().display());
    let err = assert_fails(&run(&["decode", &file], b""), 1);
    assert!(err.contains("Content-Length disagrees with the Content-Range length"), "{err}");

    let body = r#"{"nextExpectedRanges":["5-3"]}"#;
    let wire = format!(
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let err = assert_fails(&run(&["decode"], wire.as_bytes()), 1);
    let at = wire.find("5-3").unwrap() + 2;
    assert!(err.contains(&format!("invalid JSON body at byte {at}")), "{err}");

    let body = r#"{"AttachmentItem":{"name":"f","size":1}}"#;
    let wire = format!(
        "POST /me/messages/1/attachments/createUploadSession HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let err = assert_fails(&run(&["decode"], wire.as_bytes()), 1);
    assert!(err.contains("expected member attachmentType"), "{err}");
}

#[test]
fn what_is_not_a_graph_shape_stays_plain_http() {
    // A body that is not JSON under a JSON Content-Type is an error naming the offset, not
    // plain HTTP (issue 12, item 9; the library's `graph::Response` rejects it too, see
    // tests/graph_corpus.rs).
    let file = format!("{}/corpus/graph/invalid/drive-409-trailing-comma-v1.0.http", repo_root().display());
    let err = assert_fails(&run(&["decode", &file], b""), 1);
    assert!(err.contains("invalid JSON body at byte"), "{err}");
    for wire in [
        &b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"[..],
        b"DELETE /api/items/7 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"value\":1}",
        b"PUT /file HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
    ] {
        let out = run(&["decode"], wire);
        assert_eq!(out.status.code(), Some(0));
        let j: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(j["protocol"], "http", "{}", String::from_utf8_lossy(wire));
    }
}

#[test]
fn encode_checks_graph_json_by_decoding_it() {
    let put = json!({"protocol": "graph", "message": "request", "method": "PUT", "target": "/up/x",
        "headers": [["Content-Length", "3"], ["Content-Range", "bytes 0-2/9"]], "body": "YWJj"});
    let out = run(&["encode"], put.to_string().as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"PUT /up/x HTTP/1.1\r\nContent-Length: 3\r\nContent-Range: bytes 0-2/9\r\n\r\nabc");
    let mut bad = put.clone();
    bad["headers"][1][1] = json!("bytes 0-3/9");
    assert!(assert_fails(&run(&["encode"], bad.to_string().as_bytes()), 1).contains("does not decode"));
    let mut no_method = put;
    no_method.as_object_mut().expect("object").remove("method");
    assert_fails(&run(&["encode"], no_method.to_string().as_bytes()), 1);
}

#[test]
fn as_forces_the_protocol() {
    let path = repo_root().join("corpus/captures/mcbup-4.1-00-create-session.http");
    let file = path_str(&path);
    let bits: Value = serde_json::from_slice(&run(&["decode", "--as", "bits", file], b"").stdout).unwrap();
    assert_eq!(bits["protocol"], "bits");
    let http: Value = serde_json::from_slice(&run(&["decode", "--as", "http", file], b"").stdout).unwrap();
    assert_eq!(http["protocol"], "http");
    assert!(http["packet_type"].is_null());
    // A Graph request is not a BITS packet: forced, it is an error naming the offset.
    let graph = repo_root().join("corpus/graph/drive-cancel-session.http");
    let msg = assert_fails(&run(&["decode", "--as", "bits", path_str(&graph)], b""), 1);
    assert!(msg.contains("byte"), "{msg}");
    let out = run(&["decode", "--as", "ftp", file], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_real_peer_answer_decodes_and_requests_need_the_named_leniency() {
    for path in corpus("peers") {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let out = run(&["decode", path_str(&path)], b"");
        if name.contains("no-content-length") {
            let msg = assert_fails(&out, 1);
            assert!(msg.contains("Content-Length"), "{name}: {msg}");
            let out = run(&["decode", "--allow-bodiless-without-content-length", path_str(&path)], b"");
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        } else {
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            let json: Value = serde_json::from_slice(&out.stdout).unwrap();
            let expected = if name.contains("no-packet-type") { "http" } else { "bits" };
            assert_eq!(json["protocol"], expected, "{name}");
        }
    }
}

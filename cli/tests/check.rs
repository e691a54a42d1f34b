//! `bits-codec check` against the fault server in `check_support/`: the fault-free server
//! passes every case, and every case fails against a fault that breaks what it checks.

mod check_support;

use std::process::Command;

use check_support::server;
use serde_json::Value;

fn check(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bits-codec")).arg("check").args(args).output().expect("run bits-codec");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn results(json: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["result"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn the_fault_free_server_passes_every_case_and_the_run_exits_0() {
    let (code, out, err) = check(&[&server().url("ok"), "--json", "--timeout", "3"]);
    let not_passed: Vec<_> = results(&out).into_iter().filter(|(_, r)| r != "pass").collect();
    assert!(not_passed.is_empty(), "{not_passed:?}\n{out}");
    assert_eq!(code, 0, "{err}");
}

/// Each fault of the test server, and the cases it must make fail (or warn, for SHOULD and
/// DIALECT cases).
const FAULT_CASES: &[(&str, &[&str])] = &[
    ("bare-lf-acks", &["framing-1"]),
    ("ack-body", &["framing-2", "create-2", "errors-3"]),
    ("close-after-ack", &["framing-3"]),
    ("no-pipelining", &["framing-4"]),
    (
        "lenient",
        &[
            "framing-5",
            "framing-6",
            "framing-15",
            "framing-7",
            "framing-8",
            "framing-13",
            "ping-5",
            "create-8",
            "create-9",
            "fragment-12",
            "fragment-13",
            "fragment-14",
            "fragment-15",
            "fragment-16",
            "fragment-20",
            "hostile-1",
            "hostile-2",
            "hostile-3",
            "hostile-4",
            "hostile-5",
            "hostile-6",
            "hostile-7",
            "hostile-8",
            "hostile-9",
            "hostile-10",
            "hostile-11",
            "hostile-12",
            "hostile-13",
            "hostile-14",
            "hostile-15",
            "hostile-16",
        ],
    ),
    ("strict-headers", &["framing-9"]),
    ("case-sensitive-type", &["framing-10", "framing-11"]),
    ("drop-unknown-type", &["framing-12"]),
    ("close-after-error", &["framing-14"]),
    ("ping-needs-session", &["ping-1"]),
    ("error-headers-on-200", &["ping-2", "create-2", "fragment-21", "close-12"]),
    ("ping-checks-session", &["ping-3"]),
    ("ping-resets-sessions", &["ping-4"]),
    ("unbraced-ids", &["create-1"]),
    ("strict-protocol-list", &["create-3", "create-12"]),
    ("guid-upper-only", &["create-4"]),
    ("guid-lower-only", &["create-5"]),
    ("any-protocol", &["create-6"]),
    ("reuse-ids", &["create-7"]),
    ("minimal-acks", &["create-10", "fragment-23", "close-1", "close-10"]),
    ("takes-client-id", &["create-11"]),
    ("no-brcr", &["fragment-1", "fragment-2"]),
    ("gap-500", &["fragment-3", "fragment-4", "fragment-5"]),
    ("store-twice", &["fragment-6", "fragment-7", "fragment-8", "fragment-22"]),
    ("final-again-400", &["fragment-9", "fragment-10"]),
    ("ignore-total", &["fragment-11"]),
    ("brcr-last", &["fragment-17"]),
    ("drop-large", &["fragment-18"]),
    ("total-500", &["fragment-19"]),
    ("close-idempotent", &["close-8", "close-9", "errors-7"]),
    ("commit-keeps-session", &["close-2", "close-3"]),
    ("close-partial-ok", &["close-4"]),
    ("keep-after-cancel", &["close-5", "close-6", "close-7", "close-11"]),
    ("per-connection", &["connections-1", "connections-2", "connections-3", "connections-5"]),
    ("one-session-per-conn", &["connections-4"]),
    ("resume-by-name", &["connections-6"]),
    ("wrong-not-found", &["errors-1", "close-8"]),
    ("echo-wrong-id", &["errors-2"]),
    ("spec-error-name", &["errors-4"]),
    ("no-error-context", &["errors-5"]),
    ("416-with-error", &["errors-6"]),
];

fn all_case_ids() -> Vec<String> {
    let (code, out, err) = check(&["http://127.0.0.1:9/", "--list"]);
    assert_eq!(code, 0, "{err}");
    out.lines().map(|l| l.split_whitespace().next().unwrap().to_owned()).collect()
}

#[test]
fn every_case_has_a_fault_that_makes_it_fail() {
    let faults: Vec<&str> = check_support::FAULTS.iter().map(|(f, _)| *f).collect();
    let mut uncovered = Vec::new();
    for id in all_case_ids() {
        if !FAULT_CASES.iter().any(|(_, cases)| cases.contains(&id.as_str())) {
            uncovered.push(id);
        }
    }
    assert!(uncovered.is_empty(), "cases without a fault: {uncovered:?}");
    for (fault, _) in FAULT_CASES {
        assert!(faults.contains(fault), "{fault} is not a fault of the test server");
    }
}

#[test]
fn each_case_fails_against_its_fault() {
    let mut wrong = Vec::new();
    for (fault, cases) in FAULT_CASES {
        let mut args = vec![server().url(fault), "--json".into(), "--timeout".into(), "2".into()];
        for c in *cases {
            args.extend(["--case".to_owned(), (*c).to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, _) = check(&args);
        let got = results(&out);
        for c in *cases {
            match got.iter().find(|(id, _)| id == c) {
                Some((_, r)) if r == "fail" || r == "warn" => {}
                other => wrong.push(format!("{fault}: {c} -> {other:?}")),
            }
        }
        let any_fail = got.iter().any(|(_, r)| r == "fail");
        assert_eq!(code, if any_fail { 1 } else { 0 }, "{fault}: exit status");
    }
    assert!(wrong.is_empty(), "cases that did not fail against their fault:\n{}", wrong.join("\n"));
}

/// Not a check: prints the table against the fault named by `FAULT` (default `ok`), to see
/// what a run looks like: `FAULT=gap-500 cargo test -p bits-codec-cli --test check
/// print_table -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_table() {
    let url = server().url(&std::env::var("FAULT").unwrap_or("ok".into()));
    let (code, out, err) = check(&[&url, "--timeout", "3"]);
    println!("{out}\n{err}\nexit {code}");
}

fn fuzz(fault: &str, n: &str, seed: &str) -> (i32, Value) {
    let (code, out, err) = check(&[&server().url(fault), "--fuzz", n, "--seed", seed, "--json", "--timeout", "2"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

#[test]
fn fuzzing_the_fault_free_server_finds_nothing_and_the_same_seed_sends_the_same_requests() {
    let (code, first) = fuzz("ok", "1000", "1");
    assert_eq!(first["findings"].as_array().map(Vec::len), Some(0), "{first:#}");
    assert_eq!(code, 0);
    let (_, again) = fuzz("ok", "1000", "1");
    assert_eq!(first["plan_digest"], again["plan_digest"]);
    let (_, other) = fuzz("ok", "1000", "2");
    assert_ne!(first["plan_digest"], other["plan_digest"]);
}

#[test]
fn fuzzing_finds_dropped_answers_and_offsets_that_go_backwards() {
    let (code, v) = fuzz("store-twice", "200", "1");
    let kinds: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"acknowledged past the data sent"), "{kinds:?}");
    assert_eq!(code, 1);
    let (_, v) = fuzz("gap-500", "200", "1");
    let f = &v["findings"][0];
    assert_eq!(f["kind"], "answer does not decode", "{v:#}");
    assert!(f["request_hex"].as_str().unwrap().starts_with("424954535f504f5354"), "the bytes to reproduce: {f}");
    let (_, v) = fuzz("drop-unknown-type", "300", "1");
    let kinds: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.iter().all(|k| *k == "dropped without an answer" || *k == "answer does not decode"), "{kinds:?}");
}

#[test]
fn junit_output_is_xml_a_viewer_loads_with_one_testcase_per_case_and_failures_for_must_cases() {
    let dir = std::env::temp_dir().join(format!("bits-codec-check-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("check.xml");
    // store-twice fails MUST cases; close-partial-ok fails close-4, a SHOULD case (a warning).
    let (code, out, err) = check(&[
        &server().url("store-twice"),
        "--group",
        "fragment",
        "--case",
        "close-4",
        "--junit",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML ({e}):\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), results(&out).len());
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|k| k.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert!(failed.iter().any(|n| n.starts_with("fragment-6 ")), "{failed:?}");
    assert_eq!(root.attribute("failures").and_then(|f| f.parse::<usize>().ok()), Some(failed.len()));
    // close-4 passes against store-twice; its level is recorded.
    let close4 = cases.iter().find(|c| c.attribute("name").unwrap().starts_with("close-4 ")).unwrap();
    assert!(close4.descendants().any(|p| p.has_tag_name("property") && p.attribute("value") == Some("SHOULD")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_should_case_that_fails_is_a_warning_and_the_run_still_exits_0() {
    let (code, out, _) = check(&[&server().url("close-partial-ok"), "--case", "close-4"]);
    assert!(out.contains("warn close-4"), "{out}");
    assert!(out.contains("1 warnings"), "{out}");
    assert_eq!(code, 0);
}

#[test]
fn https_is_refused_as_not_supported_yet_and_an_unreachable_server_exits_2() {
    let (code, _, err) = check(&["https://127.0.0.1:1/up/"]);
    assert_eq!(code, 2);
    assert!(err.contains("not supported yet"), "{err}");
    let (code, _, err) = check(&["http://127.0.0.1:1/up/", "--timeout", "1"]);
    assert_eq!(code, 2, "{err}");
}

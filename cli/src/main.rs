//! `bits-codec`: decode one BITS upload-protocol, Microsoft Graph upload-session (or plain
//! HTTP/1.1) message to JSON, and encode that JSON back to the exact wire bytes.
//!
//! ```text
//! bits-codec decode capture.http > capture.json
//! bits-codec encode capture.json > again.http      # same bytes as capture.http
//! ```
//!
//! One module per subcommand (`decode`, `encode`); each owns its arguments and its `run`.
//! Exit status: 0 success; 1 invalid input (a message that does not decode, or JSON that does
//! not describe one); 2 usage or I/O error. Run `bits-codec --help` for the details.

#![forbid(unsafe_code)]

mod check;
mod classify;
mod decode;
mod encode;
mod json;
mod layout;
mod leniency;
mod serve;
mod stdio;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Decode and encode BITS upload-protocol ([MC-BUP]) and Microsoft Graph upload messages.
#[derive(Debug, Parser)]
#[command(name = "bits-codec", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read one complete HTTP message and print it as one JSON object.
    Decode(decode::Args),
    /// Read the JSON of `decode` and write the message's exact wire bytes.
    Encode(encode::Args),
    /// Check a live BITS upload server against [MC-BUP]: conformance cases, or --fuzz.
    Check(check::Args),
    /// Serve BITS uploads into a folder (sessions survive restarts).
    Serve(serve::Args),
}

/// What went wrong, and the exit status it gives.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Exit 2.
    Io(String),
    /// Exit 2 without a message (standard output went away).
    Quiet,
    /// Exit 1.
    Invalid(String),
}

fn main() -> ExitCode {
    // clap prints usage errors to stderr and exits 2, and `--help`/`--version` to stdout with 0.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(args),
        Command::Encode(args) => encode::run(args),
        Command::Check(args) => check::run(args),
        Command::Serve(args) => serve::run(args),
    };
    // Writes to stderr are best effort: a closed stderr must not turn into a panic.
    let mut err = std::io::stderr().lock();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(msg)) => {
            let _ = writeln!(err, "bits-codec: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Io(msg)) => {
            let _ = writeln!(err, "bits-codec: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Quiet) => ExitCode::from(2),
    }
}

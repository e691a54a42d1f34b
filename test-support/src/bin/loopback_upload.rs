//! The `loopback_upload` binary: see `bits_codec_test_support::loopback`.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use bits_codec::bits::client::Event;
use bits_codec::graph::Variant;
use bits_codec::graph::client::Event as GraphEvent;
use bits_codec_test_support::loopback::{Options, Outcome, run};

fn main() {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            eprintln!(
                "usage: loopback_upload FILE [--fragment-size N] [--inject-gap] [--drop-ack] [--cancel] [--host-id] \
                 [--server-max-fragment N] [--quiet]\n       loopback_upload FILE --graph [--variant \
                 drive|outlook|todo|print] [--fragment-size N] [--inject-gap] [--drop-ack] [--cancel] [--throttle] \
                 [--quiet]"
            );
            std::process::exit(2);
        }
    };
    match run(&opts) {
        Ok(r) => {
            let what = match r.outcome {
                Outcome::Uploaded => "uploaded; the stored file is identical, byte for byte",
                Outcome::Cancelled | Outcome::Refused => "cancelled; the server kept nothing",
            };
            let what = if r.outcome == Outcome::Refused {
                "refused before any request: a Graph upload session cannot carry 0 bytes (use a simple upload)"
            } else {
                what
            };
            let packets = r.trace.iter().filter(|l| l.starts_with('→') || l.starts_with('←')).count();
            let summary = if opts.graph.is_some() {
                let count = |f: fn(&GraphEvent) -> bool| r.graph_events.iter().filter(|e| f(e)).count();
                let resyncs = count(|e| matches!(e, GraphEvent::Resynced { .. }));
                let rejected = count(|e| matches!(e, GraphEvent::RangeRejected));
                let lost = count(|e| matches!(e, GraphEvent::Retrying));
                let waits = count(|e| matches!(e, GraphEvent::Wait { .. }));
                format!("{resyncs} status resync, {rejected} 416, {lost} lost answer, {waits} wait")
            } else {
                let count = |f: fn(&Event) -> bool| r.events.iter().filter(|e| f(e)).count();
                let resyncs = count(|e| matches!(e, Event::Resynced { .. }));
                let resends = count(|e| matches!(e, Event::Retrying));
                let restarts = count(|e| matches!(e, Event::Restarted));
                format!("{resyncs} resync, {resends} resend, {restarts} restart")
            };
            println!(
                "ok: {} bytes, {} requests ({summary}), {packets} trace lines, {:.3} s: {what}",
                r.bytes,
                r.requests,
                r.elapsed.as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            std::process::exit(1);
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut file = None;
    let mut opts = Options::new("");
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse::<u64>().ok().filter(|&n| n > 0).ok_or(format!("{name}: not a positive number: {v}"))
        };
        match a.as_str() {
            "--fragment-size" => opts.fragment_len = Some(number("--fragment-size")?),
            "--server-max-fragment" => opts.server_max_fragment = Some(number("--server-max-fragment")?),
            "--inject-gap" => opts.inject_gap = true,
            "--throttle" => opts.throttle = true,
            "--variant" => {
                let v = args.next().ok_or("--variant needs a value")?;
                opts.graph = Some(match v.as_str() {
                    "drive" | "driveitem" => Variant::DriveItem,
                    "outlook" => Variant::OutlookAttachment,
                    "todo" => Variant::TaskAttachment,
                    "print" => Variant::PrintDocument,
                    _ => return Err(format!("--variant: drive, outlook, todo or print, not {v}")),
                });
            }
            "--drop-ack" => opts.drop_ack = true,
            "--cancel" => opts.cancel = true,
            "--host-id" => opts.host_id = true,
            "--quiet" => opts.quiet = true,
            "--graph" => {
                opts.graph.get_or_insert(Variant::DriveItem);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if file.is_none() => file = Some(PathBuf::from(s)),
            s => return Err(format!("one FILE only (got {s} too)")),
        }
    }
    opts.file = file.ok_or("FILE is required")?;
    if opts.graph.is_some() && (opts.host_id || opts.server_max_fragment.is_some()) {
        return Err("--host-id and --server-max-fragment are BITS options (not with --graph)".into());
    }
    if opts.graph.is_none() && opts.throttle {
        return Err("--throttle is a Graph option (with --graph)".into());
    }
    Ok(opts)
}

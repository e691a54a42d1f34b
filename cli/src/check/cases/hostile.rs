//! Hostile shapes: smuggling forms, malformed heads and oversize values. Each must be refused
//! with a 4xx answer and must never be taken as another request: where a shape could hide a
//! second request or a different packet type, the case also checks that nothing hidden was
//! answered and that no session came of it.

use std::time::Duration;

use bits_codec::Encode;

use super::framing::supported_15;
use crate::check::case::{Case, Check, Ctx, Group, Level, Run, Verdict, data, ensure, refused};

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Hostile, id, level, cite, title, run)
}

/// How long to wait for an answer to a hidden request before deciding there is none.
const HIDDEN_WAIT: Duration = Duration::from_millis(300);

pub(super) const CASES: &[Case] = &[
    c(
        "hostile-1",
        Level::Must,
        "RFC 9112 §6.1, §6.3",
        "Content-Length with Transfer-Encoding is refused; the request in its body is never answered",
        cl_te,
    ),
    c(
        "hostile-2",
        Level::Must,
        "RFC 9112 §6.3",
        "two different Content-Length values are refused; nothing hidden is answered",
        two_cl,
    ),
    c(
        "hostile-3",
        Level::Must,
        "RFC 9112 §5.2",
        "obs-fold hiding a BITS-Packet-Type is refused, not taken as a Create-Session",
        obs_fold,
    ),
    c("hostile-4", Level::Must, "RFC 9112 §2.2", "a bare CR hiding a BITS-Packet-Type is refused", bare_cr),
    c(
        "hostile-5",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (error table, 4 KB values)",
        "a header value over 4 KB is refused",
        oversize_value,
    ),
    c("hostile-6", Level::Must, "RFC 9110 §8.6", "Content-Length: +0 is refused (1*DIGIT only)", signed_cl),
    c(
        "hostile-7",
        Level::Must,
        "RFC 9110 §8.6; RFC 9112 §6.3",
        "a Content-Length beyond 64 bits is refused",
        overflow_cl,
    ),
    c(
        "hostile-8",
        Level::Must,
        "[MC-BUP] §2.2.1.2; RFC 9110 §5.3",
        "two BITS-Packet-Type fields are refused, no session made",
        two_types,
    ),
    c(
        "hostile-9",
        Level::Must,
        "[MC-BUP] §2.2.1.2; RFC 9110 §5.3",
        "two different BITS-Session-Id fields on a fragment are refused",
        two_ids,
    ),
    c("hostile-10", Level::Must, "RFC 9110 §5.5", "a NUL byte in a header value is refused", nul_value),
    c(
        "hostile-11",
        Level::Must,
        "RFC 9112 §5.1",
        "whitespace between a field name and its colon is refused",
        space_before_colon,
    ),
    c(
        "hostile-12",
        Level::Must,
        "[MC-BUP] §2.2.4.3; RFC 9112 §6",
        "a Ping whose body is a Create-Session is refused once; the body is never a request",
        ping_smuggles_create,
    ),
    c(
        "hostile-13",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3; RFC 9112 §6.1",
        "a chunked fragment without Content-Length is refused and stores nothing",
        chunked_fragment,
    ),
    c("hostile-14", Level::Must, "RFC 9112 §5", "a header line without a colon is refused", no_colon),
    c(
        "hostile-15",
        Level::Must,
        "RFC 9112 §3",
        "a request line with a space inside the target is refused",
        split_target,
    ),
    c(
        "hostile-16",
        Level::Must,
        "RFC 9110 §14.4; [MC-BUP] §3.2.5.2.6",
        "a negative Content-Range start is refused",
        negative_range,
    ),
];

/// Sends `bytes`; requires a refusal and that no further answer (to a hidden request) follows.
fn refused_alone(ctx: &mut Ctx<'_>, bytes: Vec<u8>, what: &str) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, bytes);
    refused(&a, what)?;
    if let Some(ack) = a.ack() {
        ensure!(ack.session_id().is_none() && ack.protocol().is_none(), "{what} made a session");
    }
    if conn.more_within(HIDDEN_WAIT) {
        let b = ctx.read(&mut conn);
        if let Some(s) = b.status() {
            return Err(Verdict::Fail(format!(
                "{what}: a second answer ({s}) came: a request hidden in it was answered"
            )));
        }
    }
    Ok(())
}

fn cl_te(ctx: &mut Ctx<'_>) -> Check {
    let hidden = ctx.create(9).to_vec();
    let mut body = b"0\r\n\r\n".to_vec();
    body.extend_from_slice(&hidden);
    let cl = format!("Content-Length: {}", body.len());
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", &cl, "Transfer-Encoding: chunked"], &body);
    refused_alone(ctx, bytes, "a Ping with Content-Length and Transfer-Encoding")
}

fn two_cl(ctx: &mut Ctx<'_>) -> Check {
    let hidden = ctx.create(9).to_vec();
    let cl = format!("Content-Length: {}", hidden.len());
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", "Content-Length: 0", &cl], &hidden);
    refused_alone(ctx, bytes, "a Ping with two Content-Lengths")
}

fn obs_fold(ctx: &mut Ctx<'_>) -> Check {
    let lines = ["X-Note: hi", " BITS-Packet-Type: Create-Session", &supported_15(), "Content-Length: 0"];
    let bytes = ctx.raw(1, &lines, b"");
    refused_alone(ctx, bytes, "a folded BITS-Packet-Type")
}

fn bare_cr(ctx: &mut Ctx<'_>) -> Check {
    let lines = ["X-Note: hi\rBITS-Packet-Type: Create-Session", &supported_15(), "Content-Length: 0"];
    let bytes = ctx.raw(1, &lines, b"");
    refused_alone(ctx, bytes, "a BITS-Packet-Type behind a bare CR")
}

fn oversize_value(ctx: &mut Ctx<'_>) -> Check {
    let pad = format!("X-Pad: {}", "a".repeat(5000));
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", &pad, "Content-Length: 0"], b"");
    refused_alone(ctx, bytes, "a Ping with a 5000-byte header value")
}

fn signed_cl(ctx: &mut Ctx<'_>) -> Check {
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", "Content-Length: +0"], b"");
    refused_alone(ctx, bytes, "Content-Length: +0")
}

fn overflow_cl(ctx: &mut Ctx<'_>) -> Check {
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", "Content-Length: 184467440737095516160"], b"");
    refused_alone(ctx, bytes, "Content-Length: 184467440737095516160")
}

fn two_types(ctx: &mut Ctx<'_>) -> Check {
    let lines = ["BITS-Packet-Type: Ping", "BITS-Packet-Type: Create-Session", &supported_15(), "Content-Length: 0"];
    let bytes = ctx.raw(1, &lines, b"");
    refused_alone(ctx, bytes, "two BITS-Packet-Types")
}

fn two_ids(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let real = format!("BITS-Session-Id: {}", id.as_str());
    let lines = [
        "BITS-Packet-Type: Fragment",
        real.as_str(),
        "BITS-Session-Id: {0BADC0DE-5E55-4000-8000-00000000C4EC}",
        "Content-Range: bytes 0-4/10",
        "Content-Length: 5",
    ];
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, b"abcde"));
    refused(&a, "a fragment with two BITS-Session-Ids")
}

fn nul_value(ctx: &mut Ctx<'_>) -> Check {
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", "X-Note: a\0b", "Content-Length: 0"], b"");
    refused_alone(ctx, bytes, "a NUL in a header value")
}

fn space_before_colon(ctx: &mut Ctx<'_>) -> Check {
    let lines = ["BITS-Packet-Type : Create-Session", &supported_15(), "Content-Length: 0"];
    let bytes = ctx.raw(1, &lines, b"");
    refused_alone(ctx, bytes, "BITS-Packet-Type with a space before the colon")
}

fn ping_smuggles_create(ctx: &mut Ctx<'_>) -> Check {
    let hidden = ctx.create(9).to_vec();
    let cl = format!("Content-Length: {}", hidden.len());
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", &cl], &hidden);
    refused_alone(ctx, bytes, "a Ping whose body is a Create-Session")
}

fn chunked_fragment(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let sid = format!("BITS-Session-Id: {}", id.as_str());
    let lines =
        ["BITS-Packet-Type: Fragment", sid.as_str(), "Content-Range: bytes 0-4/10", "Transfer-Encoding: chunked"];
    let d = data(10, 13);
    let mut body = b"5\r\n".to_vec();
    body.extend_from_slice(&d[..5]);
    body.extend_from_slice(b"\r\n0\r\n\r\n");
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, &body));
    refused(&a, "a chunked fragment")?;
    // Nothing may have been stored: the next fragment, from byte 5, is a gap.
    let mut fresh = ctx.conn()?;
    ctx.fragment_expect(&mut fresh, &ctx.fragment(1, &id, 5, &d[5..], 10), 416, 0).map(drop)
}

fn no_colon(ctx: &mut Ctx<'_>) -> Check {
    let bytes = ctx.raw(0, &["BITS-Packet-Type: Ping", "X-Note hi", "Content-Length: 0"], b"");
    refused_alone(ctx, bytes, "a header line without a colon")
}

fn split_target(ctx: &mut Ctx<'_>) -> Check {
    let start = format!("BITS_POST {} x HTTP/1.1", ctx.path(0));
    let bytes = ctx.raw_with_start(&start, &["BITS-Packet-Type: Ping", "Content-Length: 0"], b"");
    refused_alone(ctx, bytes, "a request line with a space in the target")
}

fn negative_range(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let sid = format!("BITS-Session-Id: {}", id.as_str());
    let lines = ["BITS-Packet-Type: Fragment", sid.as_str(), "Content-Range: bytes -5-4/10", "Content-Length: 10"];
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, &data(10, 16)));
    refused(&a, "Content-Range bytes -5-4/10")
}

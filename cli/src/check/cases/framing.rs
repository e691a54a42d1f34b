//! Framing and HTTP hygiene: the Ack's shape, persistence, pipelining, the method, the
//! version, `Content-Length`, packet-type spelling.

use bits_codec::bits::HResult;
use bits_codec::http1::HttpVersion;

use crate::check::case::{Case, Check, Ctx, Group, Level, Run, any_ack, ensure, error_ack, ok_ack, refused};
use crate::check::wire::Answer;

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Framing, id, level, cite, title, run)
}

pub(super) const CASES: &[Case] = &[
    c(
        "framing-1",
        Level::Must,
        "[MC-BUP] §2.2.1, §2.2.5",
        "a Ping is answered with an HTTP/1.1 Ack that decodes strictly",
        ack_is_strict,
    ),
    c(
        "framing-2",
        Level::Must,
        "[MC-BUP] §2.2.5.1, §2.2.5.3",
        "the Ack has Content-Length: 0 and no body",
        ack_has_no_body,
    ),
    c(
        "framing-3",
        Level::Should,
        "RFC 9112 §9.3",
        "the connection stays open after an Ack (a second Ping on it is answered)",
        persistent,
    ),
    c("framing-4", Level::Should, "RFC 9112 §9.3.2", "two pipelined requests get two Acks, in order", pipelined),
    c(
        "framing-5",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3; RFC 9112 §6.3",
        "a Fragment without Content-Length is refused (its body cannot be framed)",
        no_content_length,
    ),
    c(
        "framing-6",
        Level::Should,
        "[MC-BUP] §3.2.5.2.3",
        "... with 411, BITS-Error-Code 0x80070057, context 0x5",
        no_content_length_411,
    ),
    c("framing-7", Level::Must, "[MC-BUP] §2.2.1", "an HTTP/1.0 request is refused (the version MUST be 1.1)", http10),
    c(
        "framing-8",
        Level::Must,
        "RFC 9110 §9.1",
        "the method is case-sensitive: bits_post is not taken as BITS_POST",
        lowercase_method,
    ),
    c("framing-9", Level::Must, "[MC-BUP] §2.2", "header fields the server does not know are ignored", unknown_headers),
    c("framing-10", Level::Must, "[MC-BUP] §2.2.1.2", "the spec's spelling PING is accepted", upper_ping),
    c(
        "framing-11",
        Level::Dialect,
        "Learn: Ping (BITS), BITS-Packet-Type",
        "packet types compare case-insensitively (ping)",
        lower_ping,
    ),
    c(
        "framing-12",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (error table)",
        "an unknown BITS-Packet-Type gets 400, 0x80070057, 0x5 (not a dropped connection)",
        unknown_type,
    ),
    c(
        "framing-13",
        Level::Must,
        "[MC-BUP] §2.2.1.2, §3.2.5.2.3",
        "a request without BITS-Packet-Type gets 400, 0x80070057, 0x5",
        no_type,
    ),
    c(
        "framing-15",
        Level::Dialect,
        "[MC-BUP] §3.2.5.2.3, note <23>",
        "a bodiless Ping without Content-Length is refused with 411, as IIS does",
        bodiless_no_content_length,
    ),
    c(
        "framing-14",
        Level::Should,
        "RFC 9112 §9.3, [MC-BUP] §3.2.5.2.1",
        "the connection stays usable after an error Ack unless the server closes it",
        usable_after_error,
    ),
];

fn ack_is_strict(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.ping());
    match &a {
        Answer::Ack { ack, strict: None, .. } => {
            ensure!(ack.version() == HttpVersion::Http11, "the Ack is not HTTP/1.1");
            Ok(())
        }
        Answer::Ack { strict: Some(e), .. } => {
            Err(crate::check::case::Verdict::Fail(format!("the Ack decodes only with leniencies: {e}")))
        }
        other => Err(crate::check::case::Verdict::Fail(format!("the Ping got {}", other.summary()))),
    }
}

fn ack_has_no_body(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.ping());
    let ack = any_ack(&a, "the Ping")?;
    ensure!(ack.headers().get("Content-Length").is_some(), "the Ack has no Content-Length");
    ensure!(ack.content_length() == 0 && ack.body().is_empty(), "the Ack has a {}-byte body", ack.content_length());
    Ok(())
}

fn says_close(a: &Answer) -> bool {
    a.ack().is_some_and(|ack| {
        ack.headers()
            .get_all("Connection")
            .any(|f| f.value_str().is_some_and(|v| v.to_ascii_lowercase().contains("close")))
    })
}

fn persistent(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.ping());
    ok_ack(&a, "the first Ping")?;
    if says_close(&a) {
        return Err(crate::check::case::Verdict::Fail("the Ack says Connection: close".into()));
    }
    let b = ctx.send(&mut conn, &ctx.ping());
    ok_ack(&b, "the second Ping on the same connection")?;
    Ok(())
}

fn pipelined(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let mut both = bits_codec::Encode::to_vec(&ctx.ping());
    both.extend_from_slice(&bits_codec::Encode::to_vec(&ctx.create(1)));
    ctx.send_only(&mut conn, both);
    let first = ctx.read(&mut conn);
    let ack = ok_ack(&first, "the pipelined Ping")?;
    ensure!(
        ack.session_id().is_none() && ack.protocol().is_none(),
        "the first Ack carries a session: answers out of order"
    );
    let second = ctx.read(&mut conn);
    let ack = ok_ack(&second, "the pipelined Create-Session")?;
    ensure!(ack.session_id().is_some(), "the second Ack has no BITS-Session-Id");
    Ok(())
}

/// A Fragment head without `Content-Length` (for a session that need not exist: the framing
/// check comes first). Its body is not sent: a server that framed it as bodiless answers at
/// once, one that waits for a body times out, and both are failures of the MUST.
fn fragment_without_length(ctx: &Ctx<'_>) -> Vec<u8> {
    let lines = [
        "BITS-Packet-Type: Fragment",
        "BITS-Session-Id: {7D5B1F42-0C31-4A8E-9F6B-2E1C3A4D5B6F}",
        "Content-Range: bytes 0-4/10",
    ];
    ctx.raw(0, &lines, b"")
}

fn no_content_length(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, fragment_without_length(ctx));
    refused(&a, "a Fragment without Content-Length")
}

fn no_content_length_411(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, fragment_without_length(ctx));
    error_ack(&a, "a Fragment without Content-Length", 411, HResult::E_INVALIDARG).map(drop)
}

/// [MC-BUP] §3.2.5.2.3 makes `Content-Length` a MUST on every request, IIS refuses its absence,
/// and RFC 9112 §6.3 frames a request without it as bodiless, which is how curl and Python's
/// `http.client` send Ping, Create-Session, Close-Session and Cancel-Session. A server that
/// takes those clients' requests (as `bits-codec serve` does by default) is not wrong about
/// framing, only about the letter of the specification: a dialect difference, a warning.
fn bodiless_no_content_length(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: Ping"], b""));
    error_ack(&a, "a Ping without Content-Length", 411, HResult::E_INVALIDARG).map(drop)
}

fn http10(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let start = format!("BITS_POST {} HTTP/1.0", ctx.path(0));
    let a = ctx.exchange(&mut conn, ctx.raw_with_start(&start, &["BITS-Packet-Type: Ping", "Content-Length: 0"], b""));
    refused(&a, "an HTTP/1.0 Ping")
}

fn lowercase_method(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let start = format!("bits_post {} HTTP/1.1", ctx.path(1));
    let lines = ["BITS-Packet-Type: Create-Session", &supported_15(), "Content-Length: 0"];
    let a = ctx.exchange(&mut conn, ctx.raw_with_start(&start, &lines, b""));
    refused(&a, "a Create-Session with the method bits_post")
}

/// `BITS-Supported-Protocols` with the BITS 1.5 upload protocol, as Windows writes it.
pub(super) fn supported_15() -> String {
    "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}".into()
}

fn unknown_headers(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let lines = [
        "BITS-Packet-Type: Ping",
        "X-Check-Unknown: 1",
        "BITS-Future-Field: {00000000-0000-0000-0000-000000000000}",
        "Content-Length: 0",
    ];
    let a = ctx.exchange(&mut conn, ctx.raw(0, &lines, b""));
    ok_ack(&a, "a Ping with unknown headers").map(drop)
}

fn upper_ping(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: PING", "Content-Length: 0"], b""));
    ok_ack(&a, "BITS-Packet-Type: PING").map(drop)
}

fn lower_ping(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: ping", "Content-Length: 0"], b""));
    ok_ack(&a, "BITS-Packet-Type: ping").map(drop)
}

fn unknown_type(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: Resume-Session", "Content-Length: 0"], b""));
    error_ack(&a, "an unknown packet type", 400, HResult::E_INVALIDARG).map(drop)
}

fn no_type(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["Content-Length: 0"], b""));
    error_ack(&a, "a request without BITS-Packet-Type", 400, HResult::E_INVALIDARG).map(drop)
}

fn usable_after_error(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: Resume-Session", "Content-Length: 0"], b""));
    any_ack(&a, "an unknown packet type")?;
    if says_close(&a) {
        return Ok(());
    }
    if conn.is_closed() {
        return Err(crate::check::case::Verdict::Fail(
            "the server closed the connection after an error Ack without Connection: close".into(),
        ));
    }
    let b = ctx.send(&mut conn, &ctx.ping());
    ok_ack(&b, "a Ping after the error Ack").map(drop)
}

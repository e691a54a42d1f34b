//! Ping ([MC-BUP] §2.2.4, §2.2.5, §3.2.5.2.5).

use bits_codec::bits::HResult;

use crate::check::case::{Case, Check, Ctx, Group, Level, Run, data, ensure, error_ack, ok_ack};

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Ping, id, level, cite, title, run)
}

pub(super) const CASES: &[Case] = &[
    c("ping-1", Level::Must, "[MC-BUP] §3.2.5.2.5", "a Ping gets 200", ping_ok),
    c(
        "ping-2",
        Level::Must,
        "[MC-BUP] §2.2.5.2",
        "the Ping Ack has no BITS-Error-Code, BITS-Error or BITS-Error-Context",
        no_error_headers,
    ),
    c(
        "ping-3",
        Level::Should,
        "[MC-BUP] §3.2.5.2.2, §3.2.5.2.5",
        "a Ping naming an unknown session still gets 200 (no session lookup)",
        with_unknown_session,
    ),
    c(
        "ping-4",
        Level::Must,
        "[MC-BUP] §3.2.5.2.5",
        "a Ping in the middle of an upload changes nothing (the next offset stays)",
        mid_upload,
    ),
    c(
        "ping-5",
        Level::Must,
        "[MC-BUP] §2.2.4.3, §3.2.5.2.3",
        "a Ping with a body gets 400, 0x80070057, 0x5",
        with_body,
    ),
];

fn ping_ok(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.ping());
    ok_ack(&a, "the Ping").map(drop)
}

fn no_error_headers(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.ping());
    let ack = ok_ack(&a, "the Ping")?;
    ensure!(
        ack.error_code().is_none() && ack.error_context().is_none(),
        "the 200 Ping Ack carries error headers ({:?} {:?})",
        ack.error_code().map(|c| c.to_string()),
        ack.error_context().map(|c| c.to_string())
    );
    Ok(())
}

fn with_unknown_session(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let lines =
        ["BITS-Packet-Type: Ping", "BITS-Session-Id: {0BADC0DE-0000-4000-8000-00000000C4EC}", "Content-Length: 0"];
    let a = ctx.exchange(&mut conn, ctx.raw(0, &lines, b""));
    ok_ack(&a, "a Ping with an unknown BITS-Session-Id").map(drop)
}

fn mid_upload(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let d = data(10, 1);
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 0, &d[..5], 10), 200, 5)?;
    let a = ctx.send(&mut conn, &ctx.ping());
    ok_ack(&a, "the Ping between fragments")?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 5, &d[5..], 10), 200, 10)?;
    Ok(())
}

fn with_body(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(0, &["BITS-Packet-Type: Ping", "Content-Length: 4"], b"PING"));
    error_ack(&a, "a Ping with a 4-byte body", 400, HResult::E_INVALIDARG).map(drop)
}

//! Close-Session and Cancel-Session ([MC-BUP] §2.2.8–§2.2.11, §3.2.5.2.7, §3.2.5.2.8).
//!
//! Whether a server deleted what it stored cannot be seen from the wire. What can: after
//! Close or Cancel the session is gone (any request naming it gets 500 with
//! BG_E_SESSION_NOT_FOUND, [MC-BUP] §3.2.5.2.3), and a new session for the same file starts
//! from offset 0.

use bits_codec::bits::{HResult, SessionId};

use crate::check::case::{Case, Check, Ctx, Group, Level, Run, Verdict, data, ensure, error_ack, ok_ack};
use crate::check::wire::Conn;

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Close, id, level, cite, title, run)
}

pub(super) const CASES: &[Case] = &[
    c(
        "close-1",
        Level::Must,
        "[MC-BUP] §3.2.5.2.7, §2.2.9, §2.2.1.2",
        "Close after the last byte gets 200 with the session's BITS-Session-Id",
        close_ok,
    ),
    c(
        "close-2",
        Level::Must,
        "[MC-BUP] §3.2.5.1.5, §3.2.5.2.3",
        "a second Close gets 500, BG_E_SESSION_NOT_FOUND, 0x5",
        close_twice,
    ),
    c(
        "close-3",
        Level::Must,
        "[MC-BUP] §3.2.5.1.5, §3.2.5.2.3",
        "a fragment after Close gets 500, BG_E_SESSION_NOT_FOUND, 0x5",
        fragment_after_close,
    ),
    c(
        "close-4",
        Level::Should,
        "Learn: Close-Session (no partial files)",
        "Close before the last byte is not answered 200",
        close_partial,
    ),
    c(
        "close-5",
        Level::Must,
        "[MC-BUP] §3.2.5.2.8, §3.2.5.2.3",
        "Cancel mid-upload gets 200, and the session's next fragment gets 500 session-not-found",
        cancel_mid,
    ),
    c(
        "close-6",
        Level::Must,
        "[MC-BUP] §3.2.5.2.8, §3.2.5.2.3",
        "Cancel after the last byte (before Close) gets 200, and Close then gets 500",
        cancel_complete,
    ),
    c(
        "close-7",
        Level::Must,
        "[MC-BUP] §3.2.5.2.8, §3.2.5.2.3",
        "a second Cancel gets 500, BG_E_SESSION_NOT_FOUND, 0x5",
        cancel_twice,
    ),
    c(
        "close-8",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3",
        "Close of an unknown session gets 500, BG_E_SESSION_NOT_FOUND, 0x5",
        close_unknown,
    ),
    c(
        "close-9",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3",
        "Cancel of an unknown session gets 500, BG_E_SESSION_NOT_FOUND, 0x5",
        cancel_unknown,
    ),
    c(
        "close-10",
        Level::Must,
        "[MC-BUP] §2.2.11.2, §2.2.1.2",
        "the 200 Cancel Ack carries the session's BITS-Session-Id",
        cancel_echo,
    ),
    c(
        "close-11",
        Level::Must,
        "[MC-BUP] §3.2.5.2.8",
        "after Cancel, a new session for the same file starts empty (offset 0)",
        new_after_cancel,
    ),
    c(
        "close-12",
        Level::Must,
        "[MC-BUP] §2.2.9.1, §2.2.9.2",
        "the 200 Close Ack has Content-Length: 0 and no error headers",
        close_clean,
    ),
];

/// A whole 10-byte upload of file 1; returns the connection and the session.
fn uploaded(ctx: &mut Ctx<'_>, seed: u8) -> Result<(Conn, SessionId<'static>), Verdict> {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 0, &data(10, seed), 10), 200, 10)?;
    Ok((conn, id))
}

fn not_found(a: &crate::check::wire::Answer, what: &str) -> Check {
    error_ack(a, what, 500, HResult::BG_E_SESSION_NOT_FOUND).map(drop)
}

fn close_ok(ctx: &mut Ctx<'_>) -> Check {
    let (mut conn, id) = uploaded(ctx, 1)?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    let ack = ok_ack(&a, "the Close-Session")?;
    ensure!(
        ack.session_id().is_some_and(|s| s.matches(&id)),
        "the Close Ack's BITS-Session-Id is {:?}",
        ack.session_id()
    );
    Ok(())
}

fn close_twice(ctx: &mut Ctx<'_>) -> Check {
    let (mut conn, id) = uploaded(ctx, 2)?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    ok_ack(&a, "the first Close-Session")?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    not_found(&a, "the second Close-Session")
}

fn fragment_after_close(ctx: &mut Ctx<'_>) -> Check {
    let (mut conn, id) = uploaded(ctx, 3)?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    ok_ack(&a, "the Close-Session")?;
    let a = ctx.send(&mut conn, &ctx.fragment(1, &id, 0, &data(10, 3), 10));
    not_found(&a, "a fragment after Close")
}

fn close_partial(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 0, &data(5, 4), 10), 200, 5)?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    ensure!(a.status().is_some_and(|s| s >= 400), "Close of a half-sent file got {}", a.summary());
    Ok(())
}

fn cancel_mid(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let d = data(10, 5);
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 0, &d[..5], 10), 200, 5)?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    ok_ack(&a, "the Cancel-Session")?;
    let a = ctx.send(&mut conn, &ctx.fragment(1, &id, 5, &d[5..], 10));
    not_found(&a, "a fragment after Cancel")
}

fn cancel_complete(ctx: &mut Ctx<'_>) -> Check {
    let (mut conn, id) = uploaded(ctx, 6)?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    ok_ack(&a, "the Cancel-Session")?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    not_found(&a, "a Close after Cancel")
}

fn cancel_twice(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    ok_ack(&a, "the first Cancel-Session")?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    not_found(&a, "the second Cancel-Session")
}

/// A GUID no server handed out (a version-4 GUID made up for the checker).
pub(super) fn unknown_id() -> SessionId<'static> {
    SessionId::new("{0BADC0DE-5E55-4000-8000-00000000C4EC}").expect("a GUID")
}

fn close_unknown(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.close(1, &unknown_id()));
    not_found(&a, "Close of an unknown session")
}

fn cancel_unknown(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &unknown_id()));
    not_found(&a, "Cancel of an unknown session")
}

fn cancel_echo(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    let ack = ok_ack(&a, "the Cancel-Session")?;
    ensure!(
        ack.session_id().is_some_and(|s| s.matches(&id)),
        "the Cancel Ack's BITS-Session-Id is {:?}",
        ack.session_id()
    );
    Ok(())
}

fn new_after_cancel(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let d = data(10, 11);
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 0, &d[..5], 10), 200, 5)?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &id));
    ok_ack(&a, "the Cancel-Session")?;
    let again = ctx.session(&mut conn, 1)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &again, 5, &d[5..], 10), 416, 0).map(drop)
}

fn close_clean(ctx: &mut Ctx<'_>) -> Check {
    let (mut conn, id) = uploaded(ctx, 12)?;
    let a = ctx.send(&mut conn, &ctx.close(1, &id));
    let ack = ok_ack(&a, "the Close-Session")?;
    ensure!(ack.content_length() == 0, "Content-Length is {}", ack.content_length());
    ensure!(ack.error_code().is_none() && ack.error_context().is_none(), "the 200 Close Ack carries error headers");
    Ok(())
}

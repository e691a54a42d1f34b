//! Sessions across TCP connections: the table of active sessions belongs to the server, not to
//! a connection ([MC-BUP] §3.2.1.3), and a client resumes on a new connection after a
//! transient failure ([MC-BUP] §2.2.6).

use std::net::Shutdown;

use bits_codec::Encode;

use crate::check::case::{Case, Check, Ctx, Group, Level, Run, any_ack, data, ensure, ok_ack, show_range};

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Connections, id, level, cite, title, run)
}

pub(super) const CASES: &[Case] = &[
    c(
        "connections-1",
        Level::Must,
        "[MC-BUP] §3.2.1.3, §3.2.5.2.2",
        "a session made on one connection takes fragments on another",
        fragment_elsewhere,
    ),
    c(
        "connections-2",
        Level::Must,
        "[MC-BUP] §3.2.1.3, §3.2.5.2.7",
        "Close on a third connection gets 200",
        close_elsewhere,
    ),
    c(
        "connections-3",
        Level::Must,
        "[MC-BUP] §2.2.6 (interrupted fragment)",
        "after a connection drops mid-body, the upload resumes on a new one",
        resume_after_drop,
    ),
    c(
        "connections-4",
        Level::Must,
        "[MC-BUP] §3.2.1.3",
        "two sessions interleaved on one connection keep their own offsets",
        interleaved,
    ),
    c(
        "connections-5",
        Level::Must,
        "[MC-BUP] §3.2.1.3, §3.2.5.2.8",
        "Cancel on another connection ends the session",
        cancel_elsewhere,
    ),
    c(
        "connections-6",
        Level::Should,
        "[MC-BUP] §2.2.1.2 (BITS-Session-Id unique)",
        "two sessions for the same file at once are separate sessions",
        same_file_twice,
    ),
];

fn fragment_elsewhere(ctx: &mut Ctx<'_>) -> Check {
    let mut a = ctx.conn()?;
    let id = ctx.session(&mut a, 1)?;
    let mut b = ctx.conn()?;
    ctx.fragment_expect(&mut b, &ctx.fragment(1, &id, 0, &data(10, 1), 10), 200, 10).map(drop)
}

fn close_elsewhere(ctx: &mut Ctx<'_>) -> Check {
    let mut a = ctx.conn()?;
    let id = ctx.session(&mut a, 1)?;
    let mut b = ctx.conn()?;
    ctx.fragment_expect(&mut b, &ctx.fragment(1, &id, 0, &data(10, 2), 10), 200, 10)?;
    let mut c = ctx.conn()?;
    let r = ctx.send(&mut c, &ctx.close(1, &id));
    ok_ack(&r, "Close-Session on a third connection").map(drop)
}

fn resume_after_drop(ctx: &mut Ctx<'_>) -> Check {
    let mut a = ctx.conn()?;
    let id = ctx.session(&mut a, 1)?;
    let d = data(10, 3);
    let full = ctx.fragment(1, &id, 0, &d, 10).to_vec();
    // The head and half of the body, then the connection goes away.
    ctx.send_only(&mut a, full[..full.len() - 5].to_vec());
    a.shutdown(Shutdown::Both);
    drop(a);
    let mut b = ctx.conn()?;
    let r = ctx.send(&mut b, &ctx.fragment(1, &id, 0, &d, 10));
    let ack = any_ack(&r, "the fragment resent on a new connection")?;
    match (ack.status().as_u16(), ack.received_content_range()) {
        (200, Some(10)) => Ok(()),
        (416, Some(k)) if k <= 5 => {
            ctx.fragment_expect(&mut b, &ctx.fragment(1, &id, k, &d[k as usize..], 10), 200, 10).map(drop)
        }
        (s, r) => {
            ensure!(false, "the resent fragment got {s} with {} (at most 5 bytes ever arrived)", show_range(r));
            Ok(())
        }
    }
}

fn interleaved(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let x = ctx.session(&mut conn, 1)?;
    let y = ctx.session(&mut conn, 2)?;
    let d = data(10, 4);
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &x, 0, &d[..6], 10), 200, 6)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(2, &y, 0, &d[..3], 10), 200, 3)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(1, &x, 6, &d[6..], 10), 200, 10)?;
    ctx.fragment_expect(&mut conn, &ctx.fragment(2, &y, 3, &d[3..], 10), 200, 10).map(drop)
}

fn cancel_elsewhere(ctx: &mut Ctx<'_>) -> Check {
    let mut a = ctx.conn()?;
    let id = ctx.session(&mut a, 1)?;
    let d = data(10, 5);
    ctx.fragment_expect(&mut a, &ctx.fragment(1, &id, 0, &d[..5], 10), 200, 5)?;
    let mut b = ctx.conn()?;
    let r = ctx.send(&mut b, &ctx.cancel(1, &id));
    ok_ack(&r, "Cancel-Session on another connection")?;
    let r = ctx.send(&mut a, &ctx.fragment(1, &id, 5, &d[5..], 10));
    crate::check::case::error_ack(
        &r,
        "a fragment after the Cancel",
        500,
        bits_codec::bits::HResult::BG_E_SESSION_NOT_FOUND,
    )
    .map(drop)
}

fn same_file_twice(ctx: &mut Ctx<'_>) -> Check {
    let mut a = ctx.conn()?;
    let x = ctx.session(&mut a, 1)?;
    let mut b = ctx.conn()?;
    let y = ctx.session(&mut b, 1)?;
    ensure!(!x.matches(&y), "both Create-Sessions for the file got the session {x:?}");
    let d = data(10, 6);
    ctx.fragment_expect(&mut a, &ctx.fragment(1, &x, 0, &d[..4], 10), 200, 4)?;
    ctx.fragment_expect(&mut b, &ctx.fragment(1, &y, 0, &d[..7], 10), 200, 7).map(drop)
}

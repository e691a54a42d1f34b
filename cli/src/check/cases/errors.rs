//! Error Acks: status, HRESULT, context and the session echo ([MC-BUP] §2.2.1.2, §3.2.5.2.3).

use bits_codec::bits::{ErrorHeaderName, HResult};

use super::close::unknown_id;
use crate::check::case::{Case, Check, Ctx, Group, Level, Run, any_ack, data, ensure, error_ack, refused};

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Errors, id, level, cite, title, run)
}

pub(super) const CASES: &[Case] = &[
    c(
        "errors-1",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3",
        "a fragment for an unknown session gets 500, BG_E_SESSION_NOT_FOUND (0x8020001F), 0x5",
        unknown_session,
    ),
    c(
        "errors-2",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (BITS-Session-Id)",
        "an error Ack's BITS-Session-Id, if any, is the request's",
        echo_matches,
    ),
    c(
        "errors-3",
        Level::Must,
        "[MC-BUP] §2.2.1, §2.2.7.1",
        "an error Ack is a BITS Ack with Content-Length: 0",
        framed_error,
    ),
    c(
        "errors-4",
        Level::Dialect,
        "Learn: Ack for Fragment (BITS-Error-Code)",
        "the HRESULT is sent as BITS-Error-Code, the header Windows clients read",
        error_code_name,
    ),
    c(
        "errors-5",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (BITS-Error-Context)",
        "an error Ack has BITS-Error-Context with its error code, and only then",
        context_with_code,
    ),
    c(
        "errors-6",
        Level::Should,
        "[MC-BUP] §2.2.1.2 (error table, 416 row)",
        "a 416 carries no failure HRESULT (the table gives 0)",
        no_hresult_on_416,
    ),
    c(
        "errors-7",
        Level::Must,
        "[MC-BUP] §3.2.5.2.3",
        "Close with a session id that is not a GUID is refused",
        non_guid_session,
    ),
];

fn unknown_session(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.fragment(1, &unknown_id(), 0, &data(4, 1), 4));
    error_ack(&a, "a fragment for an unknown session", 500, HResult::BG_E_SESSION_NOT_FOUND).map(drop)
}

fn echo_matches(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = unknown_id();
    let a = ctx.send(&mut conn, &ctx.fragment(1, &id, 0, &data(4, 2), 4));
    let ack = any_ack(&a, "a fragment for an unknown session")?;
    ensure!(ack.status().as_u16() >= 400, "a fragment for an unknown session got {}", ack.status().as_u16());
    if let Some(echo) = ack.session_id() {
        ensure!(echo.matches(&id), "the error Ack names the session {echo:?}, the request named {id:?}");
    }
    Ok(())
}

fn framed_error(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.close(1, &unknown_id()));
    let ack = any_ack(&a, "Close of an unknown session")?;
    ensure!(ack.status().as_u16() >= 400, "Close of an unknown session got {}", ack.status().as_u16());
    ensure!(
        ack.content_length() == 0 && ack.body().is_empty(),
        "the error Ack has a {}-byte body",
        ack.content_length()
    );
    Ok(())
}

fn error_code_name(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.fragment(1, &unknown_id(), 0, &data(4, 3), 4));
    let ack = any_ack(&a, "a fragment for an unknown session")?;
    ensure!(
        matches!(ack.error_header_name(), Some(ErrorHeaderName::Code | ErrorHeaderName::Both)),
        "the error is in {:?}, not BITS-Error-Code",
        ack.error_header_name()
    );
    Ok(())
}

fn context_with_code(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.cancel(1, &unknown_id()));
    let ack = any_ack(&a, "Cancel of an unknown session")?;
    ensure!(ack.error_code().is_some(), "the error Ack has no BITS-Error-Code");
    ensure!(ack.error_context().is_some(), "the error Ack has BITS-Error-Code but no BITS-Error-Context");
    let a = ctx.send(&mut conn, &ctx.ping());
    if let Some(ack) = a.ack() {
        ensure!(
            ack.error_context().is_none() || ack.error_code().is_some(),
            "BITS-Error-Context without BITS-Error-Code"
        );
    }
    Ok(())
}

fn no_hresult_on_416(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let id = ctx.session(&mut conn, 1)?;
    let ack = ctx.fragment_expect(&mut conn, &ctx.fragment(1, &id, 4, &data(4, 4), 8), 416, 0)?;
    ensure!(
        ack.error_code().is_none_or(|c| c == HResult::S_OK),
        "the 416 carries BITS-Error-Code {}",
        ack.error_code().map(|c| c.to_string()).unwrap_or_default()
    );
    Ok(())
}

fn non_guid_session(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let lines = ["BITS-Packet-Type: Close-Session", "BITS-Session-Id: not-a-guid", "Content-Length: 0"];
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, b""));
    refused(&a, "Close of the session not-a-guid")
}

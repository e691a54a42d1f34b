//! Create-Session and protocol negotiation ([MC-BUP] §2.2.2, §2.2.3, §3.2.5.2.4).

use bits_codec::bits::{Guid, HResult};

use super::framing::supported_15;
use crate::check::case::{Case, Check, Ctx, Group, Level, Run, ensure, error_ack, ok_ack};

const fn c(id: &'static str, level: Level, cite: &'static str, title: &'static str, run: Run) -> Case {
    Case::new(Group::Create, id, level, cite, title, run)
}

/// A GUID no BITS server knows (a version-4 GUID made up for the checker).
const UNKNOWN: &str = "{5F3B1C2A-9D4E-4F6A-8B7C-0123456789AB}";

pub(super) const CASES: &[Case] = &[
    c(
        "create-1",
        Level::Must,
        "[MC-BUP] §2.2.3.2, §3.2.5.2.4",
        "Create-Session gets 200, BITS-Protocol = the BITS 1.5 GUID, and a braced GUID session id",
        created,
    ),
    c(
        "create-2",
        Level::Must,
        "[MC-BUP] §2.2.3.1, §2.2.3.2",
        "the Create-Session Ack has Content-Length: 0 and no error headers",
        created_clean,
    ),
    c(
        "create-3",
        Level::Must,
        "[MC-BUP] §3.2.5.2.4",
        "an unknown GUID listed before BITS 1.5 is skipped: 200 with BITS 1.5",
        unknown_first,
    ),
    c(
        "create-4",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (GUID, MS-DTYP §2.3.4.3)",
        "the protocol GUID in lower-case hex is recognised",
        lower_guid,
    ),
    c(
        "create-5",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (GUID, MS-DTYP §2.3.4.3)",
        "the protocol GUID in upper-case hex is recognised",
        upper_guid,
    ),
    c(
        "create-6",
        Level::Must,
        "[MC-BUP] §3.2.5.2.4, §2.2.3.2",
        "only unknown GUIDs: 400, 0x80070057, 0x5 and no BITS-Protocol",
        only_unknown,
    ),
    c(
        "create-7",
        Level::Must,
        "[MC-BUP] §2.2.1.2 (BITS-Session-Id)",
        "two Create-Sessions get two different session ids",
        unique_ids,
    ),
    c(
        "create-8",
        Level::Must,
        "[MC-BUP] §2.2.2.3, §3.2.5.2.3",
        "a Create-Session with a body gets 400, 0x80070057, 0x5",
        with_body,
    ),
    c(
        "create-9",
        Level::Must,
        "[MC-BUP] §2.2.2.2, §3.2.5.2.3",
        "a Create-Session without BITS-Supported-Protocols gets 400, 0x80070057, 0x5",
        no_protocols,
    ),
    c(
        "create-10",
        Level::Dialect,
        "Learn: Ack for Create-Session",
        "the Create-Session Ack says Accept-Encoding: identity",
        accept_encoding,
    ),
    c(
        "create-11",
        Level::Should,
        "[MC-BUP] §3.2.5.2.4",
        "a Create-Session carrying a BITS-Session-Id still gets a new id",
        ignores_sent_id,
    ),
    c(
        "create-12",
        Level::Must,
        "[MC-BUP] §3.2.5.2.4",
        "a list of five GUIDs with BITS 1.5 last gets 200 with BITS 1.5",
        long_list,
    ),
];

fn create_with(ctx: &mut Ctx<'_>, protocols: &str) -> crate::check::wire::Answer {
    let mut conn = match ctx.conn() {
        Ok(c) => c,
        Err(crate::check::case::Verdict::Fail(m) | crate::check::case::Verdict::Skip(m)) => {
            return crate::check::wire::Answer::Closed { raw: m.into_bytes() };
        }
    };
    let prot = format!("BITS-Supported-Protocols: {protocols}");
    ctx.exchange(&mut conn, ctx.raw(1, &["BITS-Packet-Type: Create-Session", &prot, "Content-Length: 0"], b""))
}

fn expect_15(a: &crate::check::wire::Answer, what: &str) -> Check {
    let ack = ok_ack(a, what)?;
    ensure!(
        ack.protocol() == Some(Guid::BITS_1_5_UPLOAD),
        "BITS-Protocol is {:?}, expected the BITS 1.5 GUID",
        ack.protocol()
    );
    ensure!(ack.session_id().is_some(), "no BITS-Session-Id");
    Ok(())
}

fn created(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.create(1));
    expect_15(&a, "the Create-Session")?;
    let id = a.ack().and_then(|k| k.session_id().cloned()).expect("checked above");
    ensure!(id.as_guid().is_some(), "the session id {id:?} is not a GUID");
    ensure!(id.as_bytes().first() == Some(&b'{'), "the session id {id:?} is not braced");
    Ok(())
}

fn created_clean(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.create(1));
    let ack = ok_ack(&a, "the Create-Session")?;
    ensure!(ack.content_length() == 0, "Content-Length is {}", ack.content_length());
    ensure!(ack.error_code().is_none() && ack.error_context().is_none(), "the 200 Ack carries error headers");
    Ok(())
}

fn unknown_first(ctx: &mut Ctx<'_>) -> Check {
    let a = create_with(ctx, &format!("{UNKNOWN} {{7DF0354D-249B-430F-820D-3D2A9BEF4931}}"));
    expect_15(&a, "a Create-Session listing an unknown GUID first")
}

fn lower_guid(ctx: &mut Ctx<'_>) -> Check {
    let a = create_with(ctx, "{7df0354d-249b-430f-820d-3d2a9bef4931}");
    expect_15(&a, "a Create-Session with a lower-case GUID")
}

fn upper_guid(ctx: &mut Ctx<'_>) -> Check {
    let a = create_with(ctx, "{7DF0354D-249B-430F-820D-3D2A9BEF4931}");
    expect_15(&a, "a Create-Session with an upper-case GUID")
}

fn only_unknown(ctx: &mut Ctx<'_>) -> Check {
    let a = create_with(ctx, UNKNOWN);
    let ack = error_ack(&a, "a Create-Session with only an unknown GUID", 400, HResult::E_INVALIDARG)?;
    ensure!(ack.protocol().is_none(), "the error Ack carries BITS-Protocol");
    Ok(())
}

fn unique_ids(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.session(&mut conn, 1)?;
    let b = ctx.session(&mut conn, 2)?;
    ensure!(!a.matches(&b), "both sessions got the id {a:?}");
    Ok(())
}

fn with_body(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let lines = ["BITS-Packet-Type: Create-Session", &supported_15(), "Content-Length: 4"];
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, b"body"));
    error_ack(&a, "a Create-Session with a 4-byte body", 400, HResult::E_INVALIDARG).map(drop)
}

fn no_protocols(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.exchange(&mut conn, ctx.raw(1, &["BITS-Packet-Type: Create-Session", "Content-Length: 0"], b""));
    error_ack(&a, "a Create-Session without BITS-Supported-Protocols", 400, HResult::E_INVALIDARG).map(drop)
}

fn accept_encoding(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let a = ctx.send(&mut conn, &ctx.create(1));
    let ack = ok_ack(&a, "the Create-Session")?;
    let identity = ack
        .headers()
        .get_all("Accept-Encoding")
        .any(|f| f.value_str().is_some_and(|v| v.trim().eq_ignore_ascii_case("identity")));
    ensure!(identity, "no Accept-Encoding: identity");
    Ok(())
}

fn ignores_sent_id(ctx: &mut Ctx<'_>) -> Check {
    let mut conn = ctx.conn()?;
    let sent = "{0BADC0DE-0000-4000-8000-00000000C4EC}";
    let lines =
        ["BITS-Packet-Type: Create-Session", &supported_15(), &format!("BITS-Session-Id: {sent}"), "Content-Length: 0"];
    let a = ctx.exchange(&mut conn, ctx.raw(1, &lines, b""));
    let ack = ok_ack(&a, "a Create-Session carrying a BITS-Session-Id")?;
    let got = ack.session_id().map(|s| s.as_bytes().to_ascii_uppercase());
    ensure!(got.is_some() && got.as_deref() != Some(sent.as_bytes()), "the server took the client's session id");
    Ok(())
}

fn long_list(ctx: &mut Ctx<'_>) -> Check {
    let list = format!(
        "{UNKNOWN} {{00000000-0000-0000-0000-000000000001}} {{11111111-2222-3333-4444-555555555555}} \
         {{DEADBEEF-0000-4000-8000-000000000000}} {{7df0354d-249b-430f-820d-3d2a9bef4931}}"
    );
    let a = create_with(ctx, &list);
    expect_15(&a, "a Create-Session with five GUIDs")
}

//! The fast reader against the `serde_json` path: whenever the fast path returns a value, the
//! reference path must return the same one, for every document type, on the corpus bodies,
//! on every single-byte mutation of them, on generated documents and on hand-picked edge
//! cases. And the fast path must not give up on any real body (or the speed-up and the
//! allocation counts of `tests/graph_alloc.rs` would silently depend on the slow path).

use std::path::Path;

use super::super::create::BodyFields;
use super::super::odata_error::Envelope;
use super::super::response_body::TopDocument;
use super::super::upload_session::SessionObject;
use super::*;

/// Both paths on `input` as `T`; `true` if the fast one answered.
fn agree<'de, T: Document<'de>>(input: &'de [u8]) -> bool {
    let Some(fast) = run_fast::<T>(input) else { return false };
    assert_eq!(run_serde::<T>(input), Ok(fast), "{:?}", String::from_utf8_lossy(input));
    true
}

/// Every document type; how many the fast path answered.
fn agree_all(input: &[u8]) -> usize {
    [
        agree::<ObjectDocument<SessionObject<'_>>>(input),
        agree::<ObjectDocument<Envelope<'_>>>(input),
        agree::<ObjectDocument<BodyFields<'_>>>(input),
        agree::<TopDocument>(input),
        agree::<AnyValue>(input),
    ]
    .into_iter()
    .filter(|&b| b)
    .count()
}

fn corpus_bodies() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/graph");
    let mut out = Vec::new();
    for sub in [dir.clone(), dir.join("invalid")] {
        for entry in std::fs::read_dir(sub).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "http") {
                continue;
            }
            let wire = std::fs::read(&path).unwrap();
            let Some(at) = wire.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let body = wire[at + 4..].to_vec();
            if body.trim_ascii().starts_with(b"{") {
                out.push((path.file_name().unwrap().to_string_lossy().into_owned(), body));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 25, "{}", out.len());
    out
}

#[test]
fn the_fast_path_answers_every_real_body_as_serde_json_does() {
    for (name, body) in corpus_bodies() {
        let typed = [
            (
                run_serde::<ObjectDocument<SessionObject<'_>>>(&body).is_ok(),
                agree::<ObjectDocument<SessionObject<'_>>>(&body),
            ),
            (run_serde::<ObjectDocument<Envelope<'_>>>(&body).is_ok(), agree::<ObjectDocument<Envelope<'_>>>(&body)),
            (
                run_serde::<ObjectDocument<BodyFields<'_>>>(&body).is_ok(),
                agree::<ObjectDocument<BodyFields<'_>>>(&body),
            ),
            (run_serde::<TopDocument>(&body).is_ok(), agree::<TopDocument>(&body)),
        ];
        for (i, (serde_ok, fast_ok)) in typed.into_iter().enumerate() {
            // Accepted by serde_json ⇒ answered by the fast path too (no corpus body has an escape).
            assert_eq!(serde_ok, fast_ok, "{name}: document type {i}");
        }
    }
}

#[test]
fn single_byte_mutations_of_real_bodies() {
    const ALPHABET: &[u8] = b"{}[]\":,\\ \n0159-+.eEnultrfu/\x00\x1f\x7f\x80\xc3\xff";
    let mut answered = 0;
    for (_, body) in corpus_bodies() {
        for i in 0..body.len() {
            let mut m = body.clone();
            m.remove(i);
            answered += agree_all(&m);
            for &c in ALPHABET {
                let mut m = body.clone();
                m[i] = c;
                answered += agree_all(&m);
                let mut m = body.clone();
                m.insert(i, c);
                answered += agree_all(&m);
            }
        }
    }
    // The mutations that stay valid are many: the comparison is not vacuous.
    assert!(answered > 10_000, "{answered}");
}

#[test]
fn edge_cases() {
    let cases: &[&[u8]] = &[
        b"",
        b" ",
        b"{}",
        b" {} ",
        b"{}x",
        b"{},",
        b"\xef\xbb\xbf{}",
        b"null",
        b"[]",
        b"[1,2,]",
        b"\"x\"",
        b"0",
        b"-0",
        b"01",
        b"1.5",
        b"1e5",
        b"1E+5",
        b"1.",
        b".5",
        b"18446744073709551615",
        b"18446744073709551616",
        b"{\"size\":18446744073709551615,\"id\":\"x\"}",
        b"{\"size\":18446744073709551616,\"id\":\"x\"}",
        b"{\"size\":-1,\"id\":\"x\"}",
        b"{\"size\":1.0,\"id\":\"x\"}",
        b"{\"size\":01,\"id\":\"x\"}",
        b"{\"size\":0,\"id\":\"x\"}",
        b"{\"size\":null,\"id\":\"x\"}",
        b"{\"uploadUrl\":\"a\\/b\"}",
        b"{\"uploadUrl\":\"\\u00e9\"}",
        b"{\"uploadUrl\":\"\\ud800\"}",
        b"{\"x\":\"\\ud800\",\"uploadUrl\":\"u\"}",
        b"{\"x\":\"\\uZZZZ\",\"uploadUrl\":\"u\"}",
        b"{\"x\":\"\\q\",\"uploadUrl\":\"u\"}",
        b"{\"x\":\"\xff\",\"uploadUrl\":\"u\"}",
        b"{\"\xff\":1,\"uploadUrl\":\"u\"}",
        b"{\"uploadUrl\":\"\xc3\xa9\"}",
        b"{\"uploadUrl\":\"a\x01b\"}",
        b"{\"upload\\u0055rl\":\"u\"}",
        b"{\"uploadUrl\":\"u\",\"UPLOADURL\":\"v\"}",
        b"{\"uploadUrl\":null,\"uploadUrl\":\"v\"}",
        b"{\"uploadUrl\":5}",
        b"{\"uploadUrl\":true}",
        b"{\"nextExpectedRanges\":[]}",
        b"{\"nextExpectedRanges\":null}",
        b"{\"nextExpectedRanges\":[\"0-\",]}",
        b"{\"nextExpectedRanges\":[,\"0-\"]}",
        b"{\"nextExpectedRanges\":[\"5-3\"]}",
        b"{\"nextExpectedRanges\":[null]}",
        b"{\"nextExpectedRanges\":[\"1\",\"2-\",\"3-4\",\"5\",\"6\"]}",
        b"{\"expirationDateTime\":\"2015-01-29T09:21:55.523Z\"}",
        b"{\"expirationDateTime\":\"2015-02-29T09:21:55.523Z\"}",
        b"{\"error\":{\"code\":\"c\",\"innererror\":{\"code\":\"d\",\"innerError\":{\"code\":\"e\"}}}}",
        b"{\"error\":{\"code\":\"c\",\"innererror\":{\"code\":\"d\"},\"innerError\":{}}}",
        b"{\"error\":{\"code\":\"c\",\"innererror\":null}}",
        b"{\"error\":{\"code\":\"c\",\"innererror\":[]}}",
        b"{\"error\":{\"message\":\"m\"}}",
        b"{\"error\":null}",
        b"{\"error\":{\"code\":\"c\"},\"error\":{\"code\":\"c\"}}",
        b"{\"item\":{},\"properties\":{}}",
        b"{\"AttachmentItem\":{\"attachmentType\":\"file\",\"name\":\"n\",\"size\":3}}",
        b"{\"attachmentitem\":{\"attachmentType\":\"file\",\"name\":\"n\"}}",
        b"{\"item\":{\"fileSystemInfo\":{\"createdDateTime\":\"2024-02-21T10:54:04.21Z\"}},\"deferCommit\":true}",
        b"{\"a\":{\"b\":[1,{\"c\":null,\"d\":[true,false,-1.5e-3]}]},\"uploadUrl\":\"u\"}",
        b"{\"a\" : [ ] , \"uploadUrl\" :\t\"u\"\r\n}",
        b"{\"a\":}",
        b"{\"a\" 1}",
        b"{1:2}",
        b"{\"a\":nul}",
        b"{\"a\":tru}",
        b"{\"a\":[}",
        b"{\"uploadUrl\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
        b"{\"uploadUrl\":\"\\ud83d\\ude00\\uD83D\\uDE00\"}",
        b"{\"uploadUrl\":\"\\udc00\"}",
        b"{\"uploadUrl\":\"\\ud83dx\"}",
        b"{\"uploadUrl\":\"\\ud83d\\n\"}",
        b"{\"uploadUrl\":\"\\ud83d\\u0041\"}",
        b"{\"uploadUrl\":\"\\u004\"}",
        b"{\"uploadUrl\":\"\\u00G0\"}",
        b"{\"uploadUrl\":\"a\\\"}",
        b"{\"uploadUrl\":\"\\u0000\\u001f\\u007f\\u0080\\uffff\"}",
        b"{\"uploadUrl\":\"\xc3\xa9\\u00e9\xe2\x82\xac\"}",
        b"{\"uploadUrl\":\"x\\u0027\",\"expirationDateTime\":\"2015-01-29T09:21:55.523\\u005a\"}",
        b"{\"nextExpectedRanges\":[\"0\\u002d\"]}",
        b"{\"error\":{\"code\":\"c\\\"\",\"message\":\"It\\u0027s \\\"quoted\\\"\"}}",
    ];
    for case in cases {
        agree_all(case);
    }
}

#[test]
fn escaped_strings_are_unescaped_on_the_fast_path() {
    let body = br#"{"uploadUrl":"https:\/\/h\/up\u0027x\"y\ud83d\ude00","nextExpectedRanges":["0-"]}"#;
    assert!(agree::<ObjectDocument<SessionObject<'_>>>(body));
    let s = run_fast::<ObjectDocument<SessionObject<'_>>>(body).unwrap();
    assert_eq!(s.upload_url(), Some("https://h/up'x\"y\u{1f600}"));
    let body = br#"{"error":{"code":"c","message":"It\u0027s"}}"#;
    assert_eq!(run_fast::<ObjectDocument<Envelope<'_>>>(body).unwrap().message(), Some("It's"));
    // A lone surrogate is an error for a string read as `str`: left to serde_json.
    assert!(run_fast::<ObjectDocument<SessionObject<'_>>>(br#"{"uploadUrl":"\ud800"}"#).is_none());
    // In a skipped member it is not read at all, as with serde_json.
    assert!(agree::<ObjectDocument<SessionObject<'_>>>(br#"{"x":"\ud800","uploadUrl":"u"}"#));
}

#[test]
fn nesting_around_the_cap() {
    for depth in [31, 32, 33, 34, 200] {
        // In an unknown member, in an array, and in nested inner errors.
        let unknown = format!("{{\"x\":{}1{},\"uploadUrl\":\"u\"}}", "[".repeat(depth - 1), "]".repeat(depth - 1));
        let objects = format!("{{\"x\":{}{{}}{}}}", "{\"y\":".repeat(depth - 2), "}".repeat(depth - 2));
        let inner = format!(
            "{{\"error\":{{\"code\":\"c\",{}\"code\":\"z\"{}}}}}",
            "\"innerError\":{".repeat(depth - 2),
            "}".repeat(depth - 2)
        );
        for doc in [unknown, objects, inner] {
            let fast = agree_all(doc.as_bytes());
            assert_eq!(fast > 0, depth <= MAX_JSON_DEPTH, "{depth}: {doc}");
        }
    }
}

#[test]
fn generated_documents() {
    // A small deterministic generator (xorshift): objects of known and unknown members in
    // random case, every value kind, escapes, whitespace, nesting past the cap.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.next(items.len() as u64) as usize]
        }
        fn ws(&mut self, out: &mut String) {
            out.push_str(self.pick(&["", "", "", " ", "\n  ", "\t", "\r\n"]));
        }
        fn key(&mut self) -> String {
            let k = self.pick(&[
                "uploadUrl",
                "expirationDateTime",
                "nextExpectedRanges",
                "@odata.context",
                "error",
                "code",
                "message",
                "innerError",
                "innererror",
                "request-id",
                "date",
                "id",
                "name",
                "size",
                "item",
                "deferCommit",
                "AttachmentItem",
                "properties",
                "attachmentInfo",
                "attachmentType",
                "fileSystemInfo",
                "createdDateTime",
                "x",
                "",
            ]);
            match self.next(4) {
                0 => k.to_ascii_uppercase(),
                1 => k.to_ascii_lowercase(),
                _ => k.to_owned(),
            }
        }
        fn value(&mut self, depth: usize, out: &mut String) {
            let kind = if depth > 36 { 5 + self.next(6) } else { self.next(11) };
            match kind {
                0..=2 => {
                    out.push('{');
                    for i in 0..self.next(5) {
                        if i > 0 {
                            out.push(',');
                        }
                        self.ws(out);
                        out.push('"');
                        out.push_str(&self.key());
                        out.push('"');
                        self.ws(out);
                        out.push(':');
                        self.ws(out);
                        self.value(depth + 1, out);
                        self.ws(out);
                    }
                    out.push('}');
                }
                3 | 4 => {
                    out.push('[');
                    for i in 0..self.next(4) {
                        if i > 0 {
                            out.push(',');
                        }
                        self.ws(out);
                        self.value(depth + 1, out);
                    }
                    out.push(']');
                }
                5 | 6 => {
                    let s = self.pick(&[
                        "0-",
                        "26-",
                        "12345-55232",
                        "5-3",
                        "2097152",
                        "",
                        "x",
                        "2015-01-29T09:21:55.523Z",
                        "2019-11-21T13:57:37",
                        "a\\/b",
                        "\\u00e9",
                        "\\ud83d\\ude00",
                        "\\ud800",
                        "é",
                        "file",
                        "rename",
                    ]);
                    out.push('"');
                    out.push_str(s);
                    out.push('"');
                }
                7 => out.push_str(self.pick(&[
                    "0",
                    "1",
                    "128",
                    "-1",
                    "1.5",
                    "1e3",
                    "18446744073709551615",
                    "18446744073709551616",
                ])),
                8 => out.push_str(self.pick(&["true", "false"])),
                _ => out.push_str("null"),
            }
        }
    }
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut answered = 0;
    for _ in 0..20_000 {
        let mut doc = String::new();
        // Mostly objects whose members are known keys, so the typed paths run.
        if g.next(8) == 0 {
            g.value(0, &mut doc);
        } else {
            doc.push('{');
            for i in 0..1 + g.next(4) {
                if i > 0 {
                    doc.push(',');
                }
                doc.push('"');
                doc.push_str(&g.key());
                doc.push_str("\":");
                g.value(1, &mut doc);
            }
            doc.push('}');
        }
        answered += agree_all(doc.as_bytes());
    }
    assert!(answered > 20_000, "{answered}");
}

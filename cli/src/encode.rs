//! The JSON of `decode` back to wire bytes.
//!
//! Only the start-line keys, `headers` and `body` are read; every typed key (`packet_type`,
//! `session_id`, `operation`, `upload_session`, `content_length`, `body_len`, …) is derived
//! from those and ignored here.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bits_codec::bits::BITS_POST;
use bits_codec::http1::{
    FieldName, FieldValue, Headers, HttpVersion, Message, ReasonPhrase, RequestMethod, RequestTarget, StartLine, Status,
};
use bits_codec::{DecodeOptions, Encode};
use serde::Deserialize;

use crate::leniency::LeniencyArgs;
use crate::stdio::{InputArg, read_input, write_stdout};
use crate::{Failure, classify};

/// Arguments of `bits-codec encode`.
#[derive(Debug, clap::Args)]
#[command(after_help = include_str!("help/encode.txt"))]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArg,
    /// The leniencies the check-by-decoding uses (as `decode` would with the same flags).
    #[command(flatten)]
    leniency: LeniencyArgs,
}

/// Encodes the JSON input and writes the wire bytes on standard output.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let input = read_input(args.input.file.as_deref())?;
    let wire = encode(&input, &args.leniency.options()).map_err(Failure::Invalid)?;
    write_stdout(&wire)
}

/// The keys `encode` reads.
#[derive(Debug, Deserialize)]
struct Input {
    protocol: String,
    message: String,
    method: Option<String>,
    target: Option<String>,
    version: Option<String>,
    status: Option<u16>,
    reason: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// Wire bytes for the JSON `json`, checked by decoding them again with `opts` as `decode`
/// would. The error is one line.
pub(crate) fn encode(json: &[u8], opts: &DecodeOptions) -> Result<Vec<u8>, String> {
    let input: Input = serde_json::from_slice(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let bits = match input.protocol.as_str() {
        "bits" => true,
        "graph" | "http" => false,
        p => return Err(format!("key `protocol`: expected \"bits\", \"graph\" or \"http\", found {p:?}")),
    };
    let version = match input.version.as_deref() {
        None | Some("HTTP/1.1") => HttpVersion::Http11,
        Some("HTTP/1.0") => HttpVersion::Http10,
        Some(v) => return Err(format!("key `version`: expected \"HTTP/1.1\" or \"HTTP/1.0\", found {v:?}")),
    };
    let start = start_line(&input, bits, version)?;
    let mut headers = Headers::new();
    for (i, (name, value)) in input.headers.iter().enumerate() {
        let n = FieldName::new(name.as_str()).map_err(|e| format!("key `headers`[{i}]: name {name:?}: {e}"))?;
        let v = FieldValue::new(value.as_str()).map_err(|e| format!("key `headers`[{i}] ({name}): value: {e}"))?;
        headers.push(n, v);
    }
    let body = match &input.body {
        Some(b) => STANDARD.decode(b).map_err(|e| format!("key `body`: invalid base64: {e}"))?,
        None => Vec::new(),
    };
    let message = Message::new(start, headers, body).map_err(|e| format!("cannot build the message: {e}"))?;
    let wire = message.to_vec();
    let decoded = classify::decode(&wire, opts).map_err(|e| format!("the encoded message does not decode: {e}"))?;
    if decoded.protocol() != input.protocol {
        return Err(format!(
            "key `protocol` is {:?} but the encoded message decodes as {:?}",
            input.protocol,
            decoded.protocol()
        ));
    }
    Ok(wire)
}

fn required<'a>(v: &'a Option<String>, key: &str, message: &str) -> Result<&'a str, String> {
    v.as_deref().ok_or_else(|| format!("missing key `{key}` (required for a {message})"))
}

fn start_line<'a>(input: &'a Input, bits: bool, version: HttpVersion) -> Result<StartLine<'a>, String> {
    match input.message.as_str() {
        "request" => {
            let method = match (&input.method, bits) {
                (Some(m), _) => m.as_str(),
                (None, true) => BITS_POST,
                (None, false) => required(&input.method, "method", "Graph or plain HTTP request")?,
            };
            let target = required(&input.target, "target", "request")?;
            Ok(StartLine::Request {
                method: RequestMethod::new(method).map_err(|e| format!("key `method`: {e}"))?,
                target: RequestTarget::new(target).map_err(|e| format!("key `target`: {e}"))?,
                version,
            })
        }
        "response" => {
            let code = input.status.ok_or("missing key `status` (required for a response)")?;
            let status = Status::new(code).map_err(|e| format!("key `status`: {e}"))?;
            let reason = match &input.reason {
                Some(r) => ReasonPhrase::new(r.as_str()).map_err(|e| format!("key `reason`: {e}"))?,
                None => ReasonPhrase::new(status.canonical_reason()).map_err(|e| format!("key `reason`: {e}"))?,
            };
            Ok(StartLine::Response { version, status, reason })
        }
        m => Err(format!("key `message`: expected \"request\" or \"response\", found {m:?}")),
    }
}

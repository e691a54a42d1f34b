//! `bits-codec`: decode one BITS upload-protocol, Microsoft Graph upload-session (or plain
//! HTTP/1.1) message to JSON, and encode that JSON back to the exact wire bytes.
//!
//! ```text
//! bits-codec decode capture.http > capture.json
//! bits-codec encode capture.json > again.http      # same bytes as capture.http
//! ```
//!
//! Exit status: 0 success; 1 invalid input (a message that does not decode, or JSON that does
//! not describe one); 2 usage or I/O error. Run `bits-codec --help` for the details.

#![forbid(unsafe_code)]

mod classify;
mod encode;
mod json;
mod layout;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use bits_codec::DecodeOptions;

const SHORT_USAGE: &str = "\
Usage: bits-codec decode [OPTIONS] [FILE]
       bits-codec encode [OPTIONS] [FILE]
       bits-codec --help
";

const USAGE: &str = "\
Commands:
  decode  Read one complete HTTP message from FILE (standard input when FILE is
          absent or `-`) and print it as one JSON object on standard output.
  encode  Read that JSON from FILE (or standard input) and write the message's
          wire bytes to standard output.

What `decode` reads:
  A response (input starting with `HTTP/`) with a BITS-Packet-Type header is a
  BITS Ack; a request whose method is exactly BITS_POST is a BITS request.
  Both are decoded strictly as BITS (`protocol` \"bits\"): a malformed BITS
  packet is an error, not plain HTTP.
  A request of a Microsoft Graph upload-session shape (POST to
  .../createUploadSession, PUT with Content-Range, or GET/DELETE/POST/PUT to an
  uploadUrl: a target or Host with uploadSession, AttachmentSessions,
  tempauth, authtoken=, or *.up.1drv.com) is decoded strictly as Graph
  (`protocol` \"graph\"). A response is Graph when its content says so: a
  JSON upload session, OData error or created item, 201 with Location and no
  body, or 204; a JSON body with Graph members and wrong values (a range
  \"5-3\") is an error.
  Any other HTTP/1.1 message (the reply download GET, the back-end
  notification exchange, ...) is decoded as plain HTTP (`protocol` \"http\").
  The input is a whole file: a response without Content-Length takes every
  remaining byte as its body.
  The input must hold exactly one message. Input that ends before the message
  does is invalid (\"incomplete message\"); bytes left after a complete message
  are invalid too (\"trailing bytes after message at offset N\").

JSON (keys in snake_case):
  protocol \"bits\"|\"graph\"|\"http\", message \"request\"|\"response\",
  packet_type, method, target (requests), status, reason (responses), version,
  content_length, headers ([name, value] pairs in wire order, names spelled
  as on the wire), body_len, body (base64, standard alphabet, padded).
  BITS messages also carry host, session_id, content_name, content_range
  {first,last,total}, supported_protocols, protocol_guid (BITS-Protocol),
  received_content_range, error_code, error_context, host_id,
  host_id_fallback_timeout, reply_url: null when absent. A plain request that
  carries BITS-Original-Request-URL (or a response with
  BITS-Static-Response-URL / BITS-Copy-File-To-Destination) gets a
  `notification` object.
  Graph requests carry operation (\"create-upload-session\", \"upload-fragment\",
  \"session-status\", \"cancel-session\", \"commit\", \"other\"), content_range
  {first,last,total} and create_upload_session (the typed body, with
  `variant` \"drive_item\"|\"attachment\"|\"task_attachment\"|\"print_document\").
  Graph responses carry outcome (\"session-created\", \"in-progress\",
  \"awaiting-commit\", \"ranges-unknown\", \"completed\",
  \"completed-at-location\", \"no-content\", \"failed\", \"unrecognized\"),
  upload_session {upload_url, expiration_date_time, next_expected_ranges:
  [{start, end}] with end null for an open range}, error {code, message,
  inner_error}, item {id, name, size}, location, retry_after.
  `encode` writes each header as `name: value` (one space after the colon),
  and header values and reason phrases that are not UTF-8 are converted
  lossily (U+FFFD): a message written that way (every capture in corpus/ is)
  re-encodes to its exact bytes; any other re-encodes to the same JSON.

What `encode` reads:
  `headers` is authoritative, with the start-line keys `message`, `method`
  (default BITS_POST when `protocol` is \"bits\"; required otherwise),
  `target`, `version` (default HTTP/1.1), `status`, `reason` (default: the
  standard phrase) and `body` (default empty). `protocol`, `message` and
  `headers` are required.
  Every other key (packet_type, session_id, operation, upload_session,
  content_length, body_len, ...) is derived and ignored. The bytes written
  are checked by decoding them as `decode` does (with the same OPTIONS);
  they must decode, with the `protocol` the JSON names, or nothing is
  written.

Options (leniencies of the decoder, off by default):
  --allow-bare-lf                  accept lines ending in LF without CR
  --allow-http10                   accept HTTP/1.0 on BITS packets
  --allow-identical-duplicates     accept a repeated identical single-valued header
  --allow-unbraced-guid            accept protocol GUIDs without braces
  --allow-ack-body                 accept an Ack with a body
  --allow-spaces-in-content-range  accept extra spaces after `bytes` in Content-Range
  -h, --help                       print this help

Exit status:
  0  success
  1  invalid input: stderr has one line naming the byte offset and the problem
  2  usage error, unreadable FILE, or standard output not writable
";

/// What went wrong, and the exit status it gives.
#[derive(Debug)]
enum Failure {
    /// Exit 2, with the usage on stderr.
    Usage(String),
    /// Exit 2.
    Io(String),
    /// Exit 2 without a message (standard output went away).
    Quiet,
    /// Exit 1.
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Decode,
    Encode,
}

#[derive(Debug)]
struct Args {
    command: Command,
    file: Option<PathBuf>,
    opts: DecodeOptions,
}

/// `None`: `--help` was asked for.
fn parse_args(raw: impl IntoIterator<Item = OsString>) -> Result<Option<Args>, Failure> {
    let mut opts = DecodeOptions::default();
    let mut positional = Vec::new();
    let mut options_done = false;
    for arg in raw {
        if options_done || arg == "-" || !arg.to_string_lossy().starts_with('-') {
            positional.push(arg);
            continue;
        }
        match arg.to_str().unwrap_or_default() {
            "-h" | "--help" => return Ok(None),
            "--" => options_done = true,
            "--allow-bare-lf" => opts = opts.allow_bare_lf(true),
            "--allow-http10" => opts = opts.allow_http10(true),
            "--allow-identical-duplicates" => opts = opts.allow_identical_duplicates(true),
            "--allow-unbraced-guid" => opts = opts.allow_unbraced_guid(true),
            "--allow-ack-body" => opts = opts.allow_ack_body(true),
            "--allow-spaces-in-content-range" => opts = opts.allow_spaces_in_content_range(true),
            _ => return Err(Failure::Usage(format!("unknown option {:?}", arg.to_string_lossy()))),
        }
    }
    let mut positional = positional.into_iter();
    let command = match positional.next() {
        None => return Err(Failure::Usage("missing command (decode or encode)".into())),
        Some(c) if c == "decode" => Command::Decode,
        Some(c) if c == "encode" => Command::Encode,
        Some(c) => return Err(Failure::Usage(format!("unknown command {:?}", c.to_string_lossy()))),
    };
    let file = positional.next().filter(|f| f != "-").map(PathBuf::from);
    if let Some(extra) = positional.next() {
        return Err(Failure::Usage(format!("unexpected argument {:?}", extra.to_string_lossy())));
    }
    Ok(Some(Args { command, file, opts }))
}

fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, Failure> {
    match file {
        Some(path) => std::fs::read(path).map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display()))),
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::Io(format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|_| Failure::Quiet)
}

fn run(args: Args) -> Result<(), Failure> {
    let input = read_input(args.file.as_ref())?;
    match args.command {
        Command::Decode => {
            let decoded = classify::decode(&input, &args.opts).map_err(|e| Failure::Invalid(e.to_string()))?;
            let value = json::MessageJson::new(&decoded, &input, &args.opts);
            let out = layout::to_vec(&value).map_err(|e| Failure::Invalid(e.to_string()))?;
            write_stdout(&out)
        }
        Command::Encode => {
            let wire = encode::encode(&input, &args.opts).map_err(Failure::Invalid)?;
            write_stdout(&wire)
        }
    }
}

fn main() -> ExitCode {
    let result = match parse_args(std::env::args_os().skip(1)) {
        Ok(Some(args)) => run(args),
        Ok(None) => write_stdout(format!("{SHORT_USAGE}\n{USAGE}").as_bytes()),
        Err(e) => Err(e),
    };
    // Writes to stderr are best effort: a closed stderr must not turn into a panic.
    let mut err = std::io::stderr().lock();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(msg)) => {
            let _ = writeln!(err, "bits-codec: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            let _ = write!(err, "bits-codec: {msg}\n{SHORT_USAGE}Run `bits-codec --help` for more.\n");
            ExitCode::from(2)
        }
        Err(Failure::Io(msg)) => {
            let _ = writeln!(err, "bits-codec: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Quiet) => ExitCode::from(2),
    }
}

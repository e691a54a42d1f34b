//! `bits-codec decode`: one wire message to one JSON object.

use crate::classify::Protocol;
use crate::leniency::LeniencyArgs;
use crate::stdio::{InputArg, read_input, write_stdout};
use crate::{Failure, classify, json, layout};

/// Arguments of `bits-codec decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = include_str!("help/decode.txt"))]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArg,
    /// Decode as this protocol instead of recognizing it (a BITS or Graph message that does
    /// not decode as one is then an error, and `http` reads anything as plain HTTP/1.1).
    #[arg(long = "as", value_name = "PROTOCOL", value_enum)]
    protocol: Option<Protocol>,
    #[command(flatten)]
    leniency: LeniencyArgs,
}

/// Decodes the input and prints its JSON on standard output.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let input = read_input(args.input.file.as_deref())?;
    let opts = args.leniency.options();
    let decoded = classify::decode_as(&input, &opts, args.protocol).map_err(|e| Failure::Invalid(e.to_string()))?;
    let value = json::MessageJson::new(&decoded, &input, &opts);
    let out = layout::to_vec(&value).map_err(|e| Failure::Invalid(e.to_string()))?;
    write_stdout(&out)
}

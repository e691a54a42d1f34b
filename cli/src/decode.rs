//! `bits-codec decode`: one wire message to one JSON object.

use crate::leniency::LeniencyArgs;
use crate::stdio::{InputArg, read_input, write_stdout};
use crate::{Failure, classify, json, layout};

/// Arguments of `bits-codec decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = include_str!("help/decode.txt"))]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArg,
    #[command(flatten)]
    leniency: LeniencyArgs,
}

/// Decodes the input and prints its JSON on standard output.
pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let input = read_input(args.input.file.as_deref())?;
    let opts = args.leniency.options();
    let decoded = classify::decode(&input, &opts).map_err(|e| Failure::Invalid(e.to_string()))?;
    let value = json::MessageJson::new(&decoded, &input, &opts);
    let out = layout::to_vec(&value).map_err(|e| Failure::Invalid(e.to_string()))?;
    write_stdout(&out)
}

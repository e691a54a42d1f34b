//! The decoder's named leniencies as command-line flags (all off by default, as in the library).

use bits_codec::DecodeOptions;

/// Leniencies of the decoder, off by default.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Leniencies (off by default)")]
pub(crate) struct LeniencyArgs {
    /// Accept lines ending in LF without CR.
    #[arg(long)]
    allow_bare_lf: bool,
    /// Accept HTTP/1.0 on BITS packets.
    #[arg(long)]
    allow_http10: bool,
    /// Accept a repeated identical single-valued header.
    #[arg(long)]
    allow_identical_duplicates: bool,
    /// Accept protocol GUIDs without braces.
    #[arg(long)]
    allow_unbraced_guid: bool,
    /// Accept an Ack with a body.
    #[arg(long)]
    allow_ack_body: bool,
    /// Accept extra spaces after `bytes` in Content-Range.
    #[arg(long)]
    allow_spaces_in_content_range: bool,
    /// Accept Ping, Create-Session, Close-Session and Cancel-Session without Content-Length
    /// (Python's http.client, curl -X BITS_POST).
    #[arg(long)]
    allow_bodiless_without_content_length: bool,
}

impl LeniencyArgs {
    /// The decoder options these flags ask for.
    pub(crate) fn options(&self) -> DecodeOptions {
        DecodeOptions::default()
            .allow_bare_lf(self.allow_bare_lf)
            .allow_http10(self.allow_http10)
            .allow_identical_duplicates(self.allow_identical_duplicates)
            .allow_unbraced_guid(self.allow_unbraced_guid)
            .allow_ack_body(self.allow_ack_body)
            .allow_spaces_in_content_range(self.allow_spaces_in_content_range)
            .allow_bodiless_without_content_length(self.allow_bodiless_without_content_length)
    }
}

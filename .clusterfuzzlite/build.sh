#!/bin/bash -eu
# Builds every cargo-fuzz target into $OUT with its seed corpus and dictionary, the layout
# ClusterFuzzLite and OSS-Fuzz expect: $OUT/<target>, $OUT/<target>_seed_corpus.zip,
# $OUT/<target>.dict. Test locally: SRC=<dir holding bits-codec> OUT=<empty dir> bash build.sh
cd "$SRC/bits-codec"
if [ -z "${CARGO_FUZZ_TOOLCHAIN:-}" ] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  CARGO_FUZZ_TOOLCHAIN=+nightly
fi
cargo ${CARGO_FUZZ_TOOLCHAIN:-} fuzz build -O --debug-assertions
target_dir=fuzz/target/x86_64-unknown-linux-gnu/release
seeds=$(mktemp -d)
find corpus -type f ! -name 'README.md' -exec cp {} "$seeds/" \;
for t in $(cargo ${CARGO_FUZZ_TOOLCHAIN:-} fuzz list); do
  cp "$target_dir/$t" "$OUT/"
  (cd "$seeds" && zip -qj "$OUT/${t}_seed_corpus.zip" ./*)
  dict=fuzz/bits.dict
  [ -f "fuzz/$t.dict" ] && dict="fuzz/$t.dict"
  cp "$dict" "$OUT/$t.dict"
done
rm -rf "$seeds"

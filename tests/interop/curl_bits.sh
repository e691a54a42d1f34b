#!/usr/bin/env bash
# A BITS upload driven by curl against `bits-codec serve` (the bits-codec-io server: hyper 1,
# tokio and the crate's server machine), each Ack checked with `bits-codec decode`:
#
#   Ping, Create-Session, two Fragments, Close-Session; then the committed file must equal
#   the uploaded bytes and no session data may remain.
#
# curl is an independent HTTP/1.1 client, so this checks that the typed view over
# `http::request::Parts` takes what a stock client sends through hyper. What curl adds on its
# own, and why the crate must (and does) accept it:
#   - `User-Agent`, `Accept: */*`: ordinary headers the crate does not type.
#   - `Content-Type: application/x-www-form-urlencoded` on `--data-binary`: likewise ignored;
#     [MC-BUP] says nothing about Content-Type on a Fragment.
#   - `Expect: 100-continue` on bodies over 1 MiB (curl 7.x and 8.x): an ordinary header to
#     the crate; hyper answers `100 Continue` when the server starts reading the body. The
#     first fragment here is over 1 MiB on purpose. The interim `100 Continue` is in the saved
#     response too; it is cut off before decoding (the CLI takes exactly one message).
#   - No `Content-Length` at all on a bodiless request with a custom method (`-X BITS_POST`
#     without data). [MC-BUP] §2.2.1.1 requires it, so the decoder refuses it by default; the
#     server reads requests with `DecodeOptions::allow_bodiless_without_content_length`, which
#     RFC 9112 §6.3 makes safe (such a request has no body), so the bodiless requests below
#     are sent exactly as curl sends them.
#
# Usage: tests/interop/curl_bits.sh   (from anywhere; builds what it needs)
# Prints PASS/FAIL per step; exits non-zero if any step failed. Exits 0 with SKIP if curl is
# not installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v curl >/dev/null 2>&1; then
  echo "SKIP: curl is not installed"
  exit 0
fi
echo "$(curl --version | head -n 1)"

# The release build .ci/run makes of the command: `bits-codec serve` is the server and
# `bits-codec decode` reads every answer.
cargo build --release --quiet -p bits-codec-cli --bin bits-codec
cli=target/release/bits-codec

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# A failure that leaves nothing to test after it.
abort() {
  fail "$*"
  echo "--- server log ---"
  cat "$work/server.log" || true
  exit 1
}

# `bits-codec serve` prints the address it listens on as its first line.
"$cli" serve --root "$work/store" --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  [ -s "$work/server.out" ] && break
  kill -0 "$server_pid" 2>/dev/null || abort "the server exited at start"
  sleep 0.1
done
[ -s "$work/server.out" ] || abort "the server printed no address within 10 s"
addr=$(head -n 1 "$work/server.out")
url="http://$addr/upload/curl-test.bin"
pass "server listening on $addr"

# The file: 1.5 MiB + 1234 bytes, sent as 1.5 MiB (curl sends Expect: 100-continue) then
# the rest.
first_len=$((1536 * 1024))
total=$((first_len + 1234))
head -c "$total" /dev/urandom >"$work/source.bin"
head -c "$first_len" "$work/source.bin" >"$work/fragment1.bin"
tail -c +"$((first_len + 1))" "$work/source.bin" >"$work/fragment2.bin"

# send NAME CURL-ARGS...: one BITS_POST; the raw answer goes to NAME.raw, the final answer
# (interim 1xx blocks cut off) to NAME.http, and its decoded JSON to NAME.json.
send() {
  local name=$1
  shift
  if ! curl -sS -v --max-time 10 -X BITS_POST -D "$work/$name.headers" -o "$work/$name.body" "$@" "$url" \
    2>"$work/$name.verbose"; then
    cat "$work/$name.verbose"
    abort "$name: curl failed"
  fi
  cat "$work/$name.headers" "$work/$name.body" >"$work/$name.raw"
  {
    awk 'BEGIN { interim = 0; started = 0 }
         !started && /^HTTP\/1\.[01] 1[0-9][0-9] / { interim = 1 }
         interim { if ($0 == "\r" || $0 == "") interim = 0; next }
         { started = 1; print }' "$work/$name.headers"
    cat "$work/$name.body"
  } >"$work/$name.http"
  if ! "$cli" decode "$work/$name.http" >"$work/$name.json" 2>"$work/$name.err"; then
    cat "$work/$name.raw"
    abort "$name: bits-codec decode refused the answer: $(cat "$work/$name.err")"
  fi
}

# field NAME KEY: a top-level value of NAME.json, quotes and trailing comma removed.
field() {
  sed -n "s/^  \"$2\": \(.*\)$/\1/p" "$work/$1.json" | sed -e 's/,$//' -e 's/^"\(.*\)"$/\1/'
}

# expect NAME KEY VALUE: check one decoded field.
expect() {
  local got
  got=$(field "$1" "$2")
  if [ "$got" = "$3" ]; then
    return 0
  fi
  echo "  $1: $2 is '$got', expected '$3'"
  return 1
}

# check_ack NAME STATUS [KEY VALUE]...: a BITS Ack with STATUS and the given fields.
check_ack() {
  local name=$1 status=$2 ok=0
  shift 2
  expect "$name" protocol bits || ok=1
  expect "$name" message response || ok=1
  expect "$name" packet_type Ack || ok=1
  expect "$name" status "$status" || ok=1
  while [ $# -ge 2 ]; do
    expect "$name" "$1" "$2" || ok=1
    shift 2
  done
  if [ $ok -eq 0 ]; then
    pass "$name: Ack $status $(tr -d '\r' <"$work/$name.headers" | grep -i '^bits-' | tr '\n' ' ')"
  else
    fail "$name: unexpected Ack"
    cat "$work/$name.raw"
  fi
}

protocol='{7df0354d-249b-430f-820d-3d2a9bef4931}'

# Bodiless requests as curl sends them: no Content-Length (see the top of this file).
send 01-ping -H 'BITS-Packet-Type: Ping'
check_ack 01-ping 200 session_id null

send 02-create -H 'BITS-Packet-Type: Create-Session' -H "BITS-Supported-Protocols: $protocol"
session=$(field 02-create session_id)
[ -n "$session" ] && [ "$session" != null ] || abort "02-create: no session id in the Ack"
check_ack 02-create 200 protocol_guid "$protocol" session_id "$session"

# Fragments: curl computes Content-Length from the file (--data-binary sends it unaltered).
send 03-fragment -H 'BITS-Packet-Type: Fragment' -H "BITS-Session-Id: $session" \
  -H "Content-Range: bytes 0-$((first_len - 1))/$total" --data-binary @"$work/fragment1.bin"
check_ack 03-fragment 200 session_id "$session" received_content_range "$first_len"
if grep -qi '^> Expect: 100-continue' "$work/03-fragment.verbose"; then
  if grep -q '^HTTP/1\.1 100 ' "$work/03-fragment.headers"; then
    pass "03-fragment: curl sent Expect: 100-continue; hyper answered 100 Continue; the crate took the header"
  else
    fail "03-fragment: curl sent Expect: 100-continue and got no 100 Continue"
  fi
else
  echo "note: this curl did not send Expect: 100-continue for $first_len bytes"
fi

send 04-fragment -H 'BITS-Packet-Type: Fragment' -H "BITS-Session-Id: $session" \
  -H "Content-Range: bytes $first_len-$((total - 1))/$total" --data-binary @"$work/fragment2.bin"
check_ack 04-fragment 200 session_id "$session" received_content_range "$total"

send 05-close -H 'BITS-Packet-Type: Close-Session' -H "BITS-Session-Id: $session"
check_ack 05-close 200 session_id "$session"

# The server commits an upload at its request path under the root.
committed="$work/store/upload/curl-test.bin"
if [ -f "$committed" ] && cmp -s "$committed" "$work/source.bin"; then
  pass "committed file upload/curl-test.bin equals the $total uploaded bytes"
else
  fail "committed file $committed missing or different from the upload"
  find "$work/store" -ls || true
fi
# Session state lives in .bits-sessions/ (a data file and an info file per session) until
# the session ends.
leftover=$(find "$work/store/.bits-sessions" -type f \( -name '*.part' -o -name '*.info' \) | wc -l)
if [ "$leftover" -eq 0 ]; then
  pass "no session data left in .bits-sessions/"
else
  fail "session data left behind: $(ls -a "$work/store/.bits-sessions")"
fi

echo "--- server log ---"
cat "$work/server.log"
if [ "$failures" -ne 0 ]; then
  echo "FAIL: $failures step(s) failed"
  exit 1
fi
echo "PASS: all steps"

"""The official Microsoft Graph Python SDK core (msgraph-core, pinned with hashes in
requirements.txt) uploading to bits-codec's Graph server (test-support/src/bin/graph_server.rs).

Run by ../run, which builds the server and sets GRAPH_SERVER. Only 127.0.0.1 is contacted,
over plain HTTP: unlike the JavaScript SDK, kiota's httpx adapter takes any scheme, so no TLS
relay is needed and the server reads the SDK's bytes straight off the socket.

`localhost:PORT` plays graph.microsoft.com: the token provider's allowed hosts name it, so the
SDK sends `Authorization` there (the server requires it on createUploadSession), and not to
the `uploadUrl` host `127.0.0.1:PORT` (the server refuses it there, as Graph does).

msgraph-core 1.5.2 has no createUploadSession request builder (that is in the generated
msgraph-sdk), so the session is created with the SDK's request adapter and parsed into the
SDK's own `LargeFileUploadSession` model; `LargeFileUploadTask` takes it from there.

Each scenario checks the stored bytes (SHA-256) and the server log (every request the SDK
sent decoded with the crate: no REJECT line).
"""

import asyncio
import hashlib
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.serialization import ParseNodeFactoryRegistry
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from msgraph_core import BaseGraphRequestAdapter
from msgraph_core.models import LargeFileUploadSession
from msgraph_core.tasks.large_file_upload import LargeFileUploadTask

SERVER = os.environ.get("GRAPH_SERVER")
KIB = 1024
PRINT_CREATE = "/v1.0/print/printers/p1/jobs/5/documents/9/createUploadSession"


class DummyTokens(AccessTokenProvider):
    """A bearer token for the Graph host only, as azure-identity's provider does."""

    def __init__(self):
        self.hosts = AllowedHostsValidator(["localhost"])

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return "interop-dummy-token" if self.hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self):
        return self.hosts


class Stack:
    """A fresh graph_server in a scratch directory."""

    def __init__(self, *extra):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="graph-py-"))
        self.log = self.dir / "server.log"
        self.proc = subprocess.Popen(
            [SERVER, "--dir", str(self.dir), "--log", str(self.log), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.port = int(self.proc.stdout.readline().strip().rsplit(":", 1)[1])

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def lines(self):
        return self.log.read_text().splitlines()

    def check_log(self, min_requests, must_contain=()):
        lines = self.lines()
        bad = [l for l in lines if l.startswith(("REJECT", "CONNECTION-ERROR"))]
        assert not bad, "the crate rejected what the SDK sent:\n" + "\n".join(bad)
        requests = [l for l in lines if l.startswith("REQUEST")]
        assert len(requests) >= min_requests, f"expected >= {min_requests} requests:\n" + "\n".join(lines)
        for pattern in must_contain:
            assert any(re.search(pattern, l) for l in lines), f"no line matches {pattern}:\n" + "\n".join(lines)
        return lines

    def check_stored(self, data):
        committed = list((self.dir / "committed").iterdir())
        assert len(committed) == 1, f"expected one committed file, found {committed}"
        stored = committed[0].read_bytes()
        assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest(), (
            f"stored {len(stored)} bytes differ from the {len(data)} uploaded"
        )
        leftovers = list(self.dir.glob("*.part"))
        assert not leftovers, f"session data left behind: {leftovers}"


def adapter():
    parsers = ParseNodeFactoryRegistry()
    parsers.CONTENT_TYPE_ASSOCIATED_FACTORIES["application/json"] = JsonParseNodeFactory()
    return BaseGraphRequestAdapter(BaseBearerTokenAuthenticationProvider(DummyTokens()), parse_node_factory=parsers)


async def create_session(requests, port, path, body):
    info = RequestInformation()
    info.http_method = Method.POST
    info.url = f"http://localhost:{port}{path}"
    info.headers.try_add("Content-Type", "application/json")
    info.content = body.encode()
    return await requests.send_async(info, LargeFileUploadSession, {})


async def session_status(requests, session):
    """GET the uploadUrl: the status answer, as the SDK's model, keeping the session's URL."""
    info = RequestInformation()
    info.http_method = Method.GET
    info.url = session.upload_url
    status = await requests.send_async(info, LargeFileUploadSession, {})
    status.upload_url = session.upload_url
    return status


def print_body(name, size):
    return (
        '{"properties":{"documentName":"%s","contentType":"application/pdf","size":%d}}' % (name, size)
    )


async def print_document():
    """A Universal Print document: closed nextExpectedRanges, which this SDK can parse."""
    data = os.urandom(2 * 1024 * KIB + 4321)
    with Stack() as stack:
        requests = adapter()
        session = await create_session(requests, stack.port, PRINT_CREATE, print_body("doc.pdf", len(data)))
        assert session.next_expected_ranges == [f"0-{len(data) - 1}"], session.next_expected_ranges
        task = LargeFileUploadTask(session, requests, io.BytesIO(data), max_chunk_size=640 * KIB)
        result = await task.upload()
        assert b'"size":%d' % len(data) in result.item_response, result.item_response
        stack.check_stored(data)
        lines = stack.check_log(4, [r"^REQUEST PUT .* -> 201 completed"])
        return f"{len(lines)} requests, {len(data)} bytes"


async def resume_after_dropped_fragment():
    """The server drops the second fragment. upload() fails; the session's status (GET),
    parsed by the SDK's model, feeds resume(), which uploads what the crate says is missing."""
    data = os.urandom(2 * 1024 * KIB + 999)
    with Stack("--drop-fragment", "2") as stack:
        requests = adapter()
        session = await create_session(requests, stack.port, PRINT_CREATE, print_body("r.pdf", len(data)))
        task = LargeFileUploadTask(session, requests, io.BytesIO(data), max_chunk_size=640 * KIB)
        try:
            await task.upload()
        except Exception:  # the SDK's own error for whatever went wrong after the drop
            pass
        status = await session_status(requests, session)
        missing = status.next_expected_ranges
        assert missing, "the server has every byte: nothing to resume"
        task.upload_session = status
        await task.resume()
        stack.check_stored(data)
        lines = stack.check_log(5, [r"^DROP ", r"^REQUEST GET .* -> 200 session nextExpectedRanges=\[\"\d+-\d+\""])
        return f"{len(lines)} log lines, resumed from {missing}"


async def drive_item_open_ranges():
    """A driveItem session answers nextExpectedRanges ["S-"] (open-ended, as Graph does).
    msgraph-core 1.5.2 cannot parse that: LargeFileUploadTask.next_chunk does int("") on it.
    This pins the SDK's behaviour (an SDK bug, not a crate rejection): it must fail exactly
    so, after the crate decoded every request it sent."""
    data = os.urandom(1024 * KIB + 5)
    with Stack() as stack:
        requests = adapter()
        session = await create_session(
            requests,
            stack.port,
            "/v1.0/me/drive/root:/py.bin:/createUploadSession",
            '{"item":{"@microsoft.graph.conflictBehavior":"replace","name":"py.bin"}}',
        )
        assert session.next_expected_ranges == ["0-"], session.next_expected_ranges
        task = LargeFileUploadTask(session, requests, io.BytesIO(data), max_chunk_size=320 * KIB)
        try:
            await task.upload()
        except ValueError as e:
            assert "invalid literal for int()" in str(e), e
        else:
            raise AssertionError("msgraph-core parsed an open range: update README and this test")
        stack.check_log(2, [r'-> 202 session nextExpectedRanges=\["327680-"\]'])
        return 'known SDK bug reproduced: ValueError on ["327680-"]; every request decoded'


SCENARIOS = {
    "print-document": print_document,
    "resume-after-dropped-fragment": resume_after_dropped_fragment,
    "driveitem-open-ranges (known SDK bug)": drive_item_open_ranges,
}


def main():
    if not SERVER:
        print("run this through tests/interop/run (GRAPH_SERVER is unset)", file=sys.stderr)
        return 2
    failures = 0
    for name, scenario in SCENARIOS.items():
        try:
            print(f"PASS graph-py {name}: {asyncio.run(scenario())}")
        except Exception:
            failures += 1
            print(f"FAIL graph-py {name}:\n{traceback.format_exc()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

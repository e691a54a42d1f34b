// The official Microsoft Graph JavaScript SDK (@microsoft/microsoft-graph-client, pinned in
// package-lock.json) uploading to bits-codec's Graph server (test-support/src/bin/graph_server.rs).
//
// Run by ../run (which builds the server, makes a throw-away certificate and sets
// NODE_EXTRA_CA_CERTS to it). Nothing but 127.0.0.1 is contacted.
//
// The SDK only speaks HTTPS (GraphRequest.parsePath and the auth middleware only know
// "https://"), so each server gets a TLS relay in front of it: a byte-for-byte pipe, so the
// server decodes exactly the bytes the SDK's fetch wrote. Two names for the one relay mirror
// Graph's two hosts: `localhost` plays graph.microsoft.com (a custom host, so the SDK sends
// `Authorization` there, which the server requires on createUploadSession), and `127.0.0.1`
// is the uploadUrl host (not a Graph host, so the SDK sends no `Authorization`, which the
// server refuses on an uploadUrl, as Graph does).
//
// Each scenario checks: the SDK's own result, the stored bytes (SHA-256), and the server log
// (every request the SDK sent decoded with the crate: no REJECT line).

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, mkdtempSync, existsSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import readline from "node:readline";

import graph from "@microsoft/microsoft-graph-client";

const { Client, FileUpload, LargeFileUploadTask, OneDriveLargeFileUploadTask } = graph;

const SERVER = process.env.GRAPH_SERVER;
const CERT_DIR = process.env.INTEROP_CERT_DIR;
if (!SERVER || !CERT_DIR) {
  console.error("run this through tests/interop/run (GRAPH_SERVER and INTEROP_CERT_DIR are unset)");
  process.exit(2);
}
const KIB = 1024;

/** A TLS relay on 127.0.0.1 in front of a fresh graph_server; resolves to its parts. */
async function startStack(extraArgs = []) {
  const relay = tls.createServer({
    key: readFileSync(path.join(CERT_DIR, "key.pem")),
    cert: readFileSync(path.join(CERT_DIR, "cert.pem")),
  });
  const sockets = new Set();
  await new Promise((ok) => relay.listen(0, "127.0.0.1", ok));
  const relayPort = relay.address().port;
  const dir = mkdtempSync(path.join(os.tmpdir(), "graph-js-"));
  const log = path.join(dir, "server.log");
  const child = spawn(
    SERVER,
    ["--origin", `https://127.0.0.1:${relayPort}`, "--dir", dir, "--log", log, ...extraArgs],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const firstLine = await new Promise((ok, fail) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once("line", ok);
    child.once("exit", (code) => fail(new Error(`graph_server exited with ${code}`)));
  });
  const [host, port] = [firstLine.slice(0, firstLine.lastIndexOf(":")), Number(firstLine.split(":").pop())];
  relay.on("secureConnection", (client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  return {
    relayPort,
    dir,
    log,
    stop() {
      for (const s of sockets) s.destroy();
      relay.close();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function graphClient(relayPort) {
  return Client.init({
    authProvider: (done) => done(null, "interop-dummy-token"),
    baseUrl: `https://localhost:${relayPort}`,
    customHosts: new Set(["localhost"]),
  });
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/** The server log's lines; fails on any request the crate rejected. */
function checkLog(stack, { minRequests, mustContain = [] }) {
  const lines = readFileSync(stack.log, "utf8").split("\n").filter(Boolean);
  const rejected = lines.filter((l) => l.startsWith("REJECT") || l.startsWith("CONNECTION-ERROR"));
  if (rejected.length) throw new Error(`the crate rejected what the SDK sent:\n${rejected.join("\n")}`);
  const requests = lines.filter((l) => l.startsWith("REQUEST"));
  if (requests.length < minRequests) throw new Error(`expected ≥${minRequests} requests, log has:\n${lines.join("\n")}`);
  for (const re of mustContain) {
    if (!lines.some((l) => re.test(l))) throw new Error(`no log line matches ${re}:\n${lines.join("\n")}`);
  }
  return lines;
}

function checkStored(stack, data) {
  const dir = path.join(stack.dir, "committed");
  const files = existsSync(dir) ? readdirSync(dir) : [];
  if (files.length !== 1) throw new Error(`expected one committed file, found ${JSON.stringify(files)}`);
  const stored = readFileSync(path.join(dir, files[0]));
  if (sha256(stored) !== sha256(data)) {
    throw new Error(`stored ${stored.length} bytes differ from the ${data.length} uploaded`);
  }
  const leftovers = readdirSync(stack.dir).filter((f) => f.endsWith(".part"));
  if (leftovers.length) throw new Error(`session data left behind: ${leftovers}`);
}

const scenarios = {
  // OneDriveLargeFileUploadTask end to end: the SDK's own createUploadSession body (driveItem),
  // then 320 KiB-multiple fragments with the SDK's Content-Range, then the 201 driveItem.
  async "onedrive-driveitem"() {
    const data = randomBytes(3 * 1024 * KIB + 12345);
    const stack = await startStack();
    try {
      const client = graphClient(stack.relayPort);
      const task = await OneDriveLargeFileUploadTask.createTaskWithFileObject(
        client,
        new FileUpload(data.buffer.slice(data.byteOffset, data.byteOffset + data.length), "interop.bin", data.length),
        { fileName: "interop.bin", path: "/interop", rangeSize: 3 * 320 * KIB, conflictBehavior: "replace" },
      );
      const result = await task.upload();
      if (result.responseBody?.size !== data.length) {
        throw new Error(`UploadResult body: ${JSON.stringify(result.responseBody)}`);
      }
      checkStored(stack, data);
      const lines = checkLog(stack, {
        minRequests: 5,
        mustContain: [/^REQUEST POST \/v1\.0\/me\/drive\/root:\/interop\/interop\.bin:\/createUploadSession /, /-> 201 completed/],
      });
      return `${lines.length} requests, ${data.length} bytes`;
    } finally {
      stack.stop();
    }
  },

  // LargeFileUploadTask built from an existing session object; the server drops the second
  // fragment (reads it, stores nothing, closes the connection). upload() fails; resume() asks
  // for the status and goes on from nextExpectedRanges as the crate wrote them.
  async "resume-after-dropped-fragment"() {
    const data = randomBytes(2 * 1024 * KIB + 777);
    const stack = await startStack(["--drop-fragment", "2"]);
    try {
      const client = graphClient(stack.relayPort);
      const session = await LargeFileUploadTask.createUploadSession(
        client,
        `https://localhost:${stack.relayPort}/v1.0/me/drive/root:/resume.bin:/createUploadSession`,
        { item: { "@microsoft.graph.conflictBehavior": "rename", name: "resume.bin" } },
      );
      const task = new LargeFileUploadTask(
        client,
        new FileUpload(data.buffer.slice(data.byteOffset, data.byteOffset + data.length), "resume.bin", data.length),
        session,
        { rangeSize: 2 * 320 * KIB },
      );
      let failed = false;
      try {
        await task.upload();
      } catch {
        failed = true;
      }
      if (!failed) throw new Error("upload() succeeded although the server dropped a fragment");
      const result = await task.resume();
      if (result.responseBody?.size !== data.length) {
        throw new Error(`UploadResult body: ${JSON.stringify(result.responseBody)}`);
      }
      checkStored(stack, data);
      const lines = checkLog(stack, {
        minRequests: 5,
        mustContain: [/^DROP .* range=bytes 655360-1310719\//, /^REQUEST GET \/uploadSession\/[0-9a-f]{32}\?.* -> 200 session nextExpectedRanges=\["655360-"\]/],
      });
      return `${lines.length} log lines, resumed at byte 655360`;
    } finally {
      stack.stop();
    }
  },

  // An Outlook attachment session: 201 on create, 200 progress answers, and completion as
  // 201 + Location with no body, which the SDK must take as success.
  async "outlook-attachment"() {
    const data = randomBytes(4 * 1024 * KIB + 3);
    const stack = await startStack();
    try {
      const client = graphClient(stack.relayPort);
      const session = await LargeFileUploadTask.createUploadSession(
        client,
        `https://localhost:${stack.relayPort}/v1.0/me/messages/AAMkAGI2=/attachments/createUploadSession`,
        { AttachmentItem: { attachmentType: "file", name: "report.pdf", size: data.length } },
      );
      const task = new LargeFileUploadTask(
        client,
        new FileUpload(data.buffer.slice(data.byteOffset, data.byteOffset + data.length), "report.pdf", data.length),
        session,
        { rangeSize: 3 * 1024 * KIB },
      );
      await task.upload();
      checkStored(stack, data);
      const lines = checkLog(stack, { minRequests: 3, mustContain: [/-> 201 completed location=/] });
      return `${lines.length} requests, ${data.length} bytes`;
    } finally {
      stack.stop();
    }
  },
};

let failures = 0;
for (const [name, run] of Object.entries(scenarios)) {
  try {
    const summary = await run();
    console.log(`PASS graph-js ${name}: ${summary}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL graph-js ${name}: ${e?.stack ?? e}`);
  }
}
process.exit(failures ? 1 : 0);

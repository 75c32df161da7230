// @ts-check
// The language client's start-up (src/server.js) against real processes: this
// environment's twimlc (a whole LSP session with `twimlc lsp`), a command that does not
// exist, and a small stdio language server (test/fake-lsp-server.js). Run by `npm test`; the pytest test
// sets TWIMLC_TEST_REQUIRE=1 so that a twimlc missing from PATH fails instead of skipping.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const rpc = require("vscode-jsonrpc/node");
const server = require("../src/server.js");

const FAKE = path.join(__dirname, "fake-lsp-server.js");
const twimlc = server.findExecutable("twimlc");
const needTwimlc = { skip: twimlc || process.env.TWIMLC_TEST_REQUIRE ? false : "twimlc is not on PATH" };

test("findExecutable: on PATH, by path, and not at all", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twimlc-client-"));
  const tool = path.join(dir, "tool");
  fs.writeFileSync(tool, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const plain = path.join(dir, "plain");
  fs.writeFileSync(plain, "not executable", { mode: 0o644 });
  const env = { PATH: ["/nonexistent", dir].join(path.delimiter) };
  assert.equal(server.findExecutable("tool", env), tool);
  assert.equal(server.findExecutable("./tool", env, dir), tool);
  assert.equal(server.findExecutable(tool, {}), tool);
  assert.equal(server.findExecutable("no-such-twimlc-command", env), null);
  assert.equal(server.findExecutable(path.join(dir, "missing"), env), null);
  if (process.platform !== "win32") assert.equal(server.findExecutable("plain", env), null);
});

test("twimlc is found on PATH", needTwimlc, () => {
  assert.ok(twimlc, "twimlc is not on PATH");
});

test("probe: twimlc lsp answers", needTwimlc, async () => {
  assert.equal(await server.probe(/** @type {string} */ (twimlc), ["lsp"]), null);
});

test("probe: python -m twimlc lsp, the same", { skip: process.env.TWIMLC_TEST_PYTHON ? false : "no TWIMLC_TEST_PYTHON" }, async () => {
  const python = /** @type {string} */ (process.env.TWIMLC_TEST_PYTHON);
  assert.equal(await server.probe(python, ["-m", "twimlc", "lsp"]), null);
});

test("probe: a twimlc without `lsp` is explained, not retried", async () => {
  const why = server.explainExit({
    command: "twimlc",
    args: ["lsp"],
    code: 2,
    signal: null,
    stderr: "usage: twimlc [-h] COMMAND\ntwimlc: error: argument COMMAND: invalid choice: 'lsp'\n",
  });
  assert.equal(why.kind, "no-lsp");
  assert.match(why.message, /no language server yet \(`twimlc lsp`\)/);
  assert.match(why.message, /Highlighting works without it/);
});

test("probe: a command that is gone", async () => {
  const problem = await server.probe("/nonexistent/twimlc", ["lsp"]);
  assert.equal(problem?.kind, "failed");
  assert.match(problem.message, /was not found.*twimlc\.path/);
});

test("probe: a server that answers --help", async () => {
  assert.equal(await server.probe(process.execPath, [FAKE]), null);
});

test("spawnServer: LSP over stdio, stderr to the log, the exit reported", async () => {
  /** @type {string[]} */
  const logged = [];
  /** @type {(exit: import("../src/server.js").ServerExit) => void} */
  let exited = () => {};
  const exit = new Promise((resolve) => (exited = resolve));
  const child = await server.spawnServer(process.execPath, [FAKE], {
    log: (text) => logged.push(text),
    onExit: (e) => exited(e),
  });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  connection.listen();
  const result = await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  assert.deepEqual(result, { capabilities: {}, serverInfo: { name: "fake" } });
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  const ended = /** @type {import("../src/server.js").ServerExit} */ (await exit);
  connection.dispose();
  assert.equal(ended.code, 0);
  assert.match(logged.join(""), /fake server ready/);
});

test("spawnServer: a whole session with twimlc lsp, diagnostics included", needTwimlc, async () => {
  /** @type {(exit: import("../src/server.js").ServerExit) => void} */
  let exited = () => {};
  const exit = new Promise((resolve) => (exited = resolve));
  const child = await server.spawnServer(/** @type {string} */ (twimlc), ["lsp"], { onExit: (e) => exited(e) });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  /** @type {(params: any) => void} */
  let published = () => {};
  const diagnostics = new Promise((resolve) => (published = resolve));
  connection.onNotification("textDocument/publishDiagnostics", (params) => published(params));
  connection.listen();
  /** @type {any} */
  const result = await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(result.serverInfo.name, "twimlc");
  assert.ok(result.capabilities.completionProvider);
  assert.ok(result.capabilities.hoverProvider);
  assert.ok(result.capabilities.documentFormattingProvider);
  await connection.sendNotification("initialized", {});
  const uri = "file:///tmp/hello.twl";
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "twl", version: 1, text: 'say "こんにちは😀" lop=2\n' },
  });
  /** @type {any} */
  const params = await diagnostics;
  assert.equal(params.uri, uri);
  assert.equal(params.diagnostics.length, 1);
  const [d] = params.diagnostics;
  assert.equal(d.code, "TWL103");
  assert.equal(d.source, "twimlc");
  assert.deepEqual(d.range, { start: { line: 0, character: 14 }, end: { line: 0, character: 17 } });
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  const ended = /** @type {import("../src/server.js").ServerExit} */ (await exit);
  connection.dispose();
  assert.equal(ended.code, 0);
});

test("spawnServer: a command that does not exist rejects", async () => {
  await assert.rejects(server.spawnServer("/nonexistent/twimlc", ["lsp"]), { code: "ENOENT" });
});

test("explainExit: a crash names the command and its first error line", () => {
  const why = server.explainExit({ command: "twimlc", args: ["lsp"], code: 1, signal: null, stderr: "\nTraceback: boom\nmore\n" });
  assert.equal(why.kind, "failed");
  assert.equal(why.message, "twimlc: the language server (twimlc lsp) stopped (exit code 1): Traceback: boom.");
  const killed = server.explainExit({ command: "twimlc", args: ["lsp"], code: null, signal: "SIGKILL", stderr: "" });
  assert.equal(killed.message, "twimlc: the language server (twimlc lsp) stopped (signal SIGKILL).");
});

// @ts-check
// A minimal language server over stdio for test/client.test.js: answers initialize and
// shutdown, exits on exit; `--help` prints a usage line, as `twimlc lsp --help` will.
"use strict";

if (process.argv.includes("--help")) {
  console.log("usage: fake-lsp-server");
  process.exit(0);
}

const rpc = require("vscode-jsonrpc/node");

const connection = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);
connection.onRequest("initialize", () => ({ capabilities: {}, serverInfo: { name: "fake" } }));
connection.onRequest("shutdown", () => null);
connection.onNotification("exit", () => process.exit(0));
process.stderr.write("fake server ready\n");
connection.listen();

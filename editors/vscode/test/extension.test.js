// @ts-check
// src/extension.js with a stand-in for the `vscode` module (VS Code itself cannot run
// here): the real twimlc of this environment starts as the language server, and what the
// user is told when the server cannot start (a command that does not exist).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const Module = require("module");
const server = require("../src/server.js");

/**
 * Any property, call or `new` gives another stand-in: enough for vscode-languageclient to load.
 * @returns {any}
 */
function anything() {
  /** @type {any} */
  const fn = function () {
    return anything();
  };
  return new Proxy(fn, {
    get: (target, key) => (key === "then" ? undefined : key in target ? target[key] : (target[key] = anything())),
    construct: () => /** @type {any} */ (anything()),
  });
}

/**
 * @typedef {{settings: Record<string, unknown>, answer: string | undefined,
 *   warnings: string[], logged: string[], commands: string[]}} FakeState
 */

/** The fake VS Code: settings in, warnings, log lines and commands out. */
function fakeVscode() {
  const fake = anything();
  /** @type {FakeState} */
  const state = { settings: {}, answer: undefined, warnings: [], logged: [], commands: [] };
  fake.state = state;
  /** @param {string} message */
  const log = (message) => state.logged.push(message);
  const channel = { info: log, warn: log, append: () => {}, dispose: () => {} };
  fake.window = {
    createOutputChannel: () => channel,
    /** @param {string} message */
    showWarningMessage: async (message) => {
      state.warnings.push(message);
      return state.answer;
    },
  };
  fake.workspace = {
    workspaceFolders: undefined,
    getConfiguration: () => ({
      /** @param {string} key @param {unknown} fallback */
      get: (key, fallback) => state.settings[key] ?? fallback,
    }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  };
  fake.commands = {
    /** @param {string} name */
    registerCommand: (name) => {
      state.commands.push(name);
      return { dispose() {} };
    },
    executeCommand: async () => undefined,
  };
  return fake;
}

const vscode = fakeVscode();

/**
 * vscode-languageclient's LanguageClient needs a real VS Code; this one records how the
 * extension built it and, on start(), runs its server options: the real server process.
 */
class RecordingClient {
  /** @type {RecordingClient[]} */
  static made = [];
  /** @param {string} id @param {string} name @param {() => Promise<any>} serverOptions @param {any} clientOptions */
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions });
    /** @type {any} */
    this.child = undefined;
    RecordingClient.made.push(this);
  }
  async start() {
    this.child = await /** @type {any} */ (this).serverOptions();
  }
  async stop() {
    this.child?.kill();
  }
}

const load = /** @type {any} */ (Module)._load;
/** @type {any} */ (Module)._load = function (/** @type {string} */ request, /** @type {unknown[]} */ ...rest) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") {
    return { ...load.call(this, request, ...rest), LanguageClient: RecordingClient };
  }
  return load.call(this, request, ...rest);
};
const extension = require("../src/extension.js");

/** An extension context whose global state lives in memory. */
function context() {
  /** @type {Map<string, unknown>} */
  const memory = new Map();
  const globalState = {
    /** @param {string} key */
    get: (key) => memory.get(key),
    /** @param {string} key @param {unknown} value */
    update: async (key, value) => void memory.set(key, value),
  };
  return /** @type {any} */ ({ subscriptions: [], globalState });
}

/** @param {Record<string, unknown>} settings @param {string | undefined} [answer] */
function reset(settings, answer) {
  Object.assign(vscode.state, { settings, warnings: [], logged: [], commands: [], answer });
}

const twimlc = server.findExecutable("twimlc");
const needTwimlc = { skip: twimlc || process.env.TWIMLC_TEST_REQUIRE ? false : "twimlc is not on PATH" };

test("a missing command: one clear warning, the restart command still there", async () => {
  reset({ path: "/nonexistent/twimlc" });
  await extension.activate(context());
  assert.equal(vscode.state.warnings.length, 1);
  assert.match(vscode.state.warnings[0], /the command '\/nonexistent\/twimlc' was not found/);
  assert.match(vscode.state.warnings[0], /set twimlc\.path/);
  assert.deepEqual(vscode.state.commands, ["twimlc.restartServer"]);
  await extension.deactivate();
});

test("twimlc lsp: starts the language server, no warning", needTwimlc, async () => {
  const rpc = require("vscode-jsonrpc/node");
  reset({ path: twimlc });
  RecordingClient.made = [];
  await extension.activate(context());
  assert.deepEqual(vscode.state.warnings, []);
  const logged = /** @type {string[]} */ (vscode.state.logged);
  assert.ok(logged.includes(`starting the language server: ${twimlc} lsp`), logged.join("\n"));
  const [client] = RecordingClient.made;
  const selector = /** @type {any} */ (client).clientOptions.documentSelector;
  assert.ok(selector.some((/** @type {any} */ s) => s.language === "twl"));
  // the process the extension started speaks LSP
  const child = client.child;
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  connection.listen();
  /** @type {any} */
  const result = await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(result.serverInfo.name, "twimlc");
  await connection.sendRequest("shutdown");
  connection.dispose();
  await extension.deactivate();
});

test("Don't Show Again is remembered; the output channel still says why", async () => {
  const ctx = context();
  reset({ path: "/nonexistent/twimlc" }, "Don't Show Again");
  await extension.activate(ctx);
  assert.equal(vscode.state.warnings.length, 1);
  reset({ path: "/nonexistent/twimlc" });
  await extension.activate(ctx);
  assert.deepEqual(vscode.state.warnings, []);
  assert.match(vscode.state.logged.join("\n"), /was not found/);
  await extension.deactivate();
});

test("language-configuration.json: JavaScript reads its patterns as intended", () => {
  const config = JSON.parse(require("fs").readFileSync(require.resolve("../language-configuration.json"), "utf8"));
  const head = new RegExp(config.indentationRules.increaseIndentPattern);
  new RegExp(config.indentationRules.decreaseIndentPattern);
  new RegExp(config.wordPattern);
  /** @type {{beforeText: string, previousLineText?: string}[]} */
  const rules = config.onEnterRules;
  for (const rule of rules) {
    new RegExp(rule.beforeText);
    if (rule.previousLineText) new RegExp(rule.previousLineText);
  }
  const continued = new RegExp(rules[3].beforeText);
  const blocks = ["gather:", "gather numDigits=1:  # menu", 'say "x":# c', "    language=en-GB:", "x=[a]:"];
  const notBlocks = ['say "a:"', 'say "x" # note:', "gather numDigits=1:#", 'gather: say "x"', "# a:", 'say "x"#c:'];
  for (const line of blocks) assert.ok(head.test(line), line);
  for (const line of notBlocks) assert.ok(!head.test(line), line);
  for (const line of ["record action=/a \\", 'say "a # b" \\', "    numDigits=1 \\  "]) assert.ok(continued.test(line), line);
  for (const line of ["say a\\", "say x # c \\", 'say "x"#c \\', "x=[a]#c \\"]) assert.ok(!continued.test(line), line);
});

// @ts-check
// The twimlc extension: highlighting comes from the TextMate grammar (package.json); this
// file starts the language server, `twimlc lsp` over stdio, when there is one. Settings:
// twimlc.path (the command) and twimlc.args (its arguments, ["lsp"] by default).
"use strict";

const vscode = require("vscode");
const { LanguageClient, CloseAction, ErrorAction } = require("vscode-languageclient/node");
const server = require("./server");

const HIDE_KEY = "twimlc.hideServerMessages";

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.LogOutputChannel | undefined} */
let output;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("twimlc", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("twimlc.restartServer", () => restart(context, true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("twimlc")) void restart(context, false);
    }),
  );
  await start(context, false);
}

async function deactivate() {
  await stop();
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (e) {
      output?.warn(`stopping the language server: ${e}`);
    }
  }
}

/** @param {vscode.ExtensionContext} context @param {boolean} asked */
async function restart(context, asked) {
  await stop();
  await start(context, asked);
}

/**
 * Shows why the server is not running (once, unless the user asked or hid it).
 * @param {vscode.ExtensionContext} context @param {string} message @param {boolean} asked
 */
async function tell(context, message, asked) {
  output?.warn(message);
  if (!asked && context.globalState.get(HIDE_KEY)) return;
  const choice = await vscode.window.showWarningMessage(message, "Open Settings", "Don't Show Again");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "twimlc.");
  } else if (choice === "Don't Show Again") {
    await context.globalState.update(HIDE_KEY, true);
  }
}

/** @param {vscode.ExtensionContext} context @param {boolean} asked */
async function start(context, asked) {
  const config = vscode.workspace.getConfiguration("twimlc");
  const command = config.get("path", "twimlc") || "twimlc";
  const args = config.get("args", ["lsp"]);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const executable = server.findExecutable(command, process.env, cwd);
  if (!executable) {
    await tell(context, server.notFoundMessage(command), asked);
    return;
  }
  const problem = await server.probe(executable, args, { cwd });
  if (problem) {
    await tell(context, problem.message, asked);
    return;
  }
  output?.info(`starting the language server: ${[executable, ...args].join(" ")}`);
  /** @type {import("./server").ServerExit | undefined} */
  let lastExit;
  /** @type {number[]} */
  const restarts = [];
  client = new LanguageClient(
    "twimlc",
    "twimlc language server",
    () =>
      server.spawnServer(executable, args, {
        cwd,
        log: (text) => output?.append(text),
        onExit: (exit) => {
          lastExit = exit;
        },
      }),
    {
      documentSelector: [
        { scheme: "file", language: "twl" },
        { scheme: "untitled", language: "twl" },
        // TwiML XML gets diagnostics too (XML whose root is not <Response> gets none)
        { scheme: "file", language: "xml" },
      ],
      outputChannel: output,
      initializationFailedHandler: () => false,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          const why = lastExit ? server.explainExit(lastExit) : undefined;
          if (why?.kind === "no-lsp") {
            void tell(context, why.message, asked);
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          // as vscode-languageclient does by default: up to 4 restarts in 3 minutes
          const now = Date.now();
          restarts.push(now);
          while (restarts.length && now - restarts[0] > 3 * 60 * 1000) restarts.shift();
          if (restarts.length <= 4) return { action: CloseAction.Restart, handled: true };
          void tell(context, `${why?.message ?? "twimlc: the language server stopped"} It was not restarted.`, true);
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    },
  );
  try {
    await client.start();
  } catch (e) {
    const why = lastExit ? server.explainExit(lastExit).message : `twimlc: the language server did not start: ${e}`;
    client = undefined;
    await tell(context, why, asked);
  }
}

module.exports = { activate, deactivate };

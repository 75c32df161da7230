// @ts-check
// Finding and starting the twimlc language server (`twimlc lsp`, over stdio), and saying
// in words why it could not start. No dependency on the `vscode` module, so that
// test/client.test.js runs it in plain node against real processes.
"use strict";

const childProcess = require("child_process");
const fs = require("fs");
const path = require("path");

/**
 * How a server process ended.
 * @typedef {{command: string, args: string[], code: number | null, signal: string | null, stderr: string}} ServerExit
 */

/**
 * The executable a command names: a path (absolute, or relative to `cwd`), or a name
 * looked up on PATH (with PATHEXT on Windows). Null when there is none.
 * @param {string} command
 * @param {NodeJS.ProcessEnv} [env]
 * @param {string} [cwd]
 * @returns {string | null}
 */
function findExecutable(command, env = process.env, cwd = process.cwd()) {
  const windows = process.platform === "win32";
  const extensions = windows ? ["", ...(env.PATHEXT || ".EXE;.CMD;.BAT;.COM").split(";")] : [""];
  /** @param {string} file */
  const runnable = (file) => {
    for (const ext of extensions) {
      const candidate = file + ext;
      try {
        if (fs.statSync(candidate).isFile()) {
          if (!windows) fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        }
      } catch {
        // not there, or not executable: try the next one
      }
    }
    return null;
  };
  if (command.includes("/") || (windows && command.includes("\\"))) {
    return runnable(path.resolve(cwd, command));
  }
  for (const dir of (env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    const found = runnable(path.join(dir, command));
    if (found) return found;
  }
  return null;
}

/**
 * What went wrong, in words, from how the process ended.
 * @param {ServerExit} exit
 * @returns {{kind: "no-lsp" | "failed", message: string}}
 */
function explainExit(exit) {
  const shown = [exit.command, ...exit.args].join(" ");
  if (exit.code === 2 && /invalid choice: '?lsp'?|unknown command.*lsp|no such command.*lsp/i.test(exit.stderr)) {
    return {
      kind: "no-lsp",
      message:
        `twimlc: ${exit.command} has no language server yet (\`twimlc lsp\`). ` +
        "Highlighting works without it; diagnostics in the editor need a twimlc release with `twimlc lsp`.",
    };
  }
  const firstLine = exit.stderr.split(/\r?\n/).find((l) => l.trim()) || "";
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return {
    kind: "failed",
    message: `twimlc: the language server (${shown}) stopped (${how})${firstLine ? `: ${firstLine.trim()}` : ""}.`,
  };
}

/**
 * The message for a command that cannot be found.
 * @param {string} command
 */
function notFoundMessage(command) {
  return (
    `twimlc: the command '${command}' was not found, so the language server is off. ` +
    "Highlighting works without it. Install twimlc (pip install twimlc) or set twimlc.path."
  );
}

/**
 * Asks the server command whether it exists before starting it: runs it with `--help`
 * appended (`twimlc lsp --help`). Resolves with null when it answers, or with what went
 * wrong.
 * @param {string} command
 * @param {string[]} args
 * @param {{cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number}} [options]
 * @returns {Promise<{kind: "no-lsp" | "failed", message: string} | null>}
 */
function probe(command, args, options = {}) {
  return new Promise((resolve) => {
    childProcess.execFile(
      command,
      [...args, "--help"],
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 15000, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return resolve(null);
        const e = /** @type {NodeJS.ErrnoException & {code?: string | number, signal?: string}} */ (error);
        if (e.code === "ENOENT") return resolve({ kind: "failed", message: notFoundMessage(command) });
        const code = typeof e.code === "number" ? e.code : null;
        resolve(explainExit({ command, args, code, signal: e.signal || null, stderr: String(stderr) }));
      },
    );
  });
}

/**
 * Starts the server with its standard input and output as the LSP connection. Resolves
 * once the process runs (vscode-languageclient's ServerOptions accept this); its
 * standard error goes to `log`, and `onExit` learns how it ended.
 * @param {string} command
 * @param {string[]} args
 * @param {{cwd?: string, env?: NodeJS.ProcessEnv, log?: (text: string) => void, onExit?: (exit: ServerExit) => void}} [options]
 * @returns {Promise<childProcess.ChildProcessWithoutNullStreams>}
 */
function spawnServer(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: "pipe",
      windowsHide: true,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (/** @type {string} */ text) => {
      if (stderr.length < 65536) stderr += text;
      if (options.log) options.log(text);
    });
    child.once("error", reject); // ENOENT, EACCES: never started
    child.once("spawn", () => resolve(child));
    child.once("close", (code, signal) => {
      if (options.onExit) options.onExit({ command, args, code, signal, stderr });
    });
  });
}

module.exports = { findExecutable, explainExit, notFoundMessage, probe, spawnServer };

// @ts-check
// Tokenizes .twl text with the engine VS Code uses: vscode-textmate and vscode-oniguruma.
//
//   node test/tokenize.js FILE...   prints {"FILE": [[[start, end, [scopes…]], …] per line], …} as JSON
//
// Each line is tokenized as VS Code does: the text without its line break, with the rule
// stack carried from the line before. Scopes are listed without the root "source.twl".
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const GRAMMAR = path.join(__dirname, "..", "syntaxes", "twl.tmLanguage.json");
const SCOPE = "source.twl";

/** @type {Promise<vsctm.IGrammar> | undefined} */
let loaded;

/** The .twl grammar, loaded once. @returns {Promise<vsctm.IGrammar>} */
function grammar() {
  if (!loaded) {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    const onigLib = oniguruma.loadWASM(wasm.buffer).then(() => ({
      createOnigScanner: (/** @type {string[]} */ sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (/** @type {string} */ text) => new oniguruma.OnigString(text),
    }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === SCOPE ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null,
    });
    loaded = registry.loadGrammar(SCOPE).then((g) => {
      if (!g) throw new Error(`cannot load ${GRAMMAR}`);
      return g;
    });
  }
  return loaded;
}

/**
 * The tokens of each line: [start, end, scopes] with columns in UTF-16 code units, as VS
 * Code counts them.
 * @param {string} text
 * @returns {Promise<Array<Array<[number, number, string[]]>>>}
 */
async function tokenize(text) {
  const g = await grammar();
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  let stack = vsctm.INITIAL;
  /** @type {Array<Array<[number, number, string[]]>>} */
  const out = [];
  for (const line of lines) {
    const r = g.tokenizeLine(line, stack);
    if (r.stoppedEarly) throw new Error(`tokenizing stopped early on: ${line}`);
    out.push(
      r.tokens.map((t) => [t.startIndex, Math.min(t.endIndex, line.length), t.scopes.filter((s) => s !== SCOPE)]),
    );
    stack = r.ruleStack;
  }
  return out;
}

module.exports = { tokenize, GRAMMAR };

if (require.main === module) {
  (async () => {
    /** @type {Record<string, unknown>} */
    const result = {};
    for (const file of process.argv.slice(2)) result[file] = await tokenize(fs.readFileSync(file, "utf8"));
    process.stdout.write(JSON.stringify(result));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

// @ts-check
// Golden tests of the TextMate grammar: each test/cases/NAME.twl is tokenized with
// vscode-textmate + vscode-oniguruma (as VS Code does) and compared with NAME.tokens.
//
//   node test/run.js              compare; exit 1 and show the differences on a mismatch
//   node test/run.js --update     rewrite the .tokens files from the current grammar
//   node test/run.js --show FILE  print the tokens of any .twl file in the same format
//
// The .tokens format, one block per source line:
//   > say "Hi" voice=alice                       the line, after "> "
//     0-3 "say" keyword.other.element.twl        start-end (UTF-16 columns), text, scopes
// Tokens that are only white space with no scope are left out.
"use strict";

const fs = require("fs");
const path = require("path");
const { tokenize } = require("./tokenize.js");

const CASES = path.join(__dirname, "cases");

/** @param {string} text */
async function render(text) {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const tokens = await tokenize(text);
  /** @type {string[]} */
  const out = [];
  tokens.forEach((lineTokens, i) => {
    const line = lines[i];
    out.push(line === "" ? ">" : `> ${line}`);
    for (const [start, end, scopes] of lineTokens) {
      const piece = line.slice(start, end);
      if (scopes.length === 0 && piece.trim() === "") continue;
      out.push(`  ${start}-${end} ${JSON.stringify(piece)} ${scopes.join(" ") || "-"}`);
    }
  });
  return out.join("\n") + "\n";
}

/** A line-by-line difference, short enough to read. @param {string} want @param {string} got */
function diff(want, got) {
  const a = want.split("\n");
  const b = got.split("\n");
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 40; i++) {
    if (a[i] !== b[i]) out.push(`  line ${i + 1}:\n    - ${a[i] ?? "(none)"}\n    + ${b[i] ?? "(none)"}`);
  }
  return out.join("\n");
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--show") {
    for (const file of args.slice(1)) process.stdout.write(await render(fs.readFileSync(file, "utf8")));
    return 0;
  }
  const update = args.includes("--update");
  const cases = fs.readdirSync(CASES).filter((f) => f.endsWith(".twl")).sort();
  if (cases.length === 0) throw new Error(`no .twl cases in ${CASES}`);
  let failed = 0;
  for (const name of cases) {
    const source = path.join(CASES, name);
    const golden = source.replace(/\.twl$/, ".tokens");
    const got = await render(fs.readFileSync(source, "utf8"));
    if (update) {
      fs.writeFileSync(golden, got);
      continue;
    }
    const want = fs.existsSync(golden) ? fs.readFileSync(golden, "utf8") : "";
    if (want !== got) {
      failed++;
      console.log(`FAIL ${name}: tokens differ from ${path.basename(golden)} (node test/run.js --update)`);
      console.log(diff(want, got));
    }
  }
  if (update) {
    console.log(`updated ${cases.length} .tokens files`);
    return 0;
  }
  console.log(`${cases.length - failed} passed, ${failed} failed: TextMate grammar golden cases`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);

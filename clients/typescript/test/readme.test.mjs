// The README's quick start runs as written, with LOBBYD_URL set, and prints what it says.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startStack } from "./harness.mjs";

const run = promisify(execFile);
const PACKAGE = new URL("..", import.meta.url);
// Inside the package, so that `import ... from "@lobbyd/client"` resolves to it.
const SCRIPT = new URL("quickstart.readme-test.mjs", PACKAGE);

let stack;
before(async () => {
  stack = await startStack({ redis: false });
});
after(async () => {
  await rm(SCRIPT, { force: true });
  await stack?.stop();
});

function blocks(markdown, heading) {
  const section = markdown.split(heading)[1].split("\n## ")[0];
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

test("the quick start runs as written and prints what the README shows", async () => {
  const readme = await readFile(new URL("README.md", PACKAGE), "utf8");
  const [code, printed] = blocks(readme, "## Quick start");
  assert.equal(code.lang, "js");
  await writeFile(SCRIPT, code.text);
  const { stdout } = await run(process.execPath, [SCRIPT.pathname], {
    env: { ...process.env, LOBBYD_URL: stack.url },
    timeout: 60_000,
  });
  assert.equal(stdout, printed.text);
});

// Regenerate src/openapi.ts from a lobbyd server's /openapi.json: the one at LOBBYD_URL when it
// is set, else a `lobbyd serve` started for the purpose (see test/harness.mjs).
import { writeFile } from "node:fs/promises";
import { typesOf } from "./openapi-types.mjs";
import { startStack } from "../test/harness.mjs";

const target = new URL("../src/openapi.ts", import.meta.url);
let stack;
let base = process.env.LOBBYD_URL;
if (!base) {
  stack = await startStack({ redis: false });
  base = stack.url;
}
try {
  const response = await fetch(new URL("/openapi.json", base));
  if (!response.ok) throw new Error(`GET /openapi.json: ${response.status}`);
  await writeFile(target, await typesOf(await response.json()));
  console.log(`wrote ${target.pathname} from ${base}/openapi.json`);
} finally {
  await stack?.stop();
}

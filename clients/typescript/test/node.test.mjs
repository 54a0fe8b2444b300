// The SDK in Node against a real `lobbyd serve` (and redis-server): the types match the
// server's /openapi.json, every operation has a method, and the whole flow works.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import * as sdk from "../dist/index.js";
import { typesOf } from "../scripts/openapi-types.mjs";
import { fullFlow } from "./flow.js";
import { startStack } from "./harness.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

async function openapi() {
  const response = await fetch(`${stack.url}/openapi.json`);
  assert.equal(response.status, 200);
  return response.json();
}

test("the generated types match the server's /openapi.json (else: npm run generate)", async () => {
  const committed = await readFile(new URL("../src/openapi.ts", import.meta.url), "utf8");
  assert.equal(await typesOf(await openapi()), committed);
});

test("every operation of the server has a client method", async () => {
  const document = await openapi();
  const ids = Object.values(document.paths).flatMap((item) =>
    Object.values(item).map((operation) => operation.operationId),
  );
  assert.deepEqual(ids.filter((id) => !(id in sdk.OPERATIONS)), []);
  for (const method of Object.values(sdk.OPERATIONS)) {
    assert.equal(typeof sdk.LobbydClient.prototype[method], "function", method);
  }
});

test("the package speaks the server's API version", async () => {
  assert.equal(sdk.API_VERSION, (await openapi()).info.version);
});

test("the whole flow: register, friends, launch, join, sockets, restart, kick, end", async () => {
  const result = await fullFlow(sdk, stack.url, () => stack.restart());
  assert.ok(result.hostReconnects >= 1);
  console.log("node flow:", JSON.stringify(result));
});

test("errors are LobbydError with the status, the code and a message", async () => {
  const client = new sdk.LobbydClient(stack.url);
  const error = await client.getSession(1).catch((e) => e);
  assert.ok(error instanceof sdk.LobbydError);
  assert.equal(error.status, 401);
  assert.equal(error.code, "unauthorized");
  assert.match(error.message, /token/);
  const invalid = await client.login("not-a-uuid", "x").catch((e) => e);
  assert.equal(invalid.status, 422);
  assert.equal(invalid.code, "validation");
  assert.ok(invalid.detail.length >= 1);
});

test("a socket refused for a bad token reports a typed close and stops", async () => {
  const client = new sdk.LobbydClient(stack.url, { token: "not-a-token" });
  const socket = client.sync("no-such-key", { maxRetries: 0 });
  const closed = await socket.closed;
  assert.equal(closed.kind, "unauthorized");
  assert.equal(closed.willReconnect, false);
});

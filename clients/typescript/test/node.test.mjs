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

test("the token travels as the bearer subprotocol, and a refused socket closes typed", async () => {
  const [a, b] = [new sdk.LobbydClient(stack.url), new sdk.LobbydClient(stack.url)];
  const [hostAccount, strangerAccount] = [await a.register(), await b.register()];
  await a.login(hostAccount.uuid, hostAccount.secret);
  await b.login(strangerAccount.uuid, strangerAccount.secret);
  const launched = await a.launchSession({ host: hostAccount.uuid });
  const { default: WS } = await import("ws");
  const handshakes = [];
  class Recording extends WS {
    constructor(url, protocols) {
      super(url, protocols);
      handshakes.push({ url, protocols, socket: this });
    }
  }
  const member = a.sync(launched.source_of_truth_key, { WebSocket: Recording });
  await member.ready;
  assert.deepEqual(handshakes[0].protocols, ["lobbyd", `bearer.${a.token}`]);
  assert.equal(new URL(handshakes[0].url).searchParams.get("token"), null);
  assert.equal(handshakes[0].socket.protocol, "lobbyd"); // the server chose it
  member.close();
  // Not a member: accepted, then closed at once with 4404 and the reason.
  const stranger = b.sync(launched.source_of_truth_key, { WebSocket: Recording });
  const closed = await stranger.closed;
  assert.deepEqual(
    { code: closed.code, kind: closed.kind, again: closed.willReconnect },
    { code: 4404, kind: "not_found", again: false },
  );
  assert.match(closed.reason, /^no_document: /);
  assert.deepEqual(handshakes[1].protocols, ["lobbyd", `bearer.${b.token}`]);
  // A bad token through the subprotocol: 4401, retried once with a fresh token, then final.
  const bad = new sdk.LobbydClient(stack.url, { token: "not-a-token" });
  const refused = await bad.sync(launched.source_of_truth_key, { maxRetries: 0 }).closed;
  assert.deepEqual([refused.code, refused.kind], [4401, "unauthorized"]);
  assert.match(refused.reason, /^unauthorized: /);
  await a.endSession(launched.session_id);
  a.close();
  b.close();
});

test("metrics() answers the Prometheus text; adminSessions() is for admins only", async () => {
  const client = new sdk.LobbydClient(stack.url);
  const text = await client.metrics();
  assert.match(text, /^# (HELP|TYPE) /m);
  const account = await client.register();
  await client.login(account.uuid, account.secret);
  const refused = await client.adminSessions({ take: 1 }).catch((e) => e);
  assert.ok(refused instanceof sdk.LobbydError);
  assert.equal(refused.status, 403);
  client.close();
});

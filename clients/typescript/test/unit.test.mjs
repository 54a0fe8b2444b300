// Parts of the SDK that need no server: merge-patch, document order, token renewal timing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LobbydClient, applyChange, fromSnapshot, mergePatch } from "../dist/index.js";

test("merge patch follows RFC 7396", () => {
  assert.deepEqual(mergePatch({ a: "b", c: { d: "e", f: "g" } }, { a: "z", c: { f: null } }), {
    a: "z",
    c: { d: "e" },
  });
  assert.deepEqual(mergePatch({ a: [1] }, { a: [2, 3] }), { a: [2, 3] });
  assert.deepEqual(mergePatch("x", { a: 1 }), { a: 1 });
  assert.equal(mergePatch({ a: 1 }, null), null);
});

test("changes apply to a copy: members join, update and leave", () => {
  const start = fromSnapshot({ version: 1, state: {}, members: { h: {} } });
  const joined = applyChange(start, { type: "member_joined", version: 2, player: "g" });
  const updated = applyChange(joined, {
    type: "member_updated",
    version: 3,
    player: "g",
    document: { ready: true },
  });
  const left = applyChange(updated, { type: "member_kicked", version: 4, player: "g" });
  assert.deepEqual(Object.keys(start.members), ["h"]);
  assert.deepEqual(updated.members.g, { ready: true });
  assert.deepEqual(Object.keys(left.members), ["h"]);
  assert.equal(left.version, 4);
});

function fakeServer(expiresIn) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ path: new URL(url).pathname, auth: init.headers.authorization });
    const token = `t${calls.length}`;
    return new Response(JSON.stringify({ token, expires_in: expiresIn }), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { calls, fetch };
}

test("the token is renewed before it expires, and the new one is used", async () => {
  const server = fakeServer(1); // renewed a tenth of its lifetime early: after 0.9 s
  const client = new LobbydClient("http://lobbyd.test", { fetch: server.fetch });
  const seen = [];
  client.onToken((token) => seen.push(token));
  await client.login("00000000-0000-4000-8000-000000000000", "secret");
  await new Promise((resolve) => setTimeout(resolve, 1300));
  client.close();
  assert.equal(server.calls[0].auth.startsWith("Basic "), true);
  assert.equal(server.calls[1].path, "/hosts/access_token/renew");
  assert.equal(server.calls[1].auth, "Bearer t1");
  assert.deepEqual(seen.slice(0, 2), ["t1", "t2"]);
  assert.equal(client.token, seen.at(-1));
});

test("renewal can be turned off", async () => {
  const server = fakeServer(1);
  const client = new LobbydClient("http://lobbyd.test", { fetch: server.fetch, renewBefore: 0 });
  await client.login("00000000-0000-4000-8000-000000000000", "secret");
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal(server.calls.length, 1);
});

test("the package states the API version it speaks, in package.json and in the code", async () => {
  const { API_VERSION } = await import("../dist/index.js");
  const { readFile } = await import("node:fs/promises");
  const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
  assert.equal(manifest.lobbyd.api, API_VERSION);
});

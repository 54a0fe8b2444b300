// SyncSocket against a scripted WebSocket server (the `ws` package): the handshake's token,
// refusals by close code, a fresh token after 4401, catching up after a gap, and signals.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { WebSocketServer } from "ws";
import { SyncSocket } from "../dist/index.js";

let server;
let base;
let script; // (socket, request, index) => void, per connection
let connections;

before(async () => {
  server = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    handleProtocols: (protocols) => (protocols.has("lobbyd") ? "lobbyd" : false),
  });
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  server.on("connection", (socket, request) => {
    connections.push(request);
    script(socket, request, connections.length - 1);
  });
});
after(() => new Promise((resolve) => server.close(resolve)));

const opened = [];
afterEach(() => {
  for (const sync of opened.splice(0)) sync.close(); // even when a test failed
  for (const client of server.clients) client.terminate();
});

function open(...args) {
  const sync = new SyncSocket(...args);
  opened.push(sync);
  return sync;
}

function setup(handler) {
  connections = [];
  script = handler;
}

const snapshot = (version, state = {}) =>
  JSON.stringify({ type: "snapshot", version, state, members: {}, ended: false });
const query = (request) => new URL(request.url, "http://x").searchParams;
const fast = { backoff: 5, backoffMax: 20 };

test("the token is offered as the subprotocol bearer.<token> by default, not in the URL", async () => {
  setup((socket) => socket.send(snapshot(1)));
  const sync = open(base, "k", () => "T2", fast);
  await sync.ready;
  const offered = connections[0].headers["sec-websocket-protocol"].split(",").map((p) => p.trim());
  assert.deepEqual(offered, ["lobbyd", "bearer.T2"]);
  assert.equal(sync.connected, true); // the server chose `lobbyd`
  assert.equal(query(connections[0]).get("token"), null);
  sync.close();
  assert.equal((await sync.closed).kind, "closed");
});

test("with tokenVia query the token goes in ?token= and no subprotocol is offered", async () => {
  setup((socket) => socket.send(snapshot(1)));
  const sync = open(base, "k", () => "T1", { ...fast, tokenVia: "query" });
  await sync.ready;
  assert.equal(query(connections[0]).get("token"), "T1");
  assert.equal(connections[0].headers["sec-websocket-protocol"], undefined);
  sync.close();
});

for (const [code, kind] of [
  [4403, "forbidden"],
  [4422, "invalid"],
]) {
  test(`a ${code} close is final and typed ${kind}`, async () => {
    setup((socket) => socket.close(code, `${kind}: refused`));
    const sync = open(base, "k", () => "T", fast);
    const closed = await sync.closed;
    assert.deepEqual(
      { kind: closed.kind, code: closed.code, again: closed.willReconnect },
      { kind, code, again: false },
    );
    assert.equal(connections.length, 1);
  });
}

test("a 4429 close (too many sockets) retries with backoff", async () => {
  setup((socket, request, index) => {
    if (index === 0) socket.close(4429, "too_many_sockets: close one first");
    else socket.send(snapshot(3));
  });
  const sync = open(base, "k", () => "T", fast);
  const kinds = [];
  sync.on("close", (event) => kinds.push(`${event.code}:${event.kind}:${event.willReconnect}`));
  assert.equal((await sync.ready).version, 3);
  assert.deepEqual(kinds, ["4429:too_many_sockets:true"]);
  sync.close();
});

test("signal() sends {type: signal, to, data} and resolves on its ack; signals arrive as events", async () => {
  const sent = [];
  setup((socket) => {
    socket.send(snapshot(1));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      sent.push(message);
      if (message.to === "stranger")
        socket.send(
          JSON.stringify({ type: "error", id: message.id, code: "not_member", message: "no", version: 1 }),
        );
      else socket.send(JSON.stringify({ type: "ack", id: message.id, version: 1 }));
    });
    socket.send(JSON.stringify({ type: "signal", from: "h", data: { kind: "offer" } }));
  });
  const sync = open(base, "k", () => "T", fast);
  const signal = new Promise((resolve) => sync.on("signal", resolve));
  const versions = [];
  sync.on("change", (change) => versions.push(change.version));
  assert.deepEqual(await signal, { type: "signal", from: "h", data: { kind: "offer" } });
  await sync.signal("g", { kind: "answer" });
  assert.deepEqual(
    { type: sent[0].type, to: sent[0].to, data: sent[0].data },
    { type: "signal", to: "g", data: { kind: "answer" } },
  );
  await assert.rejects(sync.signal("stranger", {}), (error) => error.code === "not_member");
  assert.equal(sync.version, 1); // signals leave the document alone
  assert.deepEqual(versions, []);
  sync.close();
});

test("a 4404 close is final and typed", async () => {
  setup((socket) => socket.close(4404, "no such document"));
  const sync = open(base, "k", () => "T", fast);
  const closed = await sync.closed;
  assert.deepEqual(
    { kind: closed.kind, code: closed.code, reason: closed.reason, again: closed.willReconnect },
    { kind: "not_found", code: 4404, reason: "no such document", again: false },
  );
  assert.equal(connections.length, 1);
});

test("after 4401 the socket asks for a fresh token and reconnects with it", async () => {
  setup((socket, request) => {
    const offered = request.headers["sec-websocket-protocol"];
    if (offered.includes("bearer.old")) socket.close(4401, "token expired");
    else socket.send(snapshot(7));
  });
  let token = "old";
  const sync = open(base, "k", () => token, {
    ...fast,
    refreshToken: async () => (token = "new"),
  });
  const doc = await sync.ready;
  assert.equal(doc.version, 7);
  const tokens = connections.map((r) => r.headers["sec-websocket-protocol"].split(",")[1].trim());
  assert.deepEqual(tokens, ["bearer.old", "bearer.new"]);
  sync.close();
});

test("a second 4401 in a row is final", async () => {
  setup((socket) => socket.close(4401, "bad token"));
  const sync = open(base, "k", () => "bad", { ...fast, refreshToken: async () => "bad" });
  const closed = await sync.closed;
  assert.equal(closed.kind, "unauthorized");
  assert.equal(connections.length, 2);
});

test("a gap in the versions reconnects with since= and the changes arrive in order", async () => {
  setup((socket, request, index) => {
    if (index === 0) {
      socket.send(snapshot(1, { n: 1 }));
      socket.send(JSON.stringify({ type: "state_patch", version: 3, patch: { n: 3 } })); // 2 lost
    } else {
      assert.equal(query(request).get("since"), "1");
      socket.send(JSON.stringify({ type: "state_patch", version: 2, patch: { n: 2 } }));
      socket.send(JSON.stringify({ type: "state_patch", version: 3, patch: { n: 3 } }));
    }
  });
  const sync = open(base, "k", () => "T", fast);
  const versions = [];
  sync.on("change", (change) => versions.push(change.version));
  const doc = await sync.waitFor((d) => d.version === 3, 5000);
  assert.deepEqual(versions, [2, 3]);
  assert.equal(doc.state.n, 3);
  sync.close();
});

test("a write resolves with its ack's version; a refusal rejects with the code", async () => {
  setup((socket) => {
    socket.send(snapshot(1));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.patch?.ok) socket.send(JSON.stringify({ type: "ack", id: message.id, version: 2 }));
      else
        socket.send(
          JSON.stringify({ type: "error", id: message.id, code: "forbidden", message: "no", version: 1 }),
        );
    });
  });
  const sync = open(base, "k", () => "T", fast);
  assert.equal(await sync.patch({ ok: true }), 2);
  await assert.rejects(sync.patch({ ok: false }), (error) => error.code === "forbidden");
  sync.close();
});

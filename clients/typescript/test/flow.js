// The whole flow a game goes through, written once for Node and for the browser: it takes the
// SDK module, the server's URL and a function that restarts the server, and throws on failure.
// Returns what it saw, for the caller to report.

/** Wait until `check()` is truthy (checked after every event of `socket`, and every 20 ms). */
async function until(check, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export async function fullFlow(sdk, url, restart) {
  const { LobbydClient, LobbydError } = sdk;
  const seen = { hostVersions: [], guestVersions: [], closes: { host: [], guest: [] } };

  // register and log in
  const host = new LobbydClient(url);
  const guest = new LobbydClient(url);
  const hostAccount = await host.register();
  const guestAccount = await guest.register();
  await host.login(hostAccount.uuid, hostAccount.secret);
  await guest.login(guestAccount.uuid, guestAccount.secret);
  assert(host.token && guest.token, "logged in");

  // only_friends: a stranger is not welcome
  const only = await host.setOnlyFriends(hostAccount.uuid, true);
  assert(only.only_friends === true, "only_friends set");
  const launched = await host.launchSession({ host: hostAccount.uuid });
  assert(launched.created === true, "a new session (201)");
  let refused = null;
  try {
    await guest.join({ host: hostAccount.uuid, guest: guestAccount.uuid });
  } catch (error) {
    refused = error;
  }
  assert(refused instanceof LobbydError, "a LobbydError");
  assert(refused.status === 404 && refused.code === "not_welcome", `not_welcome: ${refused}`);

  // befriend, then join with a ticket
  const befriended = await host.befriend(hostAccount.uuid, guestAccount.uuid);
  assert(befriended.friends.includes(guestAccount.uuid), "befriended");
  const joined = await guest.join({ host: hostAccount.uuid, guest: guestAccount.uuid });
  assert(joined.session_id === launched.session_id, "joined the session");
  assert(typeof joined.ticket === "string" && joined.ticket.split(".").length === 3, "a ticket");
  const key = launched.source_of_truth_key;

  // both sockets
  const options = { backoff: 50, backoffMax: 500 };
  const hostSocket = host.sync(key, options);
  const guestSocket = guest.sync(key, options);
  hostSocket.on("change", (change) => seen.hostVersions.push(change.version));
  guestSocket.on("change", (change) => seen.guestVersions.push(change.version));
  hostSocket.on("close", (event) => seen.closes.host.push(event));
  guestSocket.on("close", (event) => seen.closes.guest.push(event));
  const [hostDoc, guestDoc] = await Promise.all([hostSocket.ready, guestSocket.ready]);
  assert(guestAccount.uuid in hostDoc.members && guestAccount.uuid in guestDoc.members, "members");

  // ICE servers (none configured here) and signals: socket to socket, and over HTTP
  const ice = await guest.ice(launched.session_id);
  assert(Array.isArray(ice.ice_servers) && typeof ice.expires_at === "string", "an ICE answer");
  const nextSignal = (socket) => new Promise((resolve) => {
    const stop = socket.on("signal", (signal) => {
      stop();
      resolve(signal);
    });
  });
  const toHost = nextSignal(hostSocket);
  await guestSocket.signal(hostAccount.uuid, { kind: "offer", sdp: "v=0" });
  const offer = await toHost;
  assert(offer.from === guestAccount.uuid && offer.data.sdp === "v=0", "the host got the offer");
  const toGuest = nextSignal(guestSocket);
  await host.sendSignal(key, guestAccount.uuid, { kind: "answer" });
  const answer = await toGuest;
  assert(answer.from === hostAccount.uuid && answer.data.kind === "answer", "the guest got it");
  let notMember = null;
  await guestSocket.signal(hostAccount.uuid.replace(/^./, (c) => (c === "0" ? "1" : "0")), {}).catch(
    (error) => (notMember = error),
  );
  assert(notMember?.code === "not_member", `a signal to a stranger: ${notMember}`);
  seen.signals = [offer.data.kind, answer.data.kind];

  // a state patch by the host, seen by the guest
  const version = await hostSocket.patch({ board: ["x", null, null], turn: "o" });
  await until(() => guestSocket.document?.version >= version, "the guest to see the patch");
  assert(guestSocket.document.state.board[0] === "x", "the guest sees the board");
  await guestSocket.setMember({ ready: true });
  await until(() => hostSocket.document.members[guestAccount.uuid]?.ready, "the member document");

  // the server restarts: both sockets reconnect with since= and miss nothing
  await restart();
  await until(() => hostSocket.connected && guestSocket.connected, "both sockets to reconnect");
  assert(hostSocket.reconnects >= 1 && guestSocket.reconnects >= 1, "reconnected");
  const after = await hostSocket.patch({ board: { 0: null }, turn: "x" }).catch(async () => {
    return hostSocket.patch({ turn: "x" }); // a write racing the reconnection is retried once
  });
  await until(() => guestSocket.document.version >= after, "the guest to see the next patch");
  assert(guestSocket.document.state.turn === "x", "state after the restart");
  for (const versions of [seen.hostVersions, seen.guestVersions]) {
    versions.forEach((v, i) => i === 0 || assert(v === versions[i - 1] + 1, `in order: ${versions}`));
  }
  const restartCloses = seen.closes.guest.filter((event) => event.willReconnect);
  assert(restartCloses.length >= 1, "the restart was a close with reconnection");

  // the host heartbeats (the helper), then kicks the guest
  const beat = host.keepAlive(launched.session_id, { interval: 0.2 });
  await until(() => beat.last, "a heartbeat answer");
  beat.stop();
  await host.kick(launched.session_id, guestAccount.uuid);
  const removed = await guestSocket.closed;
  assert(removed.kind === "removed" && removed.code === 4003, `guest removed: ${removed.kind}`);
  await until(() => !(guestAccount.uuid in hostSocket.document.members), "the host to see the kick");

  // end
  await host.endSession(launched.session_id);
  const ended = await hostSocket.closed;
  assert(ended.kind === "ended" && hostSocket.document.ended, `session ended: ${ended.kind}`);
  let gone = null;
  try {
    await host.getSession(launched.session_id);
  } catch (error) {
    gone = error;
  }
  assert(gone instanceof LobbydError && gone.status === 404, "the ended session is gone");
  host.close();
  guest.close();
  return {
    session: launched.session_id,
    hostReconnects: hostSocket.reconnects,
    signals: seen.signals,
    guestReconnects: guestSocket.reconnects,
    guestVersions: seen.guestVersions,
    closes: {
      host: seen.closes.host.map((e) => `${e.code}:${e.kind}`),
      guest: seen.closes.guest.map((e) => `${e.code}:${e.kind}`),
    },
  };
}

// Host and guest open a WebRTC data channel. lobbyd supplies everything but the game traffic:
// accounts, the session, ICE servers with TURN credentials (GET /sessions/{id}/ice), and
// signaling over the session's sync socket ({"type": "signal", "to", "data"}).
// Query parameters: ?role=host, or ?role=guest&code=HOST_UUID, and &relay=1 for relay only.

const $ = (id) => document.getElementById(id);
const demo = (window.lobbydDemo = { state: "idle", received: [], log: [], route: null });

function note(text) {
  demo.log.push(text);
  const item = document.createElement("li");
  item.textContent = text;
  $("log").append(item);
}

async function api(method, path, { token, body, basic } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (basic) headers.authorization = `Basic ${btoa(basic)}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A player: a registered host account (guests are registered players too).
async function player() {
  const { uuid, secret } = await api("POST", "/hosts");
  const { token } = await api("GET", `/hosts/${uuid}/access_token`, { basic: `${uuid}:${secret}` });
  return { uuid, token };
}

// The sync socket. A browser cannot set headers on a socket, so the token travels as the
// subprotocol `bearer.<token>` beside `lobbyd` (never in the URL, which proxies log).
function openSocket(key, token, onSignal) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/sync/${encodeURIComponent(key)}/ws`;
  const socket = new WebSocket(url, ["lobbyd", `bearer.${token}`]);
  const ready = new Promise((resolve, reject) => {
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "snapshot") resolve();
      else if (message.type === "signal") onSignal(message.from, message.data);
      else if (message.type === "error") note(`lobbyd: ${message.code}: ${message.message}`);
    };
    socket.onclose = (event) => reject(new Error(`socket closed ${event.code} ${event.reason}`));
  });
  const send = (to, data) => socket.send(JSON.stringify({ type: "signal", to, data }));
  return { ready, send };
}

class Peer {
  // One RTCPeerConnection to the other player; candidates wait for the remote description.
  constructor(iceServers, relay, signal) {
    this.signal = signal;
    this.pending = [];
    this.connection = new RTCPeerConnection({
      iceServers,
      iceTransportPolicy: relay ? "relay" : "all",
    });
    this.connection.onicecandidate = ({ candidate }) => {
      if (candidate) this.signal({ kind: "candidate", candidate: candidate.toJSON() });
    };
    this.connection.onconnectionstatechange = () => {
      note(`peer connection: ${this.connection.connectionState}`);
      if (this.connection.connectionState === "failed") setStatus("failed");
    };
    this.connection.ondatachannel = ({ channel }) => this.attach(channel);
  }

  attach(channel) {
    this.channel = channel;
    channel.onopen = async () => {
      setStatus("open");
      demo.route = await route(this.connection);
      $("route").textContent = demo.route ? `(via ${demo.route})` : "";
      channel.send(`hello from the ${demo.role}`);
    };
    channel.onmessage = ({ data }) => {
      demo.received.push(data);
      note(`received: ${data}`);
    };
  }

  async offer() {
    this.attach(this.connection.createDataChannel("game"));
    await this.connection.setLocalDescription(await this.connection.createOffer());
    this.signal({ kind: "description", description: this.connection.localDescription.toJSON() });
  }

  async onSignal(data) {
    if (data.kind === "description") {
      await this.connection.setRemoteDescription(data.description);
      for (const candidate of this.pending.splice(0)) await this.connection.addIceCandidate(candidate);
      if (data.description.type === "offer") {
        await this.connection.setLocalDescription(await this.connection.createAnswer());
        this.signal({ kind: "description", description: this.connection.localDescription.toJSON() });
      }
    } else if (data.kind === "candidate") {
      if (this.connection.remoteDescription) await this.connection.addIceCandidate(data.candidate);
      else this.pending.push(data.candidate);
    }
  }
}

// Which candidate type carries the data: "relay" means through the TURN server.
async function route(connection) {
  const stats = await connection.getStats();
  for (const report of stats.values()) {
    if (report.type === "candidate-pair" && report.state === "succeeded" && report.nominated) {
      const local = stats.get(report.localCandidateId);
      const remote = stats.get(report.remoteCandidateId);
      return `${local?.candidateType}/${remote?.candidateType}`;
    }
  }
  return null;
}

function setStatus(state) {
  demo.state = state;
  $("status").textContent = state;
  $("status").className = state;
}

async function start(role, code, relay) {
  demo.role = role;
  $("role").textContent = role;
  setStatus("starting");
  const me = await player();
  $("me").textContent = me.uuid;
  let session;
  if (role === "host") {
    await api("PUT", `/hosts/${me.uuid}/only_friends`, { token: me.token, body: { only_friends: false } });
    session = await api("POST", "/sessions", { token: me.token, body: { host: me.uuid } });
    $("share").textContent = me.uuid;
  } else {
    session = await api("POST", "/sessions/players", {
      token: me.token,
      body: { host: code, guest: me.uuid },
    });
    $("share").textContent = code;
  }
  const { ice_servers: iceServers } = await api("GET", `/sessions/${session.session_id}/ice`, {
    token: me.token,
  });
  $("ice").textContent = iceServers.map((server) => server.urls.join(", ")).join("; ") || "none";
  let peer = null;
  let other = role === "guest" ? code : null;
  const socket = openSocket(session.source_of_truth_key, me.token, async (from, data) => {
    if (role === "host" && data.kind === "hello") {
      // A guest is listening: offer it a connection (again, if it reloaded).
      other = from;
      peer = new Peer(iceServers, relay, (payload) => socket.send(other, payload));
      note(`guest ${from} is here; offering`);
      await peer.offer();
    } else if (peer && from === other) {
      await peer.onSignal(data);
    }
  });
  await socket.ready;
  setStatus("signaling");
  if (role === "guest") {
    peer = new Peer(iceServers, relay, (payload) => socket.send(other, payload));
    socket.send(other, { kind: "hello" });
  } else {
    note("waiting for a guest");
  }
  demo.send = (text) => {
    peer.channel.send(text);
    note(`sent: ${text}`);
  };
}

function run(role, code, relay) {
  start(role, code, relay).catch((error) => {
    setStatus("failed");
    note(String(error));
  });
}

$("host").onclick = () => run("host", null, $("relay").checked);
$("join").onclick = () => run("guest", $("code").value.trim(), $("relay").checked);
$("send").onclick = () => demo.send?.($("text").value);
const params = new URLSearchParams(location.search);
$("relay").checked = params.get("relay") === "1";
if (params.get("role")) run(params.get("role"), params.get("code"), $("relay").checked);

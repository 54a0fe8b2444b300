// lobbyd console: one page over lobbyd's own API, with the admin token kept in this tab only
// (sessionStorage). Everything shown is set as text, never as HTML.
"use strict";

const TOKEN_KEY = "lobbyd-admin-token";
const POLL_MS = 3000;
const HISTORY = 60; // points kept per chart (3 minutes at POLL_MS)

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- the API ---------------------------------------------------------------------------------

let token = sessionStorage.getItem(TOKEN_KEY);

class ApiError extends Error {
  constructor(status, body) {
    const message = body && typeof body.message === "string" ? body.message : `HTTP ${status}`;
    super(message);
    this.status = status;
    this.code = body && body.code;
  }
}

async function api(method, path, query) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    cache: "no-store",
  });
  if (response.status === 401) signOut("The token was refused (401): paste a valid admin token.");
  const text = await response.text();
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") && text ? JSON.parse(text) : text;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function notify(message, kind = "info") {
  const notice = $("#notice");
  notice.textContent = message;
  notice.className = `notice ${kind === "error" ? "error" : ""}`;
  notice.hidden = !message;
}

function failed(error) {
  notify(error instanceof ApiError ? `${error.message} (${error.status}${error.code ? " " + error.code : ""})` : String(error), "error");
}

// ---- signing in ------------------------------------------------------------------------------

async function signIn(candidate) {
  token = candidate.trim();
  if (!token) return;
  try {
    await api("GET", "/admin/sessions", { take: 1 });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      signOut("That token is valid but not an admin token (403): mint one with `lobbyd token --admin`.");
    } else if (!(error instanceof ApiError && error.status === 401)) {
      failed(error);
    }
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#token").value = "";
  $("#token").placeholder = "admin token in use (kept in this tab only)";
  $("#forget").hidden = false;
  $("#app").hidden = false;
  $("#intro").hidden = true;
  notify("");
  startPolling();
  loadSessions(true);
}

function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  stopPolling();
  $("#app").hidden = true;
  $("#intro").hidden = false;
  $("#forget").hidden = true;
  $("#token").placeholder = "paste the output of: lobbyd token --admin";
  notify(message || "", message ? "error" : "info");
}

// ---- confirmation ----------------------------------------------------------------------------

function confirmAction(text, label) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = label;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// ---- views -----------------------------------------------------------------------------------

function show(view) {
  for (const button of document.querySelectorAll(".tabs button")) {
    if (button.dataset.view === view) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `view-${view}`;
  }
}

// ---- overview: figures from /metrics ---------------------------------------------------------

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels = {};
    for (const [, name, value] of (match[2] || "").matchAll(LABEL)) labels[name] = value.replace(/\\(.)/g, "$1");
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const sum = (samples, name, keep = () => true) =>
  samples.filter((s) => s.name === name && keep(s.labels)).reduce((total, s) => total + s.value, 0);

const series = { sessions: [], sockets: [], requests: [], errors: [] };
let previous = null;
let timer = null;

function startPolling() {
  stopPolling();
  previous = null;
  for (const key of Object.keys(series)) series[key].length = 0;
  poll();
  timer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  if (timer) clearInterval(timer);
  timer = null;
}

async function poll() {
  let text;
  try {
    text = await api("GET", "/metrics");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      stopPolling();  // this lobbyd runs with LOBBYD_METRICS=false
      $("#updated").textContent = "metrics are turned off on this server";
    } else if (token) {
      failed(error);
    }
    return;
  }
  const samples = parseMetrics(text);
  const now = Date.now() / 1000;
  const requests = sum(samples, "lobbyd_http_requests_total", (l) => l.route !== "/metrics");
  const errors = sum(samples, "lobbyd_http_requests_total", (l) => Number(l.status) >= 500);
  if (previous) {
    const seconds = Math.max(now - previous.at, 0.001);
    push("requests", Math.max(requests - previous.requests, 0) / seconds);
    push("errors", Math.max(errors - previous.errors, 0) / seconds);
  }
  previous = { at: now, requests, errors };
  push("sessions", sum(samples, "lobbyd_sessions_active"));
  push("sockets", sum(samples, "lobbyd_sync_sockets_open"));
  drawCards();
  drawTables(samples);
  $("#updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function push(key, value) {
  series[key].push(value);
  if (series[key].length > HISTORY) series[key].shift();
}

function formatted(value, key) {
  if (key === "requests" || key === "errors") return value < 10 ? value.toFixed(1) : Math.round(value).toString();
  return Math.round(value).toLocaleString();
}

function drawCards() {
  for (const key of Object.keys(series)) {
    const card = $(`#card-${key}`);
    const points = series[key];
    $(".figure", card).textContent = points.length ? formatted(points[points.length - 1], key) : "–";
    drawSpark($(".spark", card), points);
  }
}

// A sparkline drawn by hand: an area and a line over the points so far (at most HISTORY),
// spread over the whole width, 0 at the bottom and the largest value below the top edge.
function drawSpark(svg, points) {
  const width = 200, height = 44, pad = 3;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const base = document.createElementNS(ns, "line");
  base.setAttribute("class", "base");
  base.setAttribute("x1", "0");
  base.setAttribute("x2", String(width));
  base.setAttribute("y1", String(height - 0.5));
  base.setAttribute("y2", String(height - 0.5));
  svg.append(base);
  if (points.length < 2) return;
  const top = Math.max(Math.max(...points) * 1.15, 1); // below 1, small noise stays small
  const step = width / (points.length - 1);
  const xy = points.map((value, i) => [i * step, height - pad - (value / top) * (height - 2 * pad)]);
  const line = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const area = document.createElementNS(ns, "polygon");
  area.setAttribute("class", "area");
  area.setAttribute("points", `0,${height} ${line} ${width},${height}`);
  const stroke = document.createElementNS(ns, "polyline");
  stroke.setAttribute("class", "line");
  stroke.setAttribute("points", line);
  svg.append(area, stroke);
}

function drawTables(samples) {
  const joins = new Map();
  for (const s of samples) if (s.name === "lobbyd_joins_total") joins.set(s.labels.outcome, (joins.get(s.labels.outcome) || 0) + s.value);
  const joinRows = [...joins].sort((a, b) => b[1] - a[1]).map(([outcome, count]) =>
    el("tr", {}, el("td", {}, el("code", {}, outcome)), el("td", { class: "num" }, Math.round(count))));
  $("#joins tbody").replaceChildren(...(joinRows.length ? joinRows : [el("tr", {}, el("td", { colspan: 2, class: "empty" }, "no joins yet"))]));

  const routes = new Map();
  for (const s of samples) {
    if (s.name !== "lobbyd_http_requests_total") continue;
    const key = `${s.labels.method} ${s.labels.route}`;
    const row = routes.get(key) || { total: 0, errors: 0 };
    row.total += s.value;
    if (Number(s.labels.status) >= 400) row.errors += s.value;
    routes.set(key, row);
  }
  const routeRows = [...routes].sort((a, b) => b[1].total - a[1].total).slice(0, 8).map(([route, row]) =>
    el("tr", {}, el("td", {}, el("code", {}, route)), el("td", { class: "num" }, Math.round(row.total)), el("td", { class: "num" }, Math.round(row.errors))));
  $("#routes tbody").replaceChildren(...routeRows);
}

// ---- sessions --------------------------------------------------------------------------------

let cursor = null;
let selected = null;

function filters() {
  const form = $("#filters");
  return { host: form.host.value.trim(), keyword: form.keyword.value.trim() };
}

async function loadSessions(fresh) {
  if (fresh) cursor = null;
  let page;
  try {
    page = await api("GET", "/admin/sessions", { ...filters(), take: 50, cursor: fresh ? null : cursor });
  } catch (error) {
    failed(error);
    return;
  }
  const body = $("#sessions tbody");
  if (fresh) body.replaceChildren();
  for (const item of page.results) body.append(sessionRow(item));
  cursor = page.next_cursor;
  $("#more").hidden = !cursor;
  $("#no-sessions").hidden = body.children.length > 0;
  $("#sessions").hidden = body.children.length === 0;
}

function sessionRow(item) {
  const row = el("tr", { "data-session": item.session_id, onclick: () => openSession(item.session_id) },
    el("td", { class: "mono" }, item.session_id),
    el("td", {}, hostLink(item.host)),
    el("td", {}, item.type),
    el("td", { class: "num" }, `${item.player_count} / ${item.capacity}`),
    el("td", {}, item.visibility),
    el("td", {}, ...item.keywords.map((k) => el("span", { class: "tag" }, k))),
    el("td", {}, new Date(item.start_time).toLocaleString()));
  if (selected === item.session_id) row.classList.add("selected");
  return row;
}

function hostLink(uuid) {
  return el("button", {
    type: "button", class: "link mono", title: "show this host",
    onclick: (event) => { event.stopPropagation(); openHost(uuid); },
  }, uuid.slice(0, 8) + "…");
}

async function openSession(id) {
  selected = id;
  for (const row of document.querySelectorAll("#sessions tbody tr")) row.classList.toggle("selected", row.dataset.session === String(id));
  const detail = $("#detail");
  let session, version = "–";
  try {
    session = await api("GET", `/sessions/${id}`);
  } catch (error) {
    failed(error);
    detail.hidden = true;
    return;
  }
  try {
    version = (await api("GET", `/sync/${encodeURIComponent(session.source_of_truth_key)}`)).version;
  } catch (error) {
    version = error instanceof ApiError ? `unavailable (${error.status})` : "unavailable";
  }
  const connection = session.connection ? JSON.stringify(session.connection) : "none";
  const members = el("table", { class: "grid", id: "members" },
    el("thead", {}, el("tr", {}, el("th", {}, "player"), el("th", {}, "role"), el("th", {}, "status"), el("th", {}, "joined"), el("th", {}, ""))),
    el("tbody", {}, ...session.members.map((member) => memberRow(session, member))));
  detail.replaceChildren(
    el("header", {},
      el("h3", {}, `Session ${session.session_id}`),
      el("button", { type: "button", class: "danger", onclick: () => endSession(session) }, "End session")),
    el("dl", { class: "facts" },
      el("dt", {}, "host"), el("dd", {}, hostLink(session.host)),
      el("dt", {}, "type"), el("dd", {}, session.type),
      el("dt", {}, "visibility"), el("dd", {}, session.visibility),
      el("dt", {}, "players"), el("dd", {}, `${session.player_count} / ${session.capacity}`),
      el("dt", {}, "state version"), el("dd", { id: "state-version" }, version),
      el("dt", {}, "connection"), el("dd", { class: "mono" }, connection),
      el("dt", {}, "started"), el("dd", {}, new Date(session.start_time).toLocaleString())),
    el("h3", {}, "Members"), members);
  detail.hidden = false;
}

function memberRow(session, member) {
  const isHost = member.role === "host";
  return el("tr", {},
    el("td", { class: "mono" }, member.player),
    el("td", {}, member.role),
    el("td", { class: `status-${member.status}` }, member.status),
    el("td", {}, member.joined_at ? new Date(member.joined_at).toLocaleTimeString() : "–"),
    el("td", {}, el("div", { class: "actions" }, ...(isHost ? [] : [
      el("button", { type: "button", class: "quiet small", onclick: () => kick(session, member.player) }, "Kick"),
      el("button", { type: "button", class: "danger small", onclick: () => ban(session.host, member.player, session.session_id) }, "Ban for host"),
    ]))));
}

async function endSession(session) {
  if (!(await confirmAction(`End session ${session.session_id}? Every member is told it ended.`, "End session"))) return;
  try {
    await api("DELETE", `/sessions/${session.session_id}`);
  } catch (error) {
    failed(error);
    return;
  }
  notify(`Session ${session.session_id} ended.`);
  $("#detail").hidden = true;
  selected = null;
  loadSessions(true);
}

async function kick(session, player) {
  if (!(await confirmAction(`Kick ${player} from session ${session.session_id}?`, "Kick"))) return;
  try {
    await api("DELETE", `/sessions/${session.session_id}/players/${encodeURIComponent(player)}`);
  } catch (error) {
    failed(error);
    return;
  }
  notify(`${player} was kicked from session ${session.session_id}.`);
  openSession(session.session_id);
}

async function ban(host, player, sessionId) {
  if (!(await confirmAction(`Ban ${player} for host ${host}? They leave its session and cannot join it again.`, "Ban"))) return;
  try {
    await api("POST", `/hosts/${host}/banlist`, { banned: player });
  } catch (error) {
    failed(error);
    return;
  }
  notify(`${player} is banned by host ${host}.`);
  if (sessionId) openSession(sessionId);
  if (!$("#host-detail").hidden) openHost(host);
}

// ---- a host ----------------------------------------------------------------------------------

async function openHost(uuid) {
  show("host");
  $("#host-form").host.value = uuid;
  const detail = $("#host-detail");
  let host, page;
  try {
    [host, page] = await Promise.all([api("GET", `/hosts/${uuid}`), api("GET", "/admin/sessions", { host: uuid })]);
  } catch (error) {
    failed(error);
    detail.hidden = true;
    return;
  }
  const list = (items, empty) => items.length ? el("ul", {}, ...items.map((item) => el("li", { class: "mono" }, item))) : el("p", { class: "empty" }, empty);
  const sessions = page.results.length
    ? el("ul", {}, ...page.results.map((s) => el("li", {}, el("button", {
        type: "button", class: "link", onclick: () => { show("sessions"); openSession(s.session_id); },
      }, `session ${s.session_id}`), ` · ${s.player_count} / ${s.capacity} players · ${s.visibility}`)))
    : el("p", { class: "empty" }, "no active session");
  detail.replaceChildren(
    el("header", {}, el("h3", { class: "mono" }, host.uuid)),
    el("dl", { class: "facts" },
      el("dt", {}, "only friends"), el("dd", {}, String(host.only_friends)),
      el("dt", {}, "allow nonames"), el("dd", {}, String(host.allow_nonames))),
    el("div", { class: "columns" },
      el("div", {}, el("h3", {}, `Friends (${host.friends.length})`), list(host.friends, "none")),
      el("div", {}, el("h3", {}, `Banlist (${host.banlist.length})`), list(host.banlist, "none")),
      el("div", {}, el("h3", {}, "Sessions"), sessions)));
  detail.hidden = false;
}

// ---- wiring ----------------------------------------------------------------------------------

$("#login").addEventListener("submit", (event) => { event.preventDefault(); signIn($("#token").value); });
$("#forget").addEventListener("click", () => signOut());
for (const button of document.querySelectorAll(".tabs button")) {
  button.addEventListener("click", () => {
    show(button.dataset.view);
    if (button.dataset.view === "sessions") loadSessions(true);
  });
}
$("#filters").addEventListener("submit", (event) => { event.preventDefault(); loadSessions(true); });
$("#filters").addEventListener("reset", () => setTimeout(() => loadSessions(true)));
$("#more").addEventListener("click", () => loadSessions(false));
$("#host-form").addEventListener("submit", (event) => { event.preventDefault(); openHost($("#host-form").host.value.trim()); });

if (token) signIn(token);

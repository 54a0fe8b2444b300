// Tic-tac-toe for two browser tabs on lobbyd: the board is the session's state.
//
// The host (X) owns the state: it applies its own moves with a merge patch over the sync socket.
// The guest (O) cannot write the state; it writes its move into its own member document, and
// the host, seeing that `member_updated`, checks the move and applies it. Both tabs draw the
// board from the socket's local document, so what they show is always the session's state.
import { LobbydClient, LobbydError } from "@lobbyd/client";

const params = new URLSearchParams(location.search);
const LOBBYD = params.get("lobbyd") || window.LOBBYD_URL || "http://127.0.0.1:8000";
const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];
const $ = (id) => document.getElementById(id);
const cells = [...document.querySelectorAll(".cell")];

const client = new LobbydClient(LOBBYD);
let me = null; // {uuid, mark}
let socket = null;
let lastMove = 0; // the guest's move counter

function outcome(board) {
  for (const line of LINES) {
    const [a, b, c] = line.map((i) => board[i]);
    if (a && a === b && b === c) return { winner: a, line };
  }
  return board.every(Boolean) ? { winner: "draw", line: [] } : { winner: null, line: [] };
}

function show(doc) {
  const state = doc.state;
  const board = state.board ?? Array(9).fill(null);
  const { line } = outcome(board);
  cells.forEach((cell, i) => {
    cell.textContent = board[i] ?? "";
    cell.classList.toggle("win", line.includes(i));
    cell.disabled = !me || !state.turn || state.winner || board[i] || state.turn !== me.mark;
  });
  let text;
  if (!state.board) text = "Waiting for the other player to join…";
  else if (state.winner === "draw") text = "Draw!";
  else if (state.winner) text = `${state.winner} wins!`;
  else text = state.turn === me.mark ? `Your turn (${me.mark})` : `${state.turn}'s turn`;
  $("status").textContent = text;
}

async function account() {
  const registered = await client.register();
  await client.login(registered.uuid, registered.secret);
  return registered.uuid;
}

function nextState(state, cell, mark) {
  if (state.winner || state.turn !== mark || state.board[cell]) return null;
  const board = [...state.board];
  board[cell] = mark;
  return { board, turn: mark === "X" ? "O" : "X", winner: outcome(board).winner };
}

async function hostGame() {
  const uuid = await account();
  me = { uuid, mark: "X" };
  await client.setOnlyFriends(uuid, false); // any registered player may join with the code
  const session = await client.launchSession({ host: uuid, capacity: 2, type: "tic-tac-toe" });
  client.keepAlive(session.session_id);
  socket = client.sync(session.source_of_truth_key);
  socket.on("document", show);
  const start = (guest) =>
    socket.replace({ board: Array(9).fill(null), turn: "X", winner: null, players: { X: uuid, O: guest } });
  socket.ready.then((doc) => {
    // The guest may have joined before this socket's snapshot.
    const guest = Object.keys(doc.members).find((player) => player !== uuid);
    if (guest && !doc.state.board) void start(guest);
  });
  socket.on("change", async (change) => {
    if (change.type === "member_joined" && !socket.document.state.board) {
      await start(change.player);
    } else if (change.type === "member_updated" && change.player !== uuid) {
      const move = change.document;
      if (typeof move.move !== "number" || move.seq <= lastMove) return;
      lastMove = move.seq;
      const next = nextState(socket.document.state, move.move, "O");
      if (next) await socket.patch(next);
    }
  });
  $("mycode").textContent = uuid;
  $("share").hidden = false;
  lobbyDone();
}

async function joinGame() {
  const hostUuid = $("code").value.trim();
  if (!hostUuid) return;
  const uuid = await account();
  me = { uuid, mark: "O" };
  const joined = await client.join({ host: hostUuid, guest: uuid });
  socket = client.sync(joined.source_of_truth_key);
  socket.on("document", show);
  lobbyDone();
}

function lobbyDone() {
  $("lobby").hidden = true;
  $("me").textContent = `You are ${me.mark}.`;
  socket.on("close", (event) => {
    if (!event.willReconnect) $("status").textContent = `Game over (${event.kind}).`;
  });
}

async function play(cell) {
  const state = socket.document.state;
  if (me.mark === "X") {
    const next = nextState(state, cell, "X");
    if (next) await socket.patch(next);
  } else {
    lastMove += 1;
    await socket.setMember({ move: cell, seq: lastMove });
  }
}

function guard(action) {
  return () =>
    action().catch((error) => {
      $("status").textContent =
        error instanceof LobbydError ? `${error.message} (${error.code})` : String(error);
    });
}

$("host").addEventListener("click", guard(hostGame));
$("join").addEventListener("click", guard(joinGame));
cells.forEach((cell, i) => cell.addEventListener("click", guard(() => play(i))));
cells.forEach((cell) => (cell.disabled = true));

import {
  applyChange,
  fromSnapshot,
  type ChangeMessage,
  type ReplyMessage,
  type ServerMessage,
  type SignalMessage,
  type SnapshotMessage,
  type SyncState,
} from "./document.js";
import type { JsonObject } from "./types.js";

/** Why a sync socket closed, from its close code. */
export type CloseKind =
  /** 1000: the session ended (after `session_ended`), or its document is gone. Final. */
  | "ended"
  /** 4003: this member left, was kicked or banned. Final. */
  | "removed"
  /** 4008: this socket fell too far behind. Reconnects. */
  | "lagged"
  /** 1012: the server is restarting. Reconnects. */
  | "restarting"
  /** 1013: the sync store is unreachable. Reconnects. */
  | "unavailable"
  /** 1011: a server bug. Reconnects. */
  | "internal"
  /** 4401 (or a refused handshake's 401): no, bad or expired token. Reconnects once with a fresh token. */
  | "unauthorized"
  /** 4403 (or 403): not allowed. Final. */
  | "forbidden"
  /** 4404 (or 404): no such document, or not a member. Final. */
  | "not_found"
  /** 4422: the handshake's `since` is not a version. Final. */
  | "invalid"
  /** 4429: this player already holds as many sockets on this session as it may. Reconnects with backoff. */
  | "too_many_sockets"
  /** The connection dropped without a close code (1006), or another code. Reconnects. */
  | "dropped"
  /** This side called `close()`. Final. */
  | "closed";

const KINDS: Record<number, CloseKind> = {
  1000: "ended",
  1011: "internal",
  1012: "restarting",
  1013: "unavailable",
  4003: "removed",
  4008: "lagged",
  4401: "unauthorized",
  4403: "forbidden",
  4404: "not_found",
  4422: "invalid",
  4429: "too_many_sockets",
};
const REFUSALS: Record<number, CloseKind> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  422: "invalid",
  429: "too_many_sockets",
};
const FINAL: ReadonlySet<CloseKind> = new Set([
  "ended",
  "removed",
  "forbidden",
  "not_found",
  "invalid",
  "closed",
]);
const CHANGES: ReadonlySet<string> = new Set([
  "state_patch",
  "state_replaced",
  "member_updated",
  "member_joined",
  "member_left",
  "member_kicked",
  "session_ended",
  "host_changed",
]);

/** A sync socket closing, as a typed event. */
export interface SyncCloseEvent {
  code: number;
  reason: string;
  kind: CloseKind;
  /** Whether the socket will reconnect (with `since=` the last version it holds). */
  willReconnect: boolean;
}

/** The events of a {@link SyncSocket} and what their listeners receive. */
export interface SyncSocketEvents {
  /** Connected (`reconnect`: not the first time). */
  open: { reconnect: boolean };
  /** A whole document: what was held is replaced. */
  snapshot: SnapshotMessage;
  /** One change, in version order, each exactly once. */
  change: ChangeMessage;
  /** The local document after a snapshot or a change. */
  document: SyncState;
  /** A signal another member sent to this one (`from`, `data`); never part of the document. */
  signal: SignalMessage;
  /** An `error` message the server sent that answers none of this socket's writes. */
  error: Extract<ReplyMessage, { type: "error" }>;
  /** The connection closed (and maybe reconnects). */
  close: SyncCloseEvent;
}

/** How the token travels in the handshake. */
export type TokenVia = "query" | "subprotocol";

/** Options of a {@link SyncSocket}. */
export interface SyncSocketOptions {
  /**
   * `subprotocol` (default): the `Sec-WebSocket-Protocol: lobbyd, bearer.<token>` header, so
   * the token never appears in a URL (nor in a proxy's access log). `query`: `?token=`, for
   * servers older than the subprotocol.
   */
  tokenVia?: TokenVia;
  /** First reconnection delay, milliseconds (default 100); doubles up to `backoffMax`. */
  backoff?: number;
  /** Longest reconnection delay, milliseconds (default 5000). */
  backoffMax?: number;
  /** Reconnection attempts in a row before giving up (default: no limit). */
  maxRetries?: number;
  /** Milliseconds to wait for the answer to a write (default 10000). */
  replyTimeout?: number;
  /** A WebSocket class to use (default: the global one, else the `ws` package in Node). */
  WebSocket?: WebSocketClass;
  /** Called when the server refuses the token: answers a fresh one (or null). */
  refreshToken?: () => Promise<string | null>;
}

/** The part of the WebSocket API this socket uses (browsers' and `ws`'s). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** A write over the socket that the server refused, or that got no answer. */
export class SyncError extends Error {
  /** The server's code (`forbidden`, `precondition_failed`, ...), or `disconnected`/`timeout`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "SyncError";
    this.code = code;
  }
}

interface Pending {
  resolve: (version: number) => void;
  reject: (error: SyncError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A listener of one event of a {@link SyncSocket}. */
export type Listener<K extends keyof SyncSocketEvents> = (event: SyncSocketEvents[K]) => void;

async function webSocketClass(given?: WebSocketClass): Promise<WebSocketClass> {
  if (given) return given;
  const global = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (global) return global;
  // Node without a global WebSocket (Node 20): the `ws` package. The name is a variable so
  // that bundlers for browsers never try to include it.
  const name = "ws";
  const module = (await import(/* @vite-ignore */ name)) as { default: WebSocketClass };
  return module.default;
}

/**
 * A session's live source of truth over `WS /sync/{key}/ws`.
 *
 * The server sends a snapshot, then every change in version order; the socket keeps the local
 * {@link document} by merge-patch and emits `snapshot`, `change` and `document` events. When the
 * connection drops it reconnects with exponential backoff and `since=` its version, so each
 * change is seen exactly once, in order (a fresh snapshot comes instead when the server no
 * longer keeps the missed changes). The host writes with {@link patch} and {@link replace};
 * every member writes its own sub-document with {@link setMember}. Members exchange signals
 * (WebRTC offers, answers, candidates) with {@link signal} and `signal` events. The token goes in
 * the `bearer.<token>` subprotocol (see {@link SyncSocketOptions.tokenVia}). Close codes arrive
 * as typed `close` events, a refused handshake's too (4401, 4403, 4404, 4422, 4429, 1013); after
 * a final one (`ended`, `removed`, `forbidden`, `not_found`, `invalid`, `closed`) {@link closed}
 * resolves.
 */
export class SyncSocket {
  /** The local document (null until the first snapshot). */
  document: SyncState | null = null;
  /** Times this socket reconnected. */
  reconnects = 0;
  /** Resolves with the document of the first snapshot. */
  readonly ready: Promise<SyncState>;
  /** Resolves with the final close event. */
  readonly closed: Promise<SyncCloseEvent>;
  private resolveReady!: (doc: SyncState) => void;
  private resolveClosed!: (event: SyncCloseEvent) => void;
  private readonly listeners = new Map<keyof SyncSocketEvents, Set<(event: never) => void>>();
  private readonly pending = new Map<string, Pending>();
  private socket: WebSocketLike | null = null;
  private opened = false;
  private final = false;
  private attempts = 0;
  private refreshed = false;
  private nextId = 1;
  private waiters: Array<() => void> = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly options: SyncSocketOptions;

  constructor(
    private readonly baseUrl: string,
    /** The session's `source_of_truth_key`. */
    readonly key: string,
    private readonly token: () => string | null,
    options: SyncSocketOptions = {},
  ) {
    this.options = options;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    void this.connect();
  }

  /** Listen to an event; returns a function that stops listening. */
  on<K extends keyof SyncSocketEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  private emit<K extends keyof SyncSocketEvents>(event: K, value: SyncSocketEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      (listener as Listener<K>)(value);
    }
  }

  /** The last version held (what a reconnection asks to continue from). */
  get version(): number | null {
    return this.document?.version ?? null;
  }

  /** Whether the socket is connected now. */
  get connected(): boolean {
    return this.socket !== null && this.opened;
  }

  private get tokenVia(): TokenVia {
    return this.options.tokenVia ?? "subprotocol";
  }

  private url(token: string | null): string {
    const url = new URL(`${this.baseUrl}/sync/${encodeURIComponent(this.key)}/ws`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (token && this.tokenVia === "query") url.searchParams.set("token", token);
    if (this.document) url.searchParams.set("since", String(this.document.version));
    return url.toString();
  }

  private async connect(): Promise<void> {
    if (this.final) return;
    const Socket = await webSocketClass(this.options.WebSocket);
    const token = this.token();
    const protocols =
      this.tokenVia === "subprotocol" && token ? ["lobbyd", `bearer.${token}`] : undefined;
    let refusal: CloseKind | null = null;
    const socket = new Socket(this.url(token), protocols);
    this.socket = socket;
    this.opened = false;
    socket.onopen = () => {
      this.opened = true;
      this.emit("open", { reconnect: this.reconnects > 0 });
      for (const wake of this.waiters.splice(0)) wake();
    };
    socket.onerror = (event) => {
      // Node's `ws` says why a handshake was refused; browsers never do.
      const text = String((event as { message?: string })?.message ?? "");
      const status = /Unexpected server response: (\d+)/.exec(text);
      if (status) refusal = REFUSALS[Number(status[1])] ?? null;
    };
    socket.onmessage = (event) => this.receive(socket, event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.opened = false;
      void this.closedWith(event.code, event.reason ?? "", refusal);
    };
  }

  private receive(socket: WebSocketLike, data: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    this.attempts = 0;
    this.refreshed = false;
    if (message.type === "snapshot") {
      this.document = fromSnapshot(message);
      this.emit("snapshot", message);
      this.emit("document", this.document);
      this.resolveReady(this.document);
    } else if (CHANGES.has(message.type)) {
      const change = message as ChangeMessage;
      const held = this.document;
      if (!held || change.version <= held.version) return; // already held
      if (change.version !== held.version + 1) {
        socket.close(4000, "missed a change"); // reconnect with since= and catch up
        return;
      }
      this.document = applyChange(held, change);
      this.emit("change", change);
      this.emit("document", this.document);
    } else if (message.type === "ack" || message.type === "error" || message.type === "pong") {
      this.reply(message);
    } else if (message.type === "signal") {
      this.emit("signal", message);
    }
  }

  private reply(message: ReplyMessage): void {
    const waiting = message.id === null ? undefined : this.pending.get(String(message.id));
    if (!waiting) {
      if (message.type === "error") this.emit("error", message);
      return;
    }
    this.pending.delete(String(message.id));
    clearTimeout(waiting.timer);
    if (message.type === "error") waiting.reject(new SyncError(message.code, message.message));
    else waiting.resolve(message.version);
  }

  private async closedWith(code: number, reason: string, refusal: CloseKind | null): Promise<void> {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new SyncError("disconnected", "the socket closed before the answer came"));
      this.pending.delete(id);
    }
    const kind: CloseKind = this.final ? "closed" : (refusal ?? KINDS[code] ?? "dropped");
    let willReconnect = !FINAL.has(kind);
    if (kind === "unauthorized") {
      // One fresh token per refusal streak; a second refusal in a row is final.
      willReconnect = !this.refreshed && this.options.refreshToken !== undefined;
    }
    const retries = this.options.maxRetries ?? Number.POSITIVE_INFINITY;
    if (willReconnect && this.attempts >= retries) willReconnect = false;
    const event: SyncCloseEvent = { code, reason, kind, willReconnect };
    this.emit("close", event);
    if (!willReconnect) {
      this.final = true;
      this.resolveClosed(event);
      return;
    }
    if (kind === "unauthorized" && this.options.refreshToken) {
      this.refreshed = true;
      await this.options.refreshToken().catch(() => null);
    }
    const base = this.options.backoff ?? 100;
    const ceiling = this.options.backoffMax ?? 5000;
    const delay = Math.min(ceiling, base * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reconnects += 1;
      void this.connect();
    }, delay);
  }

  private async whenOpen(): Promise<WebSocketLike> {
    while (!this.connected) {
      if (this.final) throw new SyncError("closed", "the socket is closed");
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.socket as WebSocketLike;
  }

  private async write(message: JsonObject): Promise<number> {
    const socket = await this.whenOpen();
    const id = String(this.nextId++);
    return new Promise<number>((resolve, reject) => {
      const timeout = this.options.replyTimeout ?? 10_000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SyncError("timeout", `no answer within ${timeout} ms`));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** The host merges an RFC 7396 patch into the state; resolves with the version it made. */
  patch(patch: JsonObject, options: { ifVersion?: number } = {}): Promise<number> {
    return this.write({ type: "patch", patch, ...ifVersion(options) });
  }

  /** The host replaces the state; resolves with the version it made. */
  replace(state: JsonObject, options: { ifVersion?: number } = {}): Promise<number> {
    return this.write({ type: "replace", state, ...ifVersion(options) });
  }

  /** This member replaces its own sub-document; resolves with the version it made. */
  setMember(document: JsonObject, options: { ifVersion?: number } = {}): Promise<number> {
    return this.write({ type: "member", document, ...ifVersion(options) });
  }

  /**
   * Send a signal (an offer, an answer, a candidate...) to the member `to`: its open sockets
   * receive `{type: "signal", from, data}` as a `signal` event. Resolves when the server took it
   * (nothing is stored: a member with no socket open never sees it, and nothing is resent after
   * a reconnection); rejects with {@link SyncError} `not_member` (`to` is not a member),
   * `too_large` (`data` over 16 KiB) or `rate_limited` (too many signals a second: this one was
   * dropped).
   */
  async signal(to: string, data: JsonObject): Promise<void> {
    await this.write({ type: "signal", to, data });
  }

  /** A round trip; resolves with the last version the server sent this socket. */
  ping(): Promise<number> {
    return this.write({ type: "ping" });
  }

  /**
   * Resolves with the local document once `predicate` holds for it (checked now, then after
   * every snapshot and change); rejects after `timeout` milliseconds (default 30000).
   */
  waitFor(predicate: (doc: SyncState) => boolean, timeout = 30_000): Promise<SyncState> {
    if (this.document && predicate(this.document)) return Promise.resolve(this.document);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new SyncError("timeout", `the document did not get there within ${timeout} ms`));
      }, timeout);
      const stop = this.on("document", (doc) => {
        if (!predicate(doc)) return;
        clearTimeout(timer);
        stop();
        resolve(doc);
      });
    });
  }

  /** Close for good (no reconnection). */
  close(): void {
    this.final = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const wake of this.waiters.splice(0)) wake();
    const socket = this.socket;
    if (socket) socket.close(1000, "closed by the client");
    else {
      const event: SyncCloseEvent = { code: 1000, reason: "", kind: "closed", willReconnect: false };
      this.emit("close", event);
      this.resolveClosed(event);
    }
  }
}

function ifVersion(options: { ifVersion?: number }): JsonObject {
  return options.ifVersion === undefined ? {} : { if_version: options.ifVersion };
}

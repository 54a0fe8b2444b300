import { LobbydError } from "./errors.js";
import { Heartbeat, type HeartbeatOptions } from "./heartbeat.js";
import { SyncSocket, type SyncSocketOptions } from "./socket.js";
import type {
  Answer,
  Host,
  HostPublic,
  IceAnswer,
  Invite,
  Joined,
  JoinRequest,
  JsonObject,
  LaunchRequest,
  Platform,
  PlatformSession,
  PlatformSessionLink,
  PlayerSessions,
  QueryOf,
  QueryPage,
  QuerySessions,
  Registered,
  Reservation,
  SessionRef,
  SessionUpdate,
  SessionView,
  Session,
  SyncDocument,
  Token,
  Welcome,
  Written,
  HeartbeatAnswer,
} from "./types.js";

/** Options of a {@link LobbydClient}. */
export interface ClientOptions {
  /** A bearer token to start with (else call {@link LobbydClient.login}). */
  token?: string;
  /**
   * Renew the token this many seconds before it expires (default 60, at most a tenth of its
   * lifetime). 0 turns renewal off.
   */
  renewBefore?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** Options of a conditional write to a sync document. */
export interface WriteOptions {
  /** Apply only if the document is at this version (else 412 `precondition_failed`). */
  ifVersion?: number;
}

interface Call {
  query?: Record<string, string | number | boolean | string[] | null | undefined>;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Send no bearer token (registration, login). */
  anonymous?: boolean;
}

/** A launch's answer: the session, and whether this call created it (201) or found it (200). */
export type Launched = SessionRef & { created: boolean };

/** Every operation of the API, by operationId, and the client method that calls it. */
export const OPERATIONS = {
  healthz: "healthz",
  readyz: "readyz",
  register_hosts_post: "register",
  login_hosts__host__access_token_get: "login",
  rotate_secret: "rotateSecret",
  renew_hosts_access_token_renew_get: "renew",
  get_hosts__host__get: "getHost",
  delete_host: "deleteHost",
  set_only_friends_hosts__host__only_friends_put: "setOnlyFriends",
  set_allow_nonames_hosts__host__allow_nonames_put: "setAllowNonames",
  befriend_hosts__host__friends_post: "befriend",
  unfriend_hosts__host__friends__former_friend__delete: "unfriend",
  ban_hosts__host__banlist_post: "ban",
  unban_hosts__host__banlist__banned__delete: "unban",
  jwks: "jwks",
  launch_session_sessions_post: "launchSession",
  query_sessions: "querySessions",
  join_sessions_players_post: "join",
  get_session: "getSession",
  update_session: "updateSession",
  end_session: "endSession",
  leave: "leave",
  heartbeat: "heartbeat",
  welcome: "welcome",
  get_document: "getDocument",
  put_state: "putState",
  patch_state: "patchState",
  put_member: "putMember",
  get_player_sessions: "getPlayerSessions",
  invite: "invite",
  list_invites: "listInvites",
  delete_invite: "deleteInvite",
  reserve: "reserve",
  delete_reservation: "deleteReservation",
  link_platform_session: "linkPlatformSession",
  unlink_platform_session: "unlinkPlatformSession",
  get_platform_session: "getPlatformSession",
  release_platform_session: "releasePlatformSession",
  ice: "ice",
  send_signal: "sendSignal",
  metrics: "metrics",
  admin_sessions: "adminSessions",
} as const satisfies Record<string, keyof LobbydClient>;

const e = encodeURIComponent;

/**
 * The lobbyd HTTP API, one typed method per operation. Errors are thrown as
 * {@link LobbydError}. After {@link login}, the token is renewed before it expires.
 */
export class LobbydClient {
  /** The server's base URL, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  /** The bearer token sent with every call (null: none). */
  token: string | null;
  /** When the token expires (milliseconds since the epoch), if known. */
  tokenExpiresAt: number | null = null;
  private readonly fetcher: typeof fetch;
  private readonly renewBefore: number;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private credentials: { host: string; secret: string } | null = null;
  private readonly tokenListeners = new Set<(token: string) => void>();

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = options.token ?? null;
    this.renewBefore = options.renewBefore ?? 60;
    const fetcher = options.fetch ?? globalThis.fetch;
    this.fetcher = (input, init) => fetcher(input, init);
  }

  // Plumbing.

  private async call<T>(method: string, path: string, call: Call = {}): Promise<{
    body: T;
    response: Response;
  }> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(name, String(item));
      }
    }
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    if (!call.anonymous && this.token && !headers.authorization) {
      headers.authorization = `Bearer ${this.token}`;
    }
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers["content-type"] = call.contentType ?? "application/json";
    }
    const response = await this.fetcher(url, { method, headers, body });
    if (!response.ok) throw await LobbydError.from(response);
    const text = response.status === 204 ? "" : await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, response };
  }

  private async json<T>(method: string, path: string, call?: Call): Promise<T> {
    return (await this.call<T>(method, path, call)).body;
  }

  private adopt(token: Token): Token {
    this.token = token.token;
    this.tokenExpiresAt = Date.now() + token.expires_in * 1000;
    for (const listener of this.tokenListeners) listener(token.token);
    this.scheduleRenewal(token.expires_in);
    return token;
  }

  private scheduleRenewal(expiresIn: number): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    if (this.renewBefore <= 0) return;
    const ahead = Math.min(this.renewBefore, expiresIn / 10);
    const timer = setTimeout(() => void this.renewNow(), Math.max(0, expiresIn - ahead) * 1000);
    (timer as { unref?: () => void }).unref?.(); // never keep a Node process alive for it
    this.renewTimer = timer;
  }

  private async renewNow(): Promise<void> {
    try {
      await this.renew();
    } catch {
      // The token may already be refused: log in again if the secret is known.
      if (this.credentials) {
        try {
          await this.login(this.credentials.host, this.credentials.secret);
        } catch {
          // left to the next call to report
        }
      }
    }
  }

  /** Call `listener` with every new token (login or renewal); returns an unsubscribe. */
  onToken(listener: (token: string) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /** Stop renewing the token (and forget the secret). */
  close(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    this.credentials = null;
  }

  // Operations.

  /** `GET /healthz`: the process serves requests. */
  healthz(): Promise<Answer<"healthz">> {
    return this.json("GET", "/healthz", { anonymous: true });
  }

  /**
   * `GET /metrics`: the server's Prometheus text exposition (send the metrics token, or an admin
   * token, as this client's token when the server asks for one; 404 when metrics are off).
   */
  async metrics(): Promise<string> {
    const headers: Record<string, string> = { accept: "text/plain" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await this.fetcher(new URL(`${this.baseUrl}/metrics`), { headers });
    if (!response.ok) throw await LobbydError.from(response);
    return response.text();
  }

  /** `GET /readyz`: the database and the sync store answer. */
  readyz(): Promise<unknown> {
    return this.json("GET", "/readyz", { anonymous: true });
  }

  /** `POST /hosts`: register a host. `secret` is shown only in this answer: keep it. */
  register(): Promise<Registered> {
    return this.json("POST", "/hosts", { anonymous: true });
  }

  /**
   * `GET /hosts/{host}/access_token` with HTTP Basic: log in, keep the token for later calls,
   * and renew it before it expires (logging in again with the secret if renewal fails).
   */
  async login(host: string, secret: string): Promise<Token> {
    const token = await this.json<Token>("GET", `/hosts/${e(host)}/access_token`, {
      anonymous: true,
      headers: { authorization: `Basic ${btoa(`${host}:${secret}`)}` },
    });
    this.credentials = { host, secret };
    return this.adopt(token);
  }

  /** `GET /hosts/access_token/renew`: a fresh token (adopted by this client). */
  async renew(): Promise<Token> {
    return this.adopt(await this.json<Token>("GET", "/hosts/access_token/renew"));
  }

  /**
   * `POST /hosts/{host}/secret`: a new secret; every earlier token is revoked. Prove the current
   * secret, or call with an admin token (omit `secret`).
   */
  async rotateSecret(host: string, secret?: string): Promise<Registered> {
    const headers: Record<string, string> = {};
    if (secret !== undefined) headers.authorization = `Basic ${btoa(`${host}:${secret}`)}`;
    const registered = await this.json<Registered>("POST", `/hosts/${e(host)}/secret`, { headers });
    if (this.credentials?.host === host) this.credentials = { host, secret: registered.secret };
    return registered;
  }

  /** `GET /hosts/{host}`: the whole host to its owner; uuid and welcome settings to others. */
  getHost(host: string): Promise<Host | HostPublic> {
    return this.json("GET", `/hosts/${e(host)}`);
  }

  /** `DELETE /hosts/{host}`: delete the account (its session ends). */
  async deleteHost(host: string): Promise<void> {
    await this.call("DELETE", `/hosts/${e(host)}`);
  }

  /** `PUT /hosts/{host}/only_friends`. */
  setOnlyFriends(host: string, onlyFriends: boolean): Promise<Host> {
    return this.json("PUT", `/hosts/${e(host)}/only_friends`, {
      body: { only_friends: onlyFriends },
    });
  }

  /** `PUT /hosts/{host}/allow_nonames`. */
  setAllowNonames(host: string, allowNonames: boolean): Promise<Host> {
    return this.json("PUT", `/hosts/${e(host)}/allow_nonames`, {
      body: { allow_nonames: allowNonames },
    });
  }

  /** `POST /hosts/{host}/friends?friend=`. */
  befriend(host: string, friend: string): Promise<Host> {
    return this.json("POST", `/hosts/${e(host)}/friends`, { query: { friend } });
  }

  /** `DELETE /hosts/{host}/friends/{former_friend}`. */
  unfriend(host: string, formerFriend: string): Promise<Host> {
    return this.json("DELETE", `/hosts/${e(host)}/friends/${e(formerFriend)}`);
  }

  /** `POST /hosts/{host}/banlist?banned=`: also removes the guest from the host's session. */
  ban(host: string, banned: string): Promise<Host> {
    return this.json("POST", `/hosts/${e(host)}/banlist`, { query: { banned } });
  }

  /** `DELETE /hosts/{host}/banlist/{banned}`. */
  unban(host: string, banned: string): Promise<Host> {
    return this.json("DELETE", `/hosts/${e(host)}/banlist/${e(banned)}`);
  }

  /** `GET /hosts/{host}/welcome?guest=`: would the host admit this guest now, and why. */
  welcome(host: string, guest: string): Promise<Welcome> {
    return this.json("GET", `/hosts/${e(host)}/welcome`, { query: { guest } });
  }

  /** `GET /.well-known/jwks.json`: the public keys join tickets are signed with. */
  jwks(): Promise<Answer<"jwks">> {
    return this.json("GET", "/.well-known/jwks.json", { anonymous: true });
  }

  /** `POST /sessions`: launch the host's session (or find its active one: `created` false). */
  async launchSession(request: LaunchRequest): Promise<Launched> {
    const { body, response } = await this.call<SessionRef>("POST", "/sessions", { body: request });
    return { ...body, created: response.status === 201 };
  }

  /** `GET /sessions`: query sessions (by keyword, player, type...), a page at a time. */
  querySessions(query: QuerySessions = {}): Promise<QueryPage> {
    return this.json("GET", "/sessions", { query });
  }

  /**
   * `GET /admin/sessions` (admin tokens only): every active session, private ones included,
   * optionally of one `host` or with a `keyword`, in session-id order, a page at a time.
   */
  adminSessions(query: QueryOf<"admin_sessions"> = {}): Promise<QueryPage> {
    return this.json("GET", "/admin/sessions", { query });
  }

  /** `POST /sessions/players`: join `guest` to `host`'s session; the answer has a `ticket`. */
  join(request: JoinRequest): Promise<Joined> {
    return this.json("POST", "/sessions/players", { body: request });
  }

  /** `GET /sessions/{id}`: the member view (`view: "member"`) or the public one. */
  getSession(sessionId: number): Promise<SessionView> {
    return this.json("GET", `/sessions/${sessionId}`);
  }

  /** `PATCH /sessions/{id}` (host): visibility, keywords, labels, connection, turn. */
  updateSession(sessionId: number, update: SessionUpdate): Promise<Session> {
    return this.json("PATCH", `/sessions/${sessionId}`, { body: update });
  }

  /** `DELETE /sessions/{id}` (host): end the session. */
  async endSession(sessionId: number): Promise<void> {
    await this.call("DELETE", `/sessions/${sessionId}`);
  }

  /** `DELETE /sessions/{id}/players/{guest}`: the guest leaves, or the host kicks it. */
  async leave(sessionId: number, guest: string): Promise<void> {
    await this.call("DELETE", `/sessions/${sessionId}/players/${e(guest)}`);
  }

  /** The host kicks a guest (the same call as {@link leave}). */
  kick(sessionId: number, guest: string): Promise<void> {
    return this.leave(sessionId, guest);
  }

  /** `POST /sessions/{id}/heartbeat`: a sign of life (the host may list guests it sees). */
  heartbeat(sessionId: number, players?: string[]): Promise<HeartbeatAnswer> {
    return this.json("POST", `/sessions/${sessionId}/heartbeat`, {
      body: players ? { players } : {},
    });
  }

  /** `GET /sync/{key}`: the session's document. */
  getDocument(key: string): Promise<SyncDocument> {
    return this.json("GET", `/sync/${e(key)}`);
  }

  /** `PUT /sync/{key}` (host): replace the state. */
  putState(key: string, state: JsonObject, options: WriteOptions = {}): Promise<Written> {
    return this.json("PUT", `/sync/${e(key)}`, { body: state, headers: ifMatch(options) });
  }

  /** `PATCH /sync/{key}` (host): merge an RFC 7396 patch into the state. */
  patchState(key: string, patch: JsonObject, options: WriteOptions = {}): Promise<Written> {
    return this.json("PATCH", `/sync/${e(key)}`, {
      body: patch,
      contentType: "application/merge-patch+json",
      headers: ifMatch(options),
    });
  }

  /** `PUT /sync/{key}/members/{player}`: replace a member's own sub-document. */
  putMember(
    key: string,
    player: string,
    document: JsonObject,
    options: WriteOptions = {},
  ): Promise<Written> {
    return this.json("PUT", `/sync/${e(key)}/members/${e(player)}`, {
      body: document,
      headers: ifMatch(options),
    });
  }

  /**
   * `POST /sync/{key}/signals`: a signal (an offer, an answer, a candidate...) for the member
   * `to`'s open sync sockets, for a caller with no socket open (else {@link SyncSocket.signal}).
   * Ephemeral: nothing is stored, and a member with no socket open never sees it. Refusals: 404
   * `no_document` (not a member), 409 `not_member` (`to` is not a member) or `session_ended`,
   * 413 (`data` over 16 KiB), 429 (too many signals a second).
   */
  async sendSignal(key: string, to: string, data: JsonObject): Promise<void> {
    await this.call("POST", `/sync/${e(key)}/signals`, { body: { to, data } });
  }

  /** `GET /players/{player}/sessions`: the player's sessions, invites and reservations. */
  getPlayerSessions(player: string): Promise<PlayerSessions> {
    return this.json("GET", `/players/${e(player)}/sessions`);
  }

  /** `POST /sessions/{id}/invites` (host). */
  invite(sessionId: number, player: string): Promise<Invite> {
    return this.json("POST", `/sessions/${sessionId}/invites`, { body: { player } });
  }

  /** `GET /sessions/{id}/invites`. */
  listInvites(sessionId: number): Promise<Answer<"list_invites">> {
    return this.json("GET", `/sessions/${sessionId}/invites`);
  }

  /** `DELETE /sessions/{id}/invites/{player}`: the invitee declines, or the host revokes. */
  async deleteInvite(sessionId: number, player: string): Promise<void> {
    await this.call("DELETE", `/sessions/${sessionId}/invites/${e(player)}`);
  }

  /** `POST /sessions/{id}/reservations` (host): hold a seat for a player. */
  reserve(sessionId: number, player: string): Promise<Reservation> {
    return this.json("POST", `/sessions/${sessionId}/reservations`, { body: { player } });
  }

  /** `DELETE /sessions/{id}/reservations/{player}`. */
  async deleteReservation(sessionId: number, player: string): Promise<void> {
    await this.call("DELETE", `/sessions/${sessionId}/reservations/${e(player)}`);
  }

  /** `PUT /sessions/{id}/platform-sessions/{platform}` (host): link a platform's session. */
  linkPlatformSession(
    sessionId: number,
    platform: Platform,
    link: PlatformSessionLink,
  ): Promise<PlatformSession> {
    return this.json("PUT", `/sessions/${sessionId}/platform-sessions/${e(platform)}`, {
      body: link,
    });
  }

  /** `DELETE /sessions/{id}/platform-sessions/{platform}`. */
  async unlinkPlatformSession(sessionId: number, platform: Platform): Promise<void> {
    await this.call("DELETE", `/sessions/${sessionId}/platform-sessions/${e(platform)}`);
  }

  /** `GET /platforms/{platform}/platform-sessions/{id}`. */
  getPlatformSession(platform: Platform, platformSessionIdBase64: string): Promise<PlatformSession> {
    return this.json(
      "GET",
      `/platforms/${e(platform)}/platform-sessions/${e(platformSessionIdBase64)}`,
    );
  }

  /** `DELETE /platforms/{platform}/platform-sessions/{id}` (admin): free a platform session
   * from whichever session linked it. */
  async releasePlatformSession(platform: Platform, platformSessionIdBase64: string): Promise<void> {
    await this.call(
      "DELETE",
      `/platforms/${e(platform)}/platform-sessions/${e(platformSessionIdBase64)}`,
    );
  }

  /**
   * `GET /sessions/{id}/ice` (members and admins): the STUN and TURN servers, with TURN
   * credentials, in WebRTC's shape (`new RTCPeerConnection({ iceServers: answer.ice_servers })`),
   * and `expires_at`, when to ask again.
   */
  ice(sessionId: number): Promise<IceAnswer> {
    return this.json("GET", `/sessions/${sessionId}/ice`);
  }

  // Helpers beyond single calls.

  /**
   * Open the session's sync socket (`WS /sync/{key}/ws`): snapshot, ordered changes, automatic
   * reconnection with `since=`, and the local document. It uses this client's current token,
   * so renewals apply to reconnections.
   */
  sync(key: string, options: SyncSocketOptions = {}): SyncSocket {
    const refreshToken = async () => {
      await this.renewNow();
      return this.token;
    };
    return new SyncSocket(this.baseUrl, key, () => this.token, { refreshToken, ...options });
  }

  /** Send heartbeats for a session until stopped (see {@link Heartbeat}). */
  keepAlive(sessionId: number, options: HeartbeatOptions = {}): Heartbeat {
    return new Heartbeat((players) => this.heartbeat(sessionId, players), options);
  }
}

function ifMatch(options: WriteOptions): Record<string, string> {
  return options.ifVersion === undefined ? {} : { "if-match": `"v${options.ifVersion}"` };
}

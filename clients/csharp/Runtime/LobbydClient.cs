using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>
    /// The lobbyd HTTP API. Every call is async and throws <see cref="LobbydError"/> (Status,
    /// Code, Message) for an error answer. The client keeps a token (set by
    /// <see cref="LoginAsync"/>, <see cref="RenewAsync"/>, or given) and sends it with every
    /// call; with <see cref="AutoRenew"/> it renews the token before it expires.
    /// </summary>
    public sealed class LobbydClient : IDisposable
    {
        /// <summary>This library's version.</summary>
        public const string Version = "0.1.0";
        /// <summary>The lobbyd API version this library speaks (lobbyd's info.version).</summary>
        public const string ApiVersion = "0.1.0";
        public const string MergePatchType = "application/merge-patch+json";

        readonly HttpClient http;
        readonly bool ownsHttp;
        readonly Dispatcher dispatcher;
        readonly SemaphoreSlim renewing = new SemaphoreSlim(1, 1);

        public string BaseUrl { get; private set; }
        /// <summary>The bearer token sent with each call (null: none).</summary>
        public string Token { get; set; }
        /// <summary>When <see cref="Token"/> expires, if the client got it from login or renew.</summary>
        public DateTimeOffset? TokenExpiresAt { get; set; }
        /// <summary>Renew the token before a call once it is within <see cref="RenewBefore"/> of
        /// expiring (default true).</summary>
        public bool AutoRenew { get; set; }
        /// <summary>How long before expiry the token is renewed (default 5 minutes).</summary>
        public TimeSpan RenewBefore { get; set; }
        /// <summary>Raised with the new token after each renewal (on the client's
        /// SynchronizationContext).</summary>
        public event Action<string> TokenRenewed;

        /// <param name="baseUrl">e.g. https://lobby.example.com</param>
        /// <param name="token">a token to start with (e.g. an admin token)</param>
        /// <param name="httpClient">an HttpClient to share (default: one of its own)</param>
        /// <param name="context">where events are raised (default: SynchronizationContext.Current)</param>
        public LobbydClient(string baseUrl, string token = null, HttpClient httpClient = null,
            SynchronizationContext context = null)
        {
            BaseUrl = baseUrl.TrimEnd('/');
            Token = token;
            AutoRenew = true;
            RenewBefore = TimeSpan.FromMinutes(5);
            ownsHttp = httpClient == null;
            http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            dispatcher = new Dispatcher(context ?? SynchronizationContext.Current);
        }

        /// <summary>The SynchronizationContext events are raised on (null: the background thread).</summary>
        public SynchronizationContext Context { get { return dispatcher.Context; } }

        public void Dispose()
        {
            if (ownsHttp) http.Dispose();
        }

        // ---- Hosts ----

        /// <summary>Register a new host. Its secret is in this answer only: keep it.</summary>
        public async Task<Credentials> RegisterAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var body = (JObject)await SendJsonAsync(HttpMethod.Post, "/hosts", null, cancellationToken, authenticate: false).ConfigureAwait(false);
            var secret = (string)body["secret"];
            body.Remove("secret");
            return new Credentials { Uuid = (string)body["uuid"], Secret = secret, Host = Json.ToObject<Host>(body) };
        }

        /// <summary>Log in with the host's secret (HTTP Basic); the token is kept for later calls.</summary>
        public async Task<TokenAnswer> LoginAsync(string host, string secret, CancellationToken cancellationToken = default(CancellationToken))
        {
            var basic = Convert.ToBase64String(Json.Utf8.GetBytes(host + ":" + secret));
            var request = new HttpRequestMessage(HttpMethod.Get, Url("/hosts/" + Segment(host) + "/access_token"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            var answer = Json.ToObject<TokenAnswer>(await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false));
            Keep(answer);
            return answer;
        }

        /// <summary>Trade the current token for a fresh one (kept for later calls).</summary>
        public async Task<TokenAnswer> RenewAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var request = Request(HttpMethod.Get, "/hosts/access_token/renew", null);
            var answer = Json.ToObject<TokenAnswer>(await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false));
            Keep(answer);
            var handler = TokenRenewed;
            if (handler != null) dispatcher.Post(() => handler(answer.Token));
            return answer;
        }

        /// <summary>A host: all of it for its owner, the public fields for anyone else.</summary>
        public Task<Host> GetHostAsync(string host, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Get, "/hosts/" + Segment(host), null, cancellationToken);
        }

        /// <summary>Let only friends join (true), or anyone welcome (false).</summary>
        public Task<Host> SetOnlyFriendsAsync(string host, bool onlyFriends, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Put, "/hosts/" + Segment(host) + "/only_friends",
                new JObject { { "only_friends", onlyFriends } }, cancellationToken);
        }

        /// <summary>Let guests without an account (nonames) join, or not.</summary>
        public Task<Host> SetAllowNonamesAsync(string host, bool allowNonames, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Put, "/hosts/" + Segment(host) + "/allow_nonames",
                new JObject { { "allow_nonames", allowNonames } }, cancellationToken);
        }

        /// <summary>Add a friend (a registered host's uuid).</summary>
        public Task<Host> BefriendAsync(string host, string friend, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Post, "/hosts/" + Segment(host) + "/friends?friend=" + Query(friend), null, cancellationToken);
        }

        public Task<Host> UnfriendAsync(string host, string friend, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Delete, "/hosts/" + Segment(host) + "/friends/" + Segment(friend), null, cancellationToken);
        }

        /// <summary>Ban a guest: it also leaves the host's live session at once.</summary>
        public Task<Host> BanAsync(string host, string guest, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Post, "/hosts/" + Segment(host) + "/banlist?banned=" + Query(guest), null, cancellationToken);
        }

        public Task<Host> UnbanAsync(string host, string guest, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Host>(HttpMethod.Delete, "/hosts/" + Segment(host) + "/banlist/" + Segment(guest), null, cancellationToken);
        }

        /// <summary>Delete the account (its session ends).</summary>
        public Task DeleteHostAsync(string host, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/hosts/" + Segment(host), null, cancellationToken);
        }

        /// <summary>Replace the host's secret, proving the current one (or, with secret null, as
        /// an admin). Every token issued before stops working: log in again with the new one.</summary>
        public async Task<Credentials> RotateSecretAsync(string host, string secret = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var request = Request(HttpMethod.Post, "/hosts/" + Segment(host) + "/secret", null);
            if (secret != null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Json.Utf8.GetBytes(host + ":" + secret)));
            else
                await BeforeCallAsync(cancellationToken).ConfigureAwait(false);
            var body = (JObject)await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false);
            var fresh = (string)body["secret"];
            body.Remove("secret");
            return new Credentials { Uuid = (string)body["uuid"], Secret = fresh, Host = Json.ToObject<Host>(body) };
        }

        /// <summary>The host's own welcome check: would this guest be admitted now, and by which rule.</summary>
        public Task<WelcomeAnswer> WelcomeAsync(string host, string guest, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<WelcomeAnswer>(HttpMethod.Get, "/hosts/" + Segment(host) + "/welcome?guest=" + Query(guest), null, cancellationToken);
        }

        // ---- Sessions ----

        /// <summary>Launch the host's session, or get its active one (Created false).</summary>
        public async Task<SessionRef> LaunchAsync(LaunchRequest launch, CancellationToken cancellationToken = default(CancellationToken))
        {
            await BeforeCallAsync(cancellationToken).ConfigureAwait(false);
            var request = Request(HttpMethod.Post, "/sessions", Json.ToToken(launch));
            using (var response = await SendAsync(request, cancellationToken).ConfigureAwait(false))
            {
                var body = Json.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
                var session = Json.ToObject<SessionRef>(body);
                session.Created = (int)response.StatusCode == 201;
                return session;
            }
        }

        /// <summary>Launch with defaults (capacity 8, open).</summary>
        public Task<SessionRef> LaunchAsync(string host, CancellationToken cancellationToken = default(CancellationToken))
        {
            return LaunchAsync(new LaunchRequest { Host = host }, cancellationToken);
        }

        /// <summary>Join the guest into the host's session (called by the guest, or by the host
        /// for a noname). The answer carries the join ticket.</summary>
        public Task<Joined> JoinAsync(string host, string guest, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Joined>(HttpMethod.Post, "/sessions/players",
                new JObject { { "host", host }, { "guest", guest } }, cancellationToken);
        }

        /// <summary>A session (members see everything).</summary>
        public Task<Session> GetSessionAsync(long sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Session>(HttpMethod.Get, "/sessions/" + Id(sessionId), null, cancellationToken);
        }

        /// <summary>The host changes visibility, keywords, labels, connection or turn.</summary>
        public Task<Session> UpdateSessionAsync(long sessionId, SessionUpdate update, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Session>(new HttpMethod("PATCH"), "/sessions/" + Id(sessionId), update.ToJson(), cancellationToken);
        }

        /// <summary>The host ends its session.</summary>
        public Task EndSessionAsync(long sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/sessions/" + Id(sessionId), null, cancellationToken);
        }

        /// <summary>The guest leaves (called by the guest) or is kicked (called by the host).</summary>
        public Task RemovePlayerAsync(long sessionId, string guest, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/sessions/" + Id(sessionId) + "/players/" + Segment(guest), null, cancellationToken);
        }

        /// <summary>Show life; the host may vouch for guests present in its game (nonames).</summary>
        public Task<HeartbeatAnswer> HeartbeatAsync(long sessionId, IEnumerable<string> players = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var body = new JObject { { "players", new JArray(players ?? new string[0]) } };
            return CallAsync<HeartbeatAnswer>(HttpMethod.Post, "/sessions/" + Id(sessionId) + "/heartbeat", body, cancellationToken);
        }

        /// <summary>The STUN and TURN servers for a peer-to-peer connection, with TURN
        /// credentials (members and admins; 404 no_session for anyone else).</summary>
        public Task<IceAnswer> IceAsync(long sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<IceAnswer>(HttpMethod.Get, "/sessions/" + Id(sessionId) + "/ice", null, cancellationToken);
        }

        // ---- Directory ----

        /// <summary>Sessions the player is in, invited to or holds a seat in, by type.</summary>
        public Task<PlayerSessions> PlayerSessionsAsync(string player, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<PlayerSessions>(HttpMethod.Get, "/players/" + Segment(player) + "/sessions", null, cancellationToken);
        }

        /// <summary>One page of GET /sessions (pass NextCursor back as Cursor for the next).</summary>
        public Task<QueryPage> QuerySessionsAsync(SessionQuery query = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            query = query ?? new SessionQuery();
            var parameters = new List<string>();
            AddQuery(parameters, "keyword", query.Keyword);
            AddQuery(parameters, "player", query.Player);
            AddQuery(parameters, "type", query.Type);
            AddQuery(parameters, "visibility", query.Visibility);
            AddQuery(parameters, "reservations", query.Reservations);
            AddQuery(parameters, "inactive", query.Inactive);
            AddQuery(parameters, "private", query.Private);
            if (query.Take.HasValue) AddQuery(parameters, "take", query.Take.Value.ToString(CultureInfo.InvariantCulture));
            AddQuery(parameters, "cursor", query.Cursor);
            var path = "/sessions" + (parameters.Count == 0 ? "" : "?" + string.Join("&", parameters));
            return CallAsync<QueryPage>(HttpMethod.Get, path, null, cancellationToken);
        }

        /// <summary>The host invites a player (again: the existing invite).</summary>
        public Task<Invite> InviteAsync(long sessionId, string player, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Invite>(HttpMethod.Post, "/sessions/" + Id(sessionId) + "/invites", new JObject { { "player", player } }, cancellationToken);
        }

        /// <summary>The session's pending invites (the host).</summary>
        public Task<List<Invite>> InvitesAsync(long sessionId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<List<Invite>>(HttpMethod.Get, "/sessions/" + Id(sessionId) + "/invites", null, cancellationToken);
        }

        /// <summary>The invited player declines, or the host revokes.</summary>
        public Task RemoveInviteAsync(long sessionId, string player, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/sessions/" + Id(sessionId) + "/invites/" + Segment(player), null, cancellationToken);
        }

        /// <summary>The host holds a seat for a player (again: extends the reservation).</summary>
        public Task<Reservation> ReserveAsync(long sessionId, string player, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<Reservation>(HttpMethod.Post, "/sessions/" + Id(sessionId) + "/reservations", new JObject { { "player", player } }, cancellationToken);
        }

        /// <summary>The host cancels a reservation, or its player releases it.</summary>
        public Task RemoveReservationAsync(long sessionId, string player, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/sessions/" + Id(sessionId) + "/reservations/" + Segment(player), null, cancellationToken);
        }

        /// <summary>The host links its session to a platform's own session (one per platform).</summary>
        public Task<PlatformSession> LinkPlatformSessionAsync(long sessionId, string platform, string platformSessionIdBase64,
            string platformSessionType, Dictionary<string, string> customData = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var body = new JObject
            {
                { "platform_session_id_base64", platformSessionIdBase64 },
                { "platform_session_type", platformSessionType },
                { "custom_data", customData == null ? new JObject() : JObject.FromObject(customData) },
            };
            return CallAsync<PlatformSession>(HttpMethod.Put, "/sessions/" + Id(sessionId) + "/platform-sessions/" + Segment(platform), body, cancellationToken);
        }

        public Task<PlatformSession> GetPlatformSessionAsync(string platform, string platformSessionIdBase64, CancellationToken cancellationToken = default(CancellationToken))
        {
            return CallAsync<PlatformSession>(HttpMethod.Get, "/platforms/" + Segment(platform) + "/platform-sessions/" + Segment(platformSessionIdBase64), null, cancellationToken);
        }

        /// <summary>An admin frees a platform session from whichever session linked it.</summary>
        public Task ReleasePlatformSessionAsync(string platform, string platformSessionIdBase64, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/platforms/" + Segment(platform) + "/platform-sessions/" + Segment(platformSessionIdBase64), null, cancellationToken);
        }

        public Task UnlinkPlatformSessionAsync(long sessionId, string platform, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Delete, "/sessions/" + Id(sessionId) + "/platform-sessions/" + Segment(platform), null, cancellationToken);
        }

        /// <summary>The public keys that verify join tickets (a JWKS document).</summary>
        public async Task<JObject> JwksAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return (JObject)await SendJsonAsync(HttpMethod.Get, "/.well-known/jwks.json", null, cancellationToken, authenticate: false).ConfigureAwait(false);
        }

        // ---- Sync over HTTP ----

        /// <summary>The session's source of truth.</summary>
        public async Task<SyncDocument> GetDocumentAsync(string key, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SyncDocument.FromJson((JObject)await SendJsonAsync(HttpMethod.Get, "/sync/" + Segment(key), null, cancellationToken).ConfigureAwait(false));
        }

        /// <summary>The host replaces the state; the new version. With ifVersion, only if the
        /// document is still at that version (else 412 precondition_failed).</summary>
        public Task<long> PutStateAsync(string key, JObject state, long? ifVersion = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return WriteAsync(HttpMethod.Put, "/sync/" + Segment(key), state, "application/json", ifVersion, cancellationToken);
        }

        /// <summary>The host merges an RFC 7396 patch into the state (null removes a field); the new version.</summary>
        public Task<long> PatchStateAsync(string key, JObject patch, long? ifVersion = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return WriteAsync(new HttpMethod("PATCH"), "/sync/" + Segment(key), patch, MergePatchType, ifVersion, cancellationToken);
        }

        /// <summary>A member replaces its own sub-document; the new version.</summary>
        public Task<long> PutMemberAsync(string key, string player, JObject document, long? ifVersion = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return WriteAsync(HttpMethod.Put, "/sync/" + Segment(key) + "/members/" + Segment(player), document, "application/json", ifVersion, cancellationToken);
        }

        /// <summary>Send a signal (an offer, an answer, a candidate...) to the member
        /// <paramref name="to"/>'s open sync sockets, without a socket of one's own (else
        /// <see cref="SyncSocket.SignalAsync"/>). Nothing is stored: a member with no socket open
        /// never sees it. LobbydError 404 no_document (not a member), 409 not_member (to is not a
        /// member) or session_ended, 413 (data over 16 KiB), 429 (too many signals a second).</summary>
        public Task SendSignalAsync(string key, string to, JObject data, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendJsonAsync(HttpMethod.Post, "/sync/" + Segment(key) + "/signals",
                new JObject { { "to", to }, { "data", data ?? new JObject() } }, cancellationToken);
        }

        /// <summary>A sync socket to the document, with this client's token (call ConnectAsync).</summary>
        public SyncSocket OpenSyncSocket(string key, SyncSocketOptions options = null)
        {
            if (Token == null) throw new InvalidOperationException("log in first: the socket needs a token");
            options = options ?? new SyncSocketOptions();
            if (options.Context == null) options.Context = dispatcher.Context;
            return new SyncSocket(this, key, options);
        }

        /// <summary>A heartbeat every interval (default 20 s) while the returned object is not disposed.</summary>
        public Heartbeat StartHeartbeat(long sessionId, TimeSpan? interval = null, Func<IEnumerable<string>> players = null)
        {
            return new Heartbeat(this, sessionId, interval ?? TimeSpan.FromSeconds(20), players, dispatcher);
        }

        // ---- Anything else ----

        /// <summary>Any call: the JSON answer (null for an empty one), or LobbydError.</summary>
        public async Task<JToken> SendJsonAsync(HttpMethod method, string path, JToken body,
            CancellationToken cancellationToken = default(CancellationToken), bool authenticate = true)
        {
            if (authenticate) await BeforeCallAsync(cancellationToken).ConfigureAwait(false);
            var request = Request(method, path, body);
            if (!authenticate) request.Headers.Authorization = null;
            return await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false);
        }

        async Task<T> CallAsync<T>(HttpMethod method, string path, JToken body, CancellationToken cancellationToken)
        {
            return Json.ToObject<T>(await SendJsonAsync(method, path, body, cancellationToken).ConfigureAwait(false));
        }

        async Task<long> WriteAsync(HttpMethod method, string path, JObject document, string mediaType, long? ifVersion, CancellationToken cancellationToken)
        {
            await BeforeCallAsync(cancellationToken).ConfigureAwait(false);
            var request = Request(method, path, null);
            request.Content = new StringContent(Json.Write(document), Json.Utf8, mediaType);
            if (ifVersion.HasValue) request.Headers.TryAddWithoutValidation("If-Match", "\"v" + ifVersion.Value.ToString(CultureInfo.InvariantCulture) + "\"");
            var body = await ReadJsonAsync(request, cancellationToken).ConfigureAwait(false);
            return (long)body["version"];
        }

        HttpRequestMessage Request(HttpMethod method, string path, JToken body)
        {
            var request = new HttpRequestMessage(method, Url(path));
            if (Token != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            if (body != null) request.Content = new StringContent(Json.Write(body), Json.Utf8, "application/json");
            return request;
        }

        async Task<JToken> ReadJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (var response = await SendAsync(request, cancellationToken).ConfigureAwait(false))
            {
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                return Json.Parse(text);
            }
        }

        async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status < 400) return response;
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                JToken body;
                try { body = Json.Parse(text); }
                catch (Newtonsoft.Json.JsonException) { body = new JValue(text); }
                TimeSpan? retryAfter = null;
                if (response.Headers.RetryAfter != null && response.Headers.RetryAfter.Delta.HasValue)
                    retryAfter = response.Headers.RetryAfter.Delta.Value;
                throw LobbydError.FromBody(status, body, retryAfter);
            }
        }

        /// <summary>Renew the token first when it is about to expire.</summary>
        async Task BeforeCallAsync(CancellationToken cancellationToken)
        {
            if (!AutoRenew || Token == null || !TokenExpiresAt.HasValue) return;
            if (DateTimeOffset.UtcNow < TokenExpiresAt.Value - RenewBefore) return;
            var token = Token;
            await renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Token == token) await RenewAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                renewing.Release();
            }
        }

        void Keep(TokenAnswer answer)
        {
            Token = answer.Token;
            TokenExpiresAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(answer.ExpiresIn);
        }

        internal string Url(string path)
        {
            return BaseUrl + path;
        }

        /// <summary>A value as one path segment (an id holding '/' becomes %2F).</summary>
        internal static string Segment(string value)
        {
            return Uri.EscapeDataString(value);
        }

        static string Query(string value)
        {
            return Uri.EscapeDataString(value);
        }

        static string Id(long sessionId)
        {
            return sessionId.ToString(CultureInfo.InvariantCulture);
        }

        static void AddQuery(List<string> parameters, string name, string value)
        {
            if (value != null) parameters.Add(name + "=" + Uri.EscapeDataString(value));
        }

        static void AddQuery(List<string> parameters, string name, bool? value)
        {
            if (value.HasValue) parameters.Add(name + "=" + (value.Value ? "true" : "false"));
        }
    }
}

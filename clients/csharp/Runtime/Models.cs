using System.Collections.Generic;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

// Request and answer bodies of the lobbyd HTTP API, as the server spells them (snake_case).
// Optional request fields left null are not sent (the server then applies its default).
namespace Lobbyd
{
    /// <summary>A host. Its owner sees every field; anyone else sees Uuid, OnlyFriends and
    /// AllowNonames, and Friends and Banlist are null.</summary>
    public class Host
    {
        [JsonProperty("uuid")] public string Uuid { get; set; }
        [JsonProperty("only_friends")] public bool OnlyFriends { get; set; }
        [JsonProperty("allow_nonames")] public bool AllowNonames { get; set; }
        [JsonProperty("friends")] public List<string> Friends { get; set; }
        [JsonProperty("banlist")] public List<string> Banlist { get; set; }
    }

    /// <summary>A host's uuid and secret (shown by the server only once) and the host itself.
    /// ToString hides the secret, so logging credentials does not leak it.</summary>
    public class Credentials
    {
        public string Uuid { get; set; }
        public string Secret { get; set; }
        public Host Host { get; set; }

        public override string ToString()
        {
            return "Credentials(uuid=" + Uuid + ", secret=***)";
        }
    }

    public class TokenAnswer
    {
        [JsonProperty("token")] public string Token { get; set; }
        /// <summary>Seconds the token is valid for.</summary>
        [JsonProperty("expires_in")] public int ExpiresIn { get; set; }
    }

    public class WelcomeAnswer
    {
        [JsonProperty("welcome")] public bool Welcome { get; set; }
        /// <summary>The rule that decided: guest_is_host, banned, invited, reserved, friend,
        /// not_a_friend, noname_allowed, noname_refused or open.</summary>
        [JsonProperty("reason")] public string Reason { get; set; }
    }

    /// <summary>Where guests reach the host's game: an address and named ports.</summary>
    public class Connection
    {
        [JsonProperty("address")] public string Address { get; set; }
        [JsonProperty("ports", NullValueHandling = NullValueHandling.Ignore)]
        public Dictionary<string, int> Ports { get; set; }
    }

    /// <summary>POST /sessions. Only Host is required.</summary>
    public class LaunchRequest
    {
        [JsonProperty("host")] public string Host { get; set; }
        [JsonProperty("type", NullValueHandling = NullValueHandling.Ignore)] public string Type { get; set; }
        [JsonProperty("capacity", NullValueHandling = NullValueHandling.Ignore)] public int? Capacity { get; set; }
        /// <summary>"open" (default) or "private".</summary>
        [JsonProperty("visibility", NullValueHandling = NullValueHandling.Ignore)] public string Visibility { get; set; }
        [JsonProperty("keywords", NullValueHandling = NullValueHandling.Ignore)] public List<string> Keywords { get; set; }
        [JsonProperty("labels", NullValueHandling = NullValueHandling.Ignore)] public Dictionary<string, string> Labels { get; set; }
        [JsonProperty("connection", NullValueHandling = NullValueHandling.Ignore)] public Connection Connection { get; set; }
    }

    /// <summary>A launched session; Created is false when the host already had this active
    /// session (launch is idempotent).</summary>
    public class SessionRef
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("source_of_truth_key")] public string SourceOfTruthKey { get; set; }
        [JsonIgnore] public bool Created { get; set; }
    }

    /// <summary>A guest's place in a session, and the join ticket it hands to the host's game.</summary>
    public class Joined
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("source_of_truth_key")] public string SourceOfTruthKey { get; set; }
        /// <summary>A short-lived ES256 JWT; the host's game verifies it with /.well-known/jwks.json
        /// (see <see cref="JoinTicket"/> to read its claims).</summary>
        [JsonProperty("ticket")] public string Ticket { get; set; }
    }

    public class Member
    {
        [JsonProperty("player")] public string Player { get; set; }
        /// <summary>"host" or "guest".</summary>
        [JsonProperty("role")] public string Role { get; set; }
        /// <summary>"active", "inactive" or "reserved".</summary>
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("joined_at")] public string JoinedAt { get; set; }
    }

    /// <summary>GET /sessions/{id}. Members see every field; others see the public ones, and
    /// SourceOfTruthKey, Connection, Turn and Members are null.</summary>
    public class Session
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("host")] public string Host { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("capacity")] public int Capacity { get; set; }
        [JsonProperty("visibility")] public string Visibility { get; set; }
        [JsonProperty("keywords")] public List<string> Keywords { get; set; }
        [JsonProperty("labels")] public Dictionary<string, string> Labels { get; set; }
        [JsonProperty("start_time")] public string StartTime { get; set; }
        /// <summary>Seats taken: members plus live reservations.</summary>
        [JsonProperty("player_count")] public int PlayerCount { get; set; }
        /// <summary>Members, the host included.</summary>
        [JsonProperty("accepted")] public int Accepted { get; set; }
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("source_of_truth_key")] public string SourceOfTruthKey { get; set; }
        [JsonProperty("connection")] public Connection Connection { get; set; }
        [JsonProperty("turn")] public List<string> Turn { get; set; }
        [JsonProperty("members")] public List<Member> Members { get; set; }
    }

    /// <summary>PATCH /sessions/{id}: only the fields set are sent. Set ClearConnection to
    /// remove the session's connection.</summary>
    public class SessionUpdate
    {
        public string Visibility { get; set; }
        public List<string> Keywords { get; set; }
        public Dictionary<string, string> Labels { get; set; }
        public Connection Connection { get; set; }
        public bool ClearConnection { get; set; }
        public List<string> Turn { get; set; }

        /// <summary>The PATCH body.</summary>
        public JObject ToJson()
        {
            var body = new JObject();
            if (Visibility != null) body["visibility"] = Visibility;
            if (Keywords != null) body["keywords"] = JArray.FromObject(Keywords);
            if (Labels != null) body["labels"] = JObject.FromObject(Labels);
            if (ClearConnection) body["connection"] = JValue.CreateNull();
            else if (Connection != null) body["connection"] = Json.ToToken(Connection);
            if (Turn != null) body["turn"] = JArray.FromObject(Turn);
            return body;
        }
    }

    public class HeartbeatAnswer
    {
        /// <summary>Seconds without life before the session (or a guest) times out.</summary>
        [JsonProperty("timeout")] public double Timeout { get; set; }
    }

    public class PendingInvite
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("inviting_player_uuid")] public string InvitingPlayerUuid { get; set; }
    }

    public class SessionsOfType
    {
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("session_ids")] public List<long> SessionIds { get; set; }
        [JsonProperty("pending_invites")] public Dictionary<string, PendingInvite> PendingInvites { get; set; }
        [JsonProperty("reserved_sessions")] public List<long> ReservedSessions { get; set; }
    }

    /// <summary>GET /players/{player}/sessions, grouped by session type.</summary>
    public class PlayerSessions
    {
        [JsonProperty("sessions")] public Dictionary<string, SessionsOfType> Sessions { get; set; }
        [JsonProperty("last_updated_timestamp")] public string LastUpdatedTimestamp { get; set; }
    }

    /// <summary>GET /sessions filters; null ones are not sent.</summary>
    public class SessionQuery
    {
        public string Keyword { get; set; }
        public string Player { get; set; }
        public string Type { get; set; }
        public string Visibility { get; set; }
        public bool? Reservations { get; set; }
        public bool? Inactive { get; set; }
        public bool? Private { get; set; }
        public int? Take { get; set; }
        public string Cursor { get; set; }
    }

    public class QueryResult
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("host")] public string Host { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("start_time")] public string StartTime { get; set; }
        [JsonProperty("accepted")] public int Accepted { get; set; }
        [JsonProperty("player_count")] public int PlayerCount { get; set; }
        [JsonProperty("capacity")] public int Capacity { get; set; }
        [JsonProperty("status")] public string Status { get; set; }
        /// <summary>"open", "private" or "full".</summary>
        [JsonProperty("visibility")] public string Visibility { get; set; }
        /// <summary>"followed" when the host is friends-only, else "none".</summary>
        [JsonProperty("join_restriction")] public string JoinRestriction { get; set; }
        [JsonProperty("my_turn")] public bool? MyTurn { get; set; }
        [JsonProperty("keywords")] public List<string> Keywords { get; set; }
        [JsonProperty("labels")] public Dictionary<string, string> Labels { get; set; }
        [JsonProperty("player")] public string Player { get; set; }
    }

    /// <summary>One page of GET /sessions; NextCursor is null on the last page.</summary>
    public class QueryPage
    {
        [JsonProperty("results")] public List<QueryResult> Results { get; set; }
        [JsonProperty("next_cursor")] public string NextCursor { get; set; }
    }

    public class Invite
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("player")] public string Player { get; set; }
        [JsonProperty("inviting_player_uuid")] public string InvitingPlayerUuid { get; set; }
        [JsonProperty("created_at")] public string CreatedAt { get; set; }
    }

    public class Reservation
    {
        [JsonProperty("session_id")] public long SessionId { get; set; }
        [JsonProperty("player")] public string Player { get; set; }
        [JsonProperty("created_at")] public string CreatedAt { get; set; }
        [JsonProperty("expires_at")] public string ExpiresAt { get; set; }
    }

    public class PlatformPlayer
    {
        [JsonProperty("player_uuid")] public string PlayerUuid { get; set; }
        [JsonProperty("player_id")] public long? PlayerId { get; set; }
        [JsonProperty("leader")] public bool Leader { get; set; }
    }

    /// <summary>A platform's own session linked to a lobbyd session.</summary>
    public class PlatformSession
    {
        [JsonProperty("platform")] public string Platform { get; set; }
        [JsonProperty("platform_session_type")] public string PlatformSessionType { get; set; }
        [JsonProperty("platform_session_id_base64")] public string PlatformSessionIdBase64 { get; set; }
        [JsonProperty("players")] public List<PlatformPlayer> Players { get; set; }
        [JsonProperty("custom_data")] public Dictionary<string, string> CustomData { get; set; }
        [JsonProperty("session_id")] public long SessionId { get; set; }
    }

    /// <summary>GET /sessions/{id}/ice: the STUN and TURN servers (WebRTC's RTCIceServer shape,
    /// for any ICE library), and when the TURN credentials stop working.</summary>
    public class IceAnswer
    {
        [JsonProperty("ice_servers")] public List<IceServer> IceServers { get; set; }
        /// <summary>RFC 3339: ask again before then.</summary>
        [JsonProperty("expires_at")] public string ExpiresAt { get; set; }
    }

    /// <summary>One ICE server: its URLs, and for TURN the username and credential (null for STUN).</summary>
    public class IceServer
    {
        [JsonProperty("urls")] public List<string> Urls { get; set; }
        /// <summary>TURN only: "&lt;unix expiry&gt;:&lt;player&gt;".</summary>
        [JsonProperty("username")] public string Username { get; set; }
        /// <summary>TURN only: base64(HMAC-SHA1(secret, username)).</summary>
        [JsonProperty("credential")] public string Credential { get; set; }
    }

    /// <summary>A signal another member sent to this one over the sync socket (an offer, an
    /// answer, a candidate...). Ephemeral: not part of the document, no version.</summary>
    public class SyncSignal
    {
        /// <summary>The sender's player id, as the server authenticated it.</summary>
        public string From { get; set; }
        public JObject Data { get; set; }

        public override string ToString()
        {
            return "signal from " + From + ": " + Json.Write(Data);
        }
    }
}

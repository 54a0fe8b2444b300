using System;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>
    /// The claims of a join ticket, read WITHOUT verifying its signature: for display and
    /// routing only. The host's game must verify the ES256 signature with the keys at
    /// /.well-known/jwks.json (<see cref="LobbydClient.JwksAsync"/>) with a JWT library before
    /// trusting it, and check Audience, expiry, Host (its own uuid) and SessionId.
    /// </summary>
    public class JoinTicket
    {
        public string Guest { get; private set; }
        public long SessionId { get; private set; }
        public string Host { get; private set; }
        public string Audience { get; private set; }
        public DateTimeOffset ExpiresAt { get; private set; }
        public string Id { get; private set; }
        public JObject Claims { get; private set; }

        public static JoinTicket Read(string ticket)
        {
            var parts = ticket.Split('.');
            if (parts.Length != 3) throw new FormatException("a join ticket has three parts");
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            var claims = Json.ParseObject(Json.Utf8.GetString(Convert.FromBase64String(payload)));
            return new JoinTicket
            {
                Guest = (string)claims["sub"],
                SessionId = (long)claims["sid"],
                Host = (string)claims["host"],
                Audience = (string)claims["aud"],
                ExpiresAt = DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]),
                Id = (string)claims["jti"],
                Claims = claims,
            };
        }
    }
}

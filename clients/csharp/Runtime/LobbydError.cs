using System;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>
    /// lobbyd refused a request: the HTTP <see cref="Status"/>, lobbyd's stable <see cref="Code"/>
    /// (for programs) and Message (for people). A 422 gets the code
    /// <c>validation_error</c>, with FastAPI's details in <see cref="Body"/>.
    /// </summary>
    public class LobbydError : Exception
    {
        public int Status { get; private set; }
        public string Code { get; private set; }
        public JToken Body { get; private set; }
        /// <summary>The server's Retry-After (429, 503), when it sent one.</summary>
        public TimeSpan? RetryAfter { get; private set; }

        public LobbydError(int status, string code, string message, JToken body = null,
            TimeSpan? retryAfter = null)
            : base(message)
        {
            Status = status;
            Code = code;
            Body = body;
            RetryAfter = retryAfter;
        }

        /// <summary>The error an error answer describes.</summary>
        public static LobbydError FromBody(int status, JToken body, TimeSpan? retryAfter = null)
        {
            var obj = body as JObject;
            if (obj != null)
            {
                var code = obj["code"] as JValue;
                if (code != null && code.Type == JTokenType.String)
                {
                    var message = obj["message"];
                    return new LobbydError(status, (string)code,
                        message == null ? "" : message.ToString(), body, retryAfter);
                }
                if (status == 422 && obj["detail"] != null)
                    return new LobbydError(status, "validation_error",
                        obj["detail"].ToString(Newtonsoft.Json.Formatting.None), body, retryAfter);
            }
            return new LobbydError(status, "http_error", "HTTP " + status, body, retryAfter);
        }

        public override string ToString()
        {
            return "LobbydError " + Status + " " + Code + ": " + Message;
        }
    }

    /// <summary>A write over the sync socket was refused: the server's error code and message.</summary>
    public class SyncError : Exception
    {
        public string Code { get; private set; }
        /// <summary>The last version the server had sent this socket.</summary>
        public long? Version { get; private set; }

        public SyncError(string code, string message, long? version = null) : base(message)
        {
            Code = code;
            Version = version;
        }

        public override string ToString()
        {
            return "SyncError " + Code + ": " + Message;
        }
    }

    /// <summary>
    /// The socket was not connected, or dropped before a write was acknowledged: the write may or
    /// may not have applied (send writes with <c>ifVersion</c> to make a retry safe).
    /// </summary>
    public class SyncDisconnected : Exception
    {
        public SyncDisconnected(string message) : base(message) { }
    }
}

using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>RFC 7396 JSON merge patch.</summary>
    public static class MergePatch
    {
        /// <summary>The result of merging <paramref name="patch"/> into <paramref name="target"/>;
        /// neither is modified.</summary>
        public static JToken Apply(JToken target, JToken patch)
        {
            var patchObject = patch as JObject;
            if (patchObject == null) return patch == null ? null : patch.DeepClone();
            var targetObject = target as JObject;
            var result = targetObject == null ? new JObject() : (JObject)targetObject.DeepClone();
            foreach (var property in patchObject.Properties())
            {
                if (property.Value.Type == JTokenType.Null)
                    result.Remove(property.Name);
                else
                    result[property.Name] = Apply(result[property.Name], property.Value);
            }
            return result;
        }
    }

    /// <summary>A session's source of truth as of <see cref="Version"/>: the host's
    /// <see cref="State"/> and one sub-document per member.</summary>
    public class SyncDocument
    {
        public long Version { get; private set; }
        public JObject State { get; private set; }
        public Dictionary<string, JObject> Members { get; private set; }
        /// <summary>The session has ended: no more changes follow.</summary>
        public bool Ended { get; private set; }

        public SyncDocument(long version, JObject state, Dictionary<string, JObject> members, bool ended)
        {
            Version = version;
            State = state ?? new JObject();
            Members = members ?? new Dictionary<string, JObject>();
            Ended = ended;
        }

        /// <summary>From a GET /sync/{key} body or a snapshot message.</summary>
        public static SyncDocument FromJson(JObject body)
        {
            var members = new Dictionary<string, JObject>();
            var given = body["members"] as JObject;
            if (given != null)
                foreach (var property in given.Properties())
                    members[property.Name] = property.Value as JObject ?? new JObject();
            var ended = body["ended"];
            return new SyncDocument(
                (long)body["version"],
                (body["state"] as JObject ?? new JObject()).DeepClone() as JObject,
                members,
                ended != null && ended.Type == JTokenType.Boolean && (bool)ended);
        }

        /// <summary>Apply a snapshot, or the change that follows <see cref="Version"/>; anything
        /// else (an old or a future change) is ignored. True when the document changed.</summary>
        public bool Apply(SyncMessage message)
        {
            if (message.Type == "snapshot")
            {
                var fresh = FromJson(message.Raw);
                Version = fresh.Version;
                State = fresh.State;
                Members = fresh.Members;
                Ended = fresh.Ended;
                return true;
            }
            if (message.Version != Version + 1) return false;
            Version = message.Version;
            var raw = message.Raw;
            switch (message.Type)
            {
                case "state_replaced":
                    State = (raw["state"] as JObject ?? new JObject()).DeepClone() as JObject;
                    break;
                case "state_patch":
                    State = MergePatch.Apply(State, raw["patch"]) as JObject ?? new JObject();
                    break;
                case "member_updated":
                    Members[message.Player] = (raw["document"] as JObject ?? new JObject()).DeepClone() as JObject;
                    break;
                case "member_joined":
                    Members[message.Player] = new JObject();
                    break;
                case "member_left":
                case "member_kicked":
                    Members.Remove(message.Player);
                    break;
                case "session_ended":
                    Ended = true;
                    break;
            }
            return true;
        }
    }

    /// <summary>A message of the sync socket: a snapshot or a change, with its
    /// <see cref="Type"/> and <see cref="Version"/>; <see cref="Raw"/> holds every field.</summary>
    public class SyncMessage
    {
        public string Type { get; private set; }
        public long Version { get; private set; }
        /// <summary>member_* messages: the player concerned.</summary>
        public string Player { get; private set; }
        /// <summary>member_left, member_kicked, session_ended: why (may be null).</summary>
        public string Reason { get; private set; }
        public JObject Raw { get; private set; }

        public SyncMessage(JObject raw)
        {
            Raw = raw;
            Type = (string)raw["type"];
            var version = raw["version"];
            Version = version != null && version.Type == JTokenType.Integer ? (long)version : 0;
            Player = raw["player"] != null && raw["player"].Type == JTokenType.String ? (string)raw["player"] : null;
            Reason = raw["reason"] != null && raw["reason"].Type == JTokenType.String ? (string)raw["reason"] : null;
        }

        public override string ToString()
        {
            return Json.Write(Raw);
        }
    }
}

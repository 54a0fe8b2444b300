using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace Lobbyd.Tests
{
    /// <summary>What needs no server.</summary>
    public static class UnitTests
    {
        static JObject O(string json) { return Json.ParseObject(json); }

        [Test]
        public static void MergePatchFollowsRfc7396()
        {
            // The examples of RFC 7396, appendix A (those with object targets and patches).
            var cases = new[]
            {
                new[] { "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
                new[] { "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
                new[] { "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
                new[] { "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
                new[] { "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
                new[] { "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
                new[] { "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}" },
                new[] { "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
                new[] { "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
                new[] { "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
            };
            foreach (var c in cases)
            {
                var target = O(c[0]);
                var result = MergePatch.Apply(target, O(c[1]));
                Assert.True(JToken.DeepEquals(result, O(c[2])), c[0] + " + " + c[1] + " = " + c[2] + ", got " + Json.Write(result));
                Assert.Equal(c[0], Json.Write(target), "the target is not modified");
            }
        }

        [Test]
        public static void DocumentAppliesOnlyTheNextChange()
        {
            var document = SyncDocument.FromJson(O("{\"type\":\"snapshot\",\"version\":3,\"state\":{\"a\":1},\"members\":{\"h\":{}},\"ended\":false}"));
            Assert.True(!document.Apply(new SyncMessage(O("{\"type\":\"state_patch\",\"version\":5,\"patch\":{\"a\":2}}"))), "a future change is ignored");
            Assert.True(!document.Apply(new SyncMessage(O("{\"type\":\"state_patch\",\"version\":3,\"patch\":{\"a\":2}}"))), "an old change is ignored");
            Assert.True(document.Apply(new SyncMessage(O("{\"type\":\"state_patch\",\"version\":4,\"patch\":{\"a\":null,\"b\":{\"c\":1}}}"))), "the next change applies");
            Assert.Equal("{\"b\":{\"c\":1}}", Json.Write(document.State), "state after the patch");
            document.Apply(new SyncMessage(O("{\"type\":\"member_joined\",\"version\":5,\"player\":\"g\"}")));
            document.Apply(new SyncMessage(O("{\"type\":\"member_updated\",\"version\":6,\"player\":\"g\",\"document\":{\"ready\":true}}")));
            Assert.Equal("{\"ready\":true}", Json.Write(document.Members["g"]), "member document");
            document.Apply(new SyncMessage(O("{\"type\":\"member_kicked\",\"version\":7,\"player\":\"g\"}")));
            Assert.True(!document.Members.ContainsKey("g"), "a kicked member is gone");
            document.Apply(new SyncMessage(O("{\"type\":\"state_replaced\",\"version\":8,\"state\":{\"z\":0}}")));
            document.Apply(new SyncMessage(O("{\"type\":\"session_ended\",\"version\":9,\"reason\":\"ended_by_host\"}")));
            Assert.Equal("{\"z\":0}", Json.Write(document.State), "replaced state");
            Assert.True(document.Ended && document.Version == 9, "ended at version 9");
        }

        [Test]
        public static void DateLikeStringsStayStrings()
        {
            var text = "{\"at\":\"2026-11-22T10:00:00Z\",\"n\":9007199254740991,\"f\":0.5}";
            Assert.Equal(text, Json.Write(Json.Parse(text)), "round trip");
        }

        [Test]
        public static void ErrorsCarryStatusCodeAndMessage()
        {
            var error = LobbydError.FromBody(404, O("{\"message\":\"You are not welcome.\",\"code\":\"not_welcome\"}"));
            Assert.Equal(404, error.Status, "status");
            Assert.Equal("not_welcome", error.Code, "code");
            Assert.Equal("You are not welcome.", error.Message, "message");
            var invalid = LobbydError.FromBody(422, O("{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"x\"}]}"));
            Assert.Equal("validation_error", invalid.Code, "422 code");
            Assert.Equal("http_error", LobbydError.FromBody(502, new JValue("Bad Gateway")).Code, "a body that is not lobbyd's");
        }

        [Test]
        public static void SessionUpdateSendsOnlyWhatIsSet()
        {
            Assert.Equal("{\"connection\":null}", Json.Write(new SessionUpdate { ClearConnection = true }.ToJson()), "clear the connection");
            var update = new SessionUpdate { Turn = new List<string> { "a" }, Visibility = "private" };
            Assert.Equal("{\"visibility\":\"private\",\"turn\":[\"a\"]}", Json.Write(update.ToJson()), "two fields");
            var launch = Json.Write(Json.ToToken(new LaunchRequest { Host = "h", Capacity = 4 }));
            Assert.Equal("{\"host\":\"h\",\"capacity\":4}", launch, "launch without defaults");
        }

        [Test]
        public static void CredentialsHideTheSecret()
        {
            var credentials = new Credentials { Uuid = "u", Secret = "s3cr3t" };
            Assert.True(!credentials.ToString().Contains("s3cr3t"), "ToString hides the secret");
        }
    }
}

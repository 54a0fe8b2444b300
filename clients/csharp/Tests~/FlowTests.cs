using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace Lobbyd.Tests
{
    /// <summary>
    /// One game's life against a real lobbyd at LOBBYD_URL, step after step (each step needs the
    /// ones before): two players register and log in, the host is friends-only and befriends the
    /// guest, launches, the guest joins with a ticket, both open sync sockets, the host's patches
    /// reach the guest's document, the server restarts (the test prints "@@restart" and waits
    /// for a line on stdin) and both sockets resume with since=, the host kicks the guest and
    /// ends the session.
    /// </summary>
    public static class FlowTests
    {
        static readonly string Url = Environment.GetEnvironmentVariable("LOBBYD_URL");
        static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        static LobbydClient host, guest, stranger;
        static string strangerUuid;
        static Credentials hostCredentials, guestCredentials;
        static SessionRef session;
        static Joined joined;
        static SyncSocket hostSocket, guestSocket;
        static PumpContext pump;
        static readonly ConcurrentQueue<SyncMessage> guestMessages = new ConcurrentQueue<SyncMessage>();
        static readonly ConcurrentQueue<string> guestEvents = new ConcurrentQueue<string>();
        static readonly ConcurrentQueue<SyncClose> hostCloses = new ConcurrentQueue<SyncClose>();
        static int offThread;
        static TaskCompletionSource<SyncClose> guestClosed = new TaskCompletionSource<SyncClose>(TaskCreationOptions.RunContinuationsAsynchronously);
        static TaskCompletionSource<SyncClose> hostClosed = new TaskCompletionSource<SyncClose>(TaskCreationOptions.RunContinuationsAsynchronously);

        static string Uuid(Credentials c) { return c.Uuid; }

        [Test]
        public static async Task RegisterAndLogIn()
        {
            Assert.True(!string.IsNullOrEmpty(Url), "LOBBYD_URL is set");
            host = new LobbydClient(Url);
            guest = new LobbydClient(Url);
            stranger = new LobbydClient(Url);
            hostCredentials = await host.RegisterAsync();
            guestCredentials = await guest.RegisterAsync();
            var strangerCredentials = await stranger.RegisterAsync();
            strangerUuid = strangerCredentials.Uuid;
            Assert.True(hostCredentials.Host.OnlyFriends, "a new host is friends-only");
            var wrong = await Assert.ThrowsAsync<LobbydError>(() => host.LoginAsync(hostCredentials.Uuid, "not-the-secret"), "a wrong secret");
            Assert.Equal(401, wrong.Status, "wrong secret status");
            Assert.Equal("unauthorized", wrong.Code, "wrong secret code");
            var token = await host.LoginAsync(hostCredentials.Uuid, hostCredentials.Secret);
            Assert.True(token.ExpiresIn > 0 && host.Token == token.Token, "the token is kept");
            await guest.LoginAsync(guestCredentials.Uuid, guestCredentials.Secret);
            await stranger.LoginAsync(strangerCredentials.Uuid, strangerCredentials.Secret);
            var seen = await guest.GetHostAsync(hostCredentials.Uuid);
            Assert.True(seen.Friends == null && seen.OnlyFriends, "another host sees the public fields");
        }

        [Test]
        public static async Task TokenRenewal()
        {
            var renewed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            host.TokenRenewed += token => renewed.TrySetResult(token);
            var before = host.Token;
            host.RenewBefore = TimeSpan.FromDays(1); // the token counts as about to expire
            await host.GetHostAsync(hostCredentials.Uuid);
            host.RenewBefore = TimeSpan.FromMinutes(5);
            var fresh = await renewed.Task;
            Assert.True(fresh != before && host.Token == fresh, "the call renewed the token first");
            await host.GetHostAsync(hostCredentials.Uuid); // and the new token works
        }

        [Test]
        public static async Task OnlyFriendsThenBefriend()
        {
            var updated = await host.SetOnlyFriendsAsync(hostCredentials.Uuid, true);
            Assert.True(updated.OnlyFriends, "only_friends set");
            session = await host.LaunchAsync(new LaunchRequest { Host = hostCredentials.Uuid, Capacity = 4, Keywords = new List<string> { "csharp" } });
            Assert.True(session.Created && session.SessionId > 0, "a new session");
            var again = await host.LaunchAsync(hostCredentials.Uuid);
            Assert.True(!again.Created && again.SessionId == session.SessionId, "launch is idempotent");
            var refused = await Assert.ThrowsAsync<LobbydError>(() => guest.JoinAsync(hostCredentials.Uuid, guestCredentials.Uuid), "a stranger joins a friends-only host");
            Assert.Equal(404, refused.Status, "not welcome status");
            Assert.Equal("not_welcome", refused.Code, "not welcome code");
            var befriended = await host.BefriendAsync(hostCredentials.Uuid, guestCredentials.Uuid);
            Assert.True(befriended.Friends.Contains(guestCredentials.Uuid), "the guest is a friend");
        }

        [Test]
        public static async Task JoinWithTicket()
        {
            joined = await guest.JoinAsync(hostCredentials.Uuid, guestCredentials.Uuid);
            Assert.Equal(session.SessionId, joined.SessionId, "joined the host's session");
            Assert.Equal(session.SourceOfTruthKey, joined.SourceOfTruthKey, "the same document");
            var ticket = JoinTicket.Read(joined.Ticket);
            Assert.Equal(guestCredentials.Uuid, ticket.Guest, "ticket sub");
            Assert.Equal(hostCredentials.Uuid, ticket.Host, "ticket host");
            Assert.Equal(session.SessionId, ticket.SessionId, "ticket sid");
            Assert.Equal("lobbyd:join-ticket", ticket.Audience, "ticket aud");
            Assert.True(ticket.ExpiresAt > DateTimeOffset.UtcNow, "ticket not expired");
            var jwks = await guest.JwksAsync();
            Assert.True(((JArray)jwks["keys"]).Count > 0, "JWKS has keys");
            var view = await guest.GetSessionAsync(session.SessionId);
            Assert.Equal(2, view.Members.Count, "two members");
            var again = await Assert.ThrowsAsync<LobbydError>(() => guest.JoinAsync(hostCredentials.Uuid, guestCredentials.Uuid), "joining twice");
            Assert.Equal("already_member", again.Code, "already a member");
        }

        [Test]
        public static async Task DirectoryAndSessionCalls()
        {
            Assert.Equal(strangerUuid, (await stranger.GetHostAsync(strangerUuid)).Uuid, "the stranger reads itself");
            var welcome = await host.WelcomeAsync(hostCredentials.Uuid, strangerUuid);
            Assert.True(!welcome.Welcome && welcome.Reason == "not_a_friend", "the stranger is not welcome: " + welcome.Reason);

            var invite = await host.InviteAsync(session.SessionId, strangerUuid);
            Assert.Equal(strangerUuid, invite.Player, "invited");
            Assert.Equal(1, (await host.InvitesAsync(session.SessionId)).Count, "one pending invite");
            var listed = await stranger.PlayerSessionsAsync(strangerUuid);
            Assert.True(listed.Sessions["default"].PendingInvites.ContainsKey(session.SessionId.ToString()), "the invitee sees the invite");
            await stranger.RemoveInviteAsync(session.SessionId, strangerUuid);
            Assert.Equal(0, (await host.InvitesAsync(session.SessionId)).Count, "declined");

            var reservation = await host.ReserveAsync(session.SessionId, strangerUuid);
            Assert.True(reservation.ExpiresAt != null, "a seat held");
            Assert.Equal(3, (await host.GetSessionAsync(session.SessionId)).PlayerCount, "the reservation counts");
            await host.RemoveReservationAsync(session.SessionId, strangerUuid);

            var page = await guest.QuerySessionsAsync(new SessionQuery { Keyword = "csharp", Take = 10 });
            Assert.True(page.Results.Exists(r => r.SessionId == session.SessionId), "found by keyword");
            var mine = await guest.QuerySessionsAsync(new SessionQuery { Player = guestCredentials.Uuid });
            Assert.True(mine.Results.Exists(r => r.SessionId == session.SessionId && r.MyTurn == false), "found by player");

            var updated = await host.UpdateSessionAsync(session.SessionId, new SessionUpdate
            {
                Turn = new List<string> { guestCredentials.Uuid },
                Labels = new Dictionary<string, string> { { "map", "dust" } },
                Connection = new Connection { Address = "203.0.113.7", Ports = new Dictionary<string, int> { { "game", 7777 } } },
            });
            Assert.Equal("dust", updated.Labels["map"], "labels");
            Assert.Equal(7777, updated.Connection.Ports["game"], "connection");
            var cleared = await host.UpdateSessionAsync(session.SessionId, new SessionUpdate { ClearConnection = true });
            Assert.True(cleared.Connection == null && cleared.Turn.Contains(guestCredentials.Uuid), "connection cleared, turn kept");

            var linked = await host.LinkPlatformSessionAsync(session.SessionId, "Steam", "c3RlYW0tMQ==", "lobby",
                new Dictionary<string, string> { { "region", "eu" } });
            Assert.Equal(session.SessionId, linked.SessionId, "linked");
            var found = await guest.GetPlatformSessionAsync("Steam", "c3RlYW0tMQ==");
            Assert.Equal("eu", found.CustomData["region"], "read by a member");
            await host.UnlinkPlatformSessionAsync(session.SessionId, "Steam");

            var banned = await host.BanAsync(hostCredentials.Uuid, "noname-1");
            Assert.True(banned.Banlist.Contains("noname-1"), "banned");
            await host.UnbanAsync(hostCredentials.Uuid, "noname-1");
            Assert.True((await host.SetAllowNonamesAsync(hostCredentials.Uuid, true)).AllowNonames, "nonames allowed");
            var invalid = await Assert.ThrowsAsync<LobbydError>(() => host.BefriendAsync(hostCredentials.Uuid, "not-a-uuid"), "befriending a non-uuid");
            Assert.Equal(422, invalid.Status, "422");
            Assert.Equal("validation_error", invalid.Code, "422 code");
        }

        [Test]
        public static async Task NonMemberSocketIsRefused()
        {
            var socket = stranger.OpenSyncSocket(session.SourceOfTruthKey);
            var error = await Assert.ThrowsAsync<LobbydError>(() => socket.ConnectAsync(), "a non-member's socket");
            Assert.Equal(404, error.Status, "refusal status");
            Assert.Equal("no_document", error.Code, "refusal code");
        }

        [Test]
        public static async Task CloseBeforeConnected()
        {
            // Nothing listens there: the socket keeps retrying until closed, then ConnectAsync fails.
            using (var nowhere = new LobbydClient("http://127.0.0.1:9", host.Token))
            {
                var socket = nowhere.OpenSyncSocket(session.SourceOfTruthKey);
                var connecting = socket.ConnectAsync();
                await Task.Delay(300);
                await socket.CloseAsync();
                await Assert.ThrowsAsync<SyncDisconnected>(() => connecting, "closed before it connected");
            }
        }

        [Test]
        public static async Task BothSockets()
        {
            var fast = new SyncSocketOptions { BackoffMax = TimeSpan.FromSeconds(1) };
            hostSocket = host.OpenSyncSocket(session.SourceOfTruthKey, fast);
            hostSocket.Closed += close => hostClosed.TrySetResult(close);
            hostSocket.Disconnected += close => hostCloses.Enqueue(close);
            var hostSnapshot = hostSocket.WaitForAsync(m => m.Type == "snapshot", Wait);
            await hostSocket.ConnectAsync();
            await hostSnapshot;
            Assert.True(hostSocket.Document.Members.ContainsKey(guestCredentials.Uuid), "the host's snapshot lists the guest");

            pump = new PumpContext();
            guestSocket = guest.OpenSyncSocket(session.SourceOfTruthKey, new SyncSocketOptions { BackoffMax = TimeSpan.FromSeconds(1), Context = pump });
            guestSocket.Message += message =>
            {
                if (Thread.CurrentThread.ManagedThreadId != pump.ThreadId) Interlocked.Increment(ref offThread);
                guestMessages.Enqueue(message);
            };
            guestSocket.Connected += () => guestEvents.Enqueue("connected");
            guestSocket.Disconnected += close => guestEvents.Enqueue("disconnected " + close.Code);
            guestSocket.Closed += close => guestClosed.TrySetResult(close);
            var guestSnapshot = guestSocket.WaitForAsync(m => m.Type == "snapshot", Wait);
            await guestSocket.ConnectAsync();
            await guestSnapshot;
            Assert.True(guestSocket.Document.Members.ContainsKey(hostCredentials.Uuid), "the guest's snapshot lists the host");
        }

        [Test]
        public static async Task StatePatchSeenByTheGuest()
        {
            var seen = guestSocket.WaitForAsync(m => m.Type == "state_patch" && m.Raw["patch"]["round"] != null, Wait);
            var version = await hostSocket.PatchAsync(new JObject { { "round", 1 }, { "score", new JObject { { "red", 0 }, { "blue", 0 } } } });
            var message = await seen;
            Assert.Equal(version, message.Version, "the ack's version is the change's");
            Assert.Equal(1, (int)guestSocket.Document.State["round"], "the guest's document has the round");

            var removed = guestSocket.WaitForAsync(m => m.Version == version + 1, Wait);
            var next = await host.PatchStateAsync(session.SourceOfTruthKey, new JObject { { "score", new JObject { { "red", null } } } }, ifVersion: version);
            await removed;
            Assert.Equal(version + 1, next, "the HTTP patch made the next version");
            Assert.Equal("{\"round\":1,\"score\":{\"blue\":0}}", Json.Write(guestSocket.Document.State), "null removed a field");

            var stale = await Assert.ThrowsAsync<LobbydError>(() => host.PatchStateAsync(session.SourceOfTruthKey, new JObject { { "x", 1 } }, ifVersion: version), "a stale If-Match");
            Assert.Equal(412, stale.Status, "stale status");

            var forbidden = await Assert.ThrowsAsync<SyncError>(() => guestSocket.PatchAsync(new JObject { { "round", 9 } }), "a guest writing the state");
            Assert.Equal("forbidden", forbidden.Code, "guest write refused");

            var ready = hostSocket.WaitForAsync(m => m.Type == "member_updated" && m.Player == guestCredentials.Uuid, Wait);
            await guestSocket.UpdateMemberAsync(new JObject { { "ready", true } });
            await ready;
            Assert.True((bool)hostSocket.Document.Members[guestCredentials.Uuid]["ready"], "the host sees the guest ready");
            var team = hostSocket.WaitForAsync(m => m.Type == "member_updated" && m.Raw["document"]["team"] != null, Wait);
            await guest.PutMemberAsync(guestSocket.Key, guestCredentials.Uuid, new JObject { { "team", "red" } });
            await team;
            Assert.Equal("red", (string)hostSocket.Document.Members[guestCredentials.Uuid]["team"], "an HTTP member write reached the host");
            var pinged = await guestSocket.PingAsync();
            Assert.True(pinged >= next, "ping answers the socket's version");
            var http = await guest.GetDocumentAsync(session.SourceOfTruthKey);
            Assert.True(JToken.DeepEquals(http.State, guestSocket.Document.State), "the local document equals the server's");
            Assert.Equal(0, offThread, "every guest event ran on its SynchronizationContext's thread");
        }

        [Test]
        public static async Task IceAndSignals()
        {
            var ice = await guest.IceAsync(session.SessionId);
            Assert.True(ice.IceServers != null && !string.IsNullOrEmpty(ice.ExpiresAt), "an ICE answer");
            var notMember = await Assert.ThrowsAsync<LobbydError>(() => stranger.IceAsync(session.SessionId), "a stranger's ICE");
            Assert.Equal(404, notMember.Status, "ICE for members only");

            var offer = new TaskCompletionSource<SyncSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<SyncSignal> onHost = signal => offer.TrySetResult(signal);
            hostSocket.Signal += onHost;
            var versionBefore = guestSocket.Version;
            await guestSocket.SignalAsync(hostCredentials.Uuid, new JObject { { "kind", "offer" }, { "sdp", "v=0" } });
            var done = await Task.WhenAny(offer.Task, Task.Delay(Wait));
            hostSocket.Signal -= onHost;
            Assert.True(done == offer.Task, "the host got the guest's signal");
            Assert.Equal(guestCredentials.Uuid, offer.Task.Result.From, "from the guest");
            Assert.Equal("v=0", (string)offer.Task.Result.Data["sdp"], "the data as sent");

            var answer = new TaskCompletionSource<SyncSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<SyncSignal> onGuest = signal =>
            {
                if (Thread.CurrentThread.ManagedThreadId != pump.ThreadId) Interlocked.Increment(ref offThread);
                answer.TrySetResult(signal);
            };
            guestSocket.Signal += onGuest;
            await host.SendSignalAsync(session.SourceOfTruthKey, guestCredentials.Uuid, new JObject { { "kind", "answer" } });
            done = await Task.WhenAny(answer.Task, Task.Delay(Wait));
            guestSocket.Signal -= onGuest;
            Assert.True(done == answer.Task, "the guest got the host's signal sent over HTTP");
            Assert.Equal(hostCredentials.Uuid, answer.Task.Result.From, "from the host");
            Assert.Equal("answer", (string)answer.Task.Result.Data["kind"], "the HTTP signal's data");

            var refused = await Assert.ThrowsAsync<SyncError>(() => guestSocket.SignalAsync(strangerUuid, new JObject()), "a signal to a non-member");
            Assert.Equal("not_member", refused.Code, "not_member");
            var http = await Assert.ThrowsAsync<LobbydError>(() => host.SendSignalAsync(session.SourceOfTruthKey, strangerUuid, new JObject()), "an HTTP signal to a non-member");
            Assert.Equal(409, http.Status, "409 over HTTP");
            Assert.Equal("not_member", http.Code, "not_member over HTTP");
            Assert.Equal(versionBefore, guestSocket.Version, "signals leave the version alone");
            Assert.True(!guestMessages.Any(m => m.Type == "signal"), "signals never come out as messages");
            Assert.Equal(0, offThread, "signal events run on the socket's context");
        }

        [Test]
        public static async Task HalfOpenConnectionIsReplaced()
        {
            // A connection that silently stops carrying anything (no close, no error) is found
            // by the keepalive ping and replaced; the socket resumes with since=.
            using (var proxy = new FreezingProxy(new Uri(Url).Port))
            using (var viaProxy = new LobbydClient(proxy.Url, host.Token))
            {
                var options = new SyncSocketOptions
                {
                    KeepAlive = TimeSpan.FromMilliseconds(300),
                    ReplyTimeout = TimeSpan.FromSeconds(1),
                    BackoffMax = TimeSpan.FromMilliseconds(300),
                };
                var socket = viaProxy.OpenSyncSocket(session.SourceOfTruthKey, options);
                var dropped = new TaskCompletionSource<SyncClose>(TaskCreationOptions.RunContinuationsAsynchronously);
                socket.Disconnected += close => dropped.TrySetResult(close);
                var snapshot = socket.WaitForAsync(m => m.Type == "snapshot", Wait);
                await socket.ConnectAsync();
                await snapshot;
                proxy.Freeze();
                var done = await Task.WhenAny(dropped.Task, Task.Delay(Wait));
                Assert.True(done == dropped.Task, "the frozen connection was given up");
                Assert.True(dropped.Task.Result.Reason.Contains("ping"), "because a ping went unanswered: " + dropped.Task.Result);
                var version = await host.PatchStateAsync(session.SourceOfTruthKey, new JObject { { "frozen", true } });
                var seen = socket.WaitForAsync(m => m.Version == version, Wait);
                proxy.Thaw();
                await seen;
                Assert.True((bool)socket.Document.State["frozen"], "the change made meanwhile arrived");
                await socket.CloseAsync();
            }
        }

        [Test]
        public static async Task TokenAsSubprotocol()
        {
            // By default the token travels as the subprotocol bearer.<token>: the sockets opened
            // with default options negotiated "lobbyd".
            Assert.Equal(SyncSocket.Subprotocol, hostSocket.NegotiatedSubprotocol, "the host's socket: lobbyd");
            Assert.Equal(SyncSocket.Subprotocol, guestSocket.NegotiatedSubprotocol, "the guest's socket: lobbyd");
            // The query parameter still works when asked for (no subprotocol offered then).
            var socket = guest.OpenSyncSocket(session.SourceOfTruthKey, new SyncSocketOptions { TokenInSubprotocol = false });
            var snapshot = socket.WaitForAsync(m => m.Type == "snapshot", Wait);
            await socket.ConnectAsync();
            await snapshot;
            Assert.Equal(null, socket.NegotiatedSubprotocol, "no subprotocol with ?token=");
            await socket.CloseAsync();
            using (var nobody = new LobbydClient(Url, "not-a-token"))
            {
                var refused = nobody.OpenSyncSocket(session.SourceOfTruthKey);
                var closes = new ConcurrentQueue<SyncClose>();
                refused.Closed += close => closes.Enqueue(close);
                var error = await Assert.ThrowsAsync<LobbydError>(() => refused.ConnectAsync(), "a bad token in the subprotocol");
                Assert.Equal(401, error.Status, "refused as unauthorized");
                Assert.Equal("unauthorized", error.Code, "the code from the close reason");
            }
        }

        [Test]
        public static async Task HeartbeatHelper()
        {
            using (var beat = host.StartHeartbeat(session.SessionId, TimeSpan.FromMilliseconds(200)))
            {
                var deadline = DateTime.UtcNow + Wait;
                while (beat.Beats < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
                Assert.True(beat.Beats >= 2 && beat.Timeout > 0, "two heartbeats answered");
            }
        }

        [Test(TimeoutSeconds = 90)]
        public static async Task ReconnectAfterServerRestart()
        {
            var before = guestSocket.Version.Value;
            var snapshotsBefore = guestMessages.Count(m => m.Type == "snapshot");
            Console.WriteLine("@@restart");
            Console.Out.Flush();
            var line = Console.In.ReadLine();
            Assert.True(line != null && line.Trim() == "go", "the server was restarted");
            // The server is back: a change made now reaches both sockets once they have resumed.
            var seen = guestSocket.WaitForAsync(m => m.Type == "state_patch" && m.Raw["patch"]["round"] != null && (int)m.Raw["patch"]["round"] == 2, TimeSpan.FromSeconds(30));
            var hostSeen = hostSocket.WaitForAsync(m => m.Type == "state_patch" && (int)m.Raw["patch"]["round"] == 2, TimeSpan.FromSeconds(30));
            var version = await host.PatchStateAsync(session.SourceOfTruthKey, new JObject { { "round", 2 } });
            var message = await seen;
            await hostSeen;
            Assert.Equal(before + 1, version, "the document survived the restart");
            Assert.Equal(version, message.Version, "the guest got the change");
            Assert.True(guestSocket.Reconnects >= 1 && hostSocket.Reconnects >= 1, "both sockets reconnected");
            Assert.Equal(snapshotsBefore, guestMessages.Count(m => m.Type == "snapshot"), "resumed with since=: no new snapshot");
            Assert.True(guestEvents.Any(e => e.StartsWith("disconnected")), "the guest saw the disconnection");
            Assert.Equal(2, (int)guestSocket.Document.State["round"], "the guest's document is current");
            var versions = guestMessages.Where(m => m.Type != "snapshot").Select(m => m.Version).ToList();
            for (var i = 1; i < versions.Count; i++) Assert.Equal(versions[i - 1] + 1, versions[i], "changes in order, each once");
            await guestSocket.PingAsync(); // writes work on the new connection
        }

        [Test]
        public static async Task Kick()
        {
            var kicked = hostSocket.WaitForAsync(m => m.Type == "member_kicked" && m.Player == guestCredentials.Uuid, Wait);
            await host.RemovePlayerAsync(session.SessionId, guestCredentials.Uuid);
            await kicked;
            Assert.True(!hostSocket.Document.Members.ContainsKey(guestCredentials.Uuid), "the guest left the host's document");
            var done = await Task.WhenAny(guestClosed.Task, Task.Delay(Wait));
            Assert.True(done == guestClosed.Task, "the guest's socket closed");
            var close = guestClosed.Task.Result;
            Assert.Equal((int?)SyncSocket.CloseRemoved, close.Code, "close code 4003");
            Assert.True(close.Error is SyncRemoved, "surfaced as SyncRemoved");
            Assert.True(!guestSocket.IsConnected, "no reconnection after removal");
        }

        [Test]
        public static async Task End()
        {
            var ended = hostSocket.WaitForAsync(m => m.Type == "session_ended", Wait);
            await host.EndSessionAsync(session.SessionId);
            var message = await ended;
            Assert.Equal("ended_by_host", message.Reason, "ended reason");
            Assert.True(hostSocket.Document.Ended, "the document says ended");
            var done = await Task.WhenAny(hostClosed.Task, Task.Delay(Wait));
            Assert.True(done == hostClosed.Task, "the host's socket closed");
            Assert.Equal((int?)SyncSocket.CloseEnded, hostClosed.Task.Result.Code, "close code 1000");
            Assert.True(hostClosed.Task.Result.Error == null, "an ending, not an error");
            var gone = await Assert.ThrowsAsync<LobbydError>(() => host.GetSessionAsync(session.SessionId), "reading an ended session");
            Assert.Equal("session_ended", gone.Code, "ended code");
            await hostSocket.CloseAsync();
            pump.Dispose();
            host.Dispose();
            guest.Dispose();
            stranger.Dispose();
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>Options of a <see cref="SyncSocket"/>.</summary>
    public class SyncSocketOptions
    {
        /// <summary>The last version the caller already holds: the server then sends the changes
        /// after it (or a fresh snapshot if it no longer keeps them).</summary>
        public long? Since { get; set; }
        /// <summary>First reconnection delay (default 0.1 s); doubles up to BackoffMax, with jitter.</summary>
        public TimeSpan Backoff { get; set; }
        /// <summary>Longest reconnection delay (default 10 s).</summary>
        public TimeSpan BackoffMax { get; set; }
        /// <summary>Failed attempts in a row before giving up (default null: never).</summary>
        public int? MaxRetries { get; set; }
        /// <summary>How long a write waits for its ack, or for a connection (default 10 s).</summary>
        public TimeSpan ReplyTimeout { get; set; }
        /// <summary>Where events are raised (default: the client's context).</summary>
        public SynchronizationContext Context { get; set; }
        /// <summary>After this long with nothing received, the socket sends a ping; with no
        /// answer within ReplyTimeout the connection is taken for dead and replaced (default
        /// 15 s; TimeSpan.Zero: never). This finds connections a network change left half-open.</summary>
        public TimeSpan KeepAlive { get; set; }
        /// <summary>Send the token as the WebSocket subprotocol <c>bearer.&lt;token&gt;</c> (with
        /// <c>lobbyd</c>), so it is not part of the URL (default true). False sends it as the
        /// <c>token</c> query parameter instead, for a lobbyd older than the subprotocol (which
        /// refuses the subprotocol's token as unauthenticated).</summary>
        public bool TokenInSubprotocol { get; set; }

        public SyncSocketOptions()
        {
            Backoff = TimeSpan.FromSeconds(0.1);
            BackoffMax = TimeSpan.FromSeconds(10);
            ReplyTimeout = TimeSpan.FromSeconds(10);
            KeepAlive = TimeSpan.FromSeconds(15);
            TokenInSubprotocol = true;
        }
    }

    /// <summary>Why a connection of the socket ended.</summary>
    public class SyncClose
    {
        /// <summary>The WebSocket close code the server sent (null: the connection dropped or
        /// could not be made).</summary>
        public int? Code { get; internal set; }
        public string Reason { get; internal set; }
        /// <summary>Disconnected: whether the socket reconnects by itself.</summary>
        public bool WillReconnect { get; internal set; }
        /// <summary>The server had answered on this connection (it was not refused at once).</summary>
        internal bool Established { get; set; }
        /// <summary>Closed: what ended the socket for good (null after session_ended or
        /// CloseAsync): a LobbydError when the server refused it (401, 403, 404),
        /// <see cref="SyncRemoved"/> when this member was removed (4003).</summary>
        public Exception Error { get; internal set; }

        public override string ToString()
        {
            return "close " + (Code.HasValue ? Code.Value.ToString(CultureInfo.InvariantCulture) : "-") + " " + Reason;
        }
    }

    /// <summary>This member left, was kicked or banned: the server closed the socket with 4003.</summary>
    public class SyncRemoved : Exception
    {
        public SyncRemoved(string message) : base(message) { }
    }

    /// <summary>
    /// A session's live source of truth over WS /sync/{key}/ws, that reconnects by itself.
    /// First a snapshot, then every change in version order, each delivered once through
    /// <see cref="Message"/> after being applied to <see cref="Document"/>. When the connection
    /// drops it reconnects with backoff and since= the last version received. Events are raised
    /// on the SynchronizationContext of the client (Unity's main thread when made there).
    /// </summary>
    public sealed class SyncSocket : IDisposable
    {
        public const int CloseEnded = 1000, CloseRemoved = 4003, CloseLagged = 4008;
        public const int CloseUnauthorized = 4401, CloseForbidden = 4403, CloseNotFound = 4404;
        /// <summary>The WebSocket subprotocol of lobbyd's sync socket.</summary>
        public const string Subprotocol = "lobbyd";

        readonly LobbydClient client;
        readonly SyncSocketOptions options;
        readonly Dispatcher dispatcher;
        readonly ConcurrentDictionary<long, TaskCompletionSource<JObject>> pending = new ConcurrentDictionary<long, TaskCompletionSource<JObject>>();
        readonly List<KeyValuePair<Func<SyncMessage, bool>, TaskCompletionSource<SyncMessage>>> waiters = new List<KeyValuePair<Func<SyncMessage, bool>, TaskCompletionSource<SyncMessage>>>();
        readonly SemaphoreSlim sending = new SemaphoreSlim(1, 1);
        readonly CancellationTokenSource stop = new CancellationTokenSource();
        readonly Random random = new Random();
        TaskCompletionSource<bool> connected = NewSignal();
        TaskCompletionSource<bool> first;
        ClientWebSocket socket;
        SyncClose serving; // how the current connection ends, once it has
        Task running;
        long nextId;
        long lastReceived; // Stopwatch ticks of the last frame received
        static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();
        long? received;
        volatile bool closed;

        public string Key { get; private set; }
        /// <summary>The local copy of the document, kept current from the messages delivered so
        /// far (read it on the events' context; null before the first snapshot).</summary>
        public SyncDocument Document { get; private set; }
        /// <summary>The last version received (snapshot or change).</summary>
        public long? Version { get { return Interlocked.Read(ref receivedBox) < 0 ? (long?)null : Interlocked.Read(ref receivedBox); } }
        long receivedBox = -1;
        /// <summary>How many times it reconnected.</summary>
        public int Reconnects { get; private set; }
        public bool IsConnected { get { return connected.Task.IsCompleted && !closed; } }
        /// <summary>The subprotocol the server chose on the current connection ("lobbyd" on
        /// servers that speak it; null otherwise or when not connected).</summary>
        public string NegotiatedSubprotocol { get { var current = socket; return current == null ? null : current.SubProtocol; } }

        /// <summary>A snapshot or a change, already applied to <see cref="Document"/>.</summary>
        public event Action<SyncMessage> Message;
        /// <summary>A signal another member sent to this one (on the events' context). Signals
        /// are not messages of the document: they never reach <see cref="Message"/>.</summary>
        public event Action<SyncSignal> Signal;
        /// <summary>A connection (the first or a reconnection) is open.</summary>
        public event Action Connected;
        /// <summary>A connection ended; <see cref="SyncClose.WillReconnect"/> says if another follows.</summary>
        public event Action<SyncClose> Disconnected;
        /// <summary>The socket ended for good (session ended, member removed, refused, gave up, or closed).</summary>
        public event Action<SyncClose> Closed;

        internal SyncSocket(LobbydClient client, string key, SyncSocketOptions options)
        {
            this.client = client;
            this.options = options;
            Key = key;
            dispatcher = new Dispatcher(options.Context);
            received = options.Since;
            if (received.HasValue) receivedBox = received.Value;
        }

        /// <summary>Connect (retrying transient failures as configured). Throws LobbydError when
        /// the server refuses (401 bad token, 404 not a member or no such document).</summary>
        public Task ConnectAsync()
        {
            if (running != null) throw new InvalidOperationException("already connected");
            first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            running = Task.Run(RunAsync);
            return first.Task;
        }

        /// <summary>The host merges an RFC 7396 patch into the state; the new version.</summary>
        public Task<long> PatchAsync(JObject patch, long? ifVersion = null)
        {
            return WriteAsync(new JObject { { "type", "patch" }, { "patch", patch } }, ifVersion);
        }

        /// <summary>The host replaces the state; the new version.</summary>
        public Task<long> ReplaceAsync(JObject state, long? ifVersion = null)
        {
            return WriteAsync(new JObject { { "type", "replace" }, { "state", state } }, ifVersion);
        }

        /// <summary>This member replaces its own sub-document; the new version.</summary>
        public Task<long> UpdateMemberAsync(JObject document, long? ifVersion = null)
        {
            return WriteAsync(new JObject { { "type", "member" }, { "document", document } }, ifVersion);
        }

        /// <summary>Send a signal (an offer, an answer, a candidate...) to the member
        /// <paramref name="to"/>: its open sockets raise <see cref="Signal"/>. Completes when the
        /// server took it; nothing is stored, and nothing is resent after a reconnection.
        /// SyncError not_member (to is not a member), too_large (data over 16 KiB), rate_limited
        /// (too many signals a second: this one was dropped).</summary>
        public async Task SignalAsync(string to, JObject data)
        {
            await CallAsync(new JObject { { "type", "signal" }, { "to", to }, { "data", data ?? new JObject() } }).ConfigureAwait(false);
        }

        /// <summary>A round trip to the server; the last version it sent this socket.</summary>
        public async Task<long> PingAsync()
        {
            var reply = await CallAsync(new JObject { { "type", "ping" } }).ConfigureAwait(false);
            return (long)reply["version"];
        }

        /// <summary>The first message delivered from now on that matches (after it was applied
        /// to Document); TimeoutException after <paramref name="timeout"/>.</summary>
        public async Task<SyncMessage> WaitForAsync(Func<SyncMessage, bool> match, TimeSpan timeout)
        {
            var waiter = new TaskCompletionSource<SyncMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = new KeyValuePair<Func<SyncMessage, bool>, TaskCompletionSource<SyncMessage>>(match, waiter);
            lock (waiters) waiters.Add(entry);
            var done = await Task.WhenAny(waiter.Task, Task.Delay(timeout)).ConfigureAwait(false);
            lock (waiters) waiters.Remove(entry);
            if (done != waiter.Task) throw new TimeoutException("no matching sync message within " + timeout);
            return await waiter.Task.ConfigureAwait(false);
        }

        /// <summary>Disconnect for good.</summary>
        public async Task CloseAsync()
        {
            if (closed) return;
            closed = true;
            var current = socket;
            if (current != null)
            {
                try
                {
                    var close = current.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    await Task.WhenAny(close, Task.Delay(2000)).ConfigureAwait(false);
                }
                catch (Exception) { }
            }
            stop.Cancel();
            if (current != null) current.Abort();
            if (running != null) await Task.WhenAny(running, Task.Delay(5000)).ConfigureAwait(false);
            FailPending(new SyncDisconnected("the socket was closed"));
            if (first != null) first.TrySetException(new SyncDisconnected("the socket was closed before it connected"));
            RaiseClosed(new SyncClose { Code = CloseEnded, Reason = "closed by the client" });
        }

        public void Dispose()
        {
            CloseAsync().Wait(TimeSpan.FromSeconds(10));
        }

        // ---- Writes ----

        async Task<long> WriteAsync(JObject message, long? ifVersion)
        {
            if (ifVersion.HasValue) message["if_version"] = ifVersion.Value;
            var reply = await CallAsync(message).ConfigureAwait(false);
            return (long)reply["version"];
        }

        async Task<JObject> CallAsync(JObject message)
        {
            var signal = connected.Task;
            if (await Task.WhenAny(signal, Task.Delay(options.ReplyTimeout)).ConfigureAwait(false) != signal || closed)
                throw new SyncDisconnected("not connected");
            var current = socket;
            if (current == null) throw new SyncDisconnected("not connected");
            var id = Interlocked.Increment(ref nextId);
            message["id"] = id;
            var reply = new TaskCompletionSource<JObject>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[id] = reply;
            try
            {
                var bytes = Json.Utf8.GetBytes(Json.Write(message));
                await sending.WaitAsync().ConfigureAwait(false);
                try
                {
                    await current.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, stop.Token).ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    throw new SyncDisconnected("the send failed: " + error.Message);
                }
                finally
                {
                    sending.Release();
                }
                if (await Task.WhenAny(reply.Task, Task.Delay(options.ReplyTimeout)).ConfigureAwait(false) != reply.Task)
                    throw new SyncDisconnected("no answer within " + options.ReplyTimeout);
                var answer = await reply.Task.ConfigureAwait(false);
                if ((string)answer["type"] == "error")
                {
                    var version = answer["version"];
                    throw new SyncError((string)answer["code"], (string)answer["message"],
                        version != null && version.Type == JTokenType.Integer ? (long?)(long)version : null);
                }
                return answer;
            }
            finally
            {
                TaskCompletionSource<JObject> ignored;
                pending.TryRemove(id, out ignored);
            }
        }

        void FailPending(Exception error)
        {
            foreach (var id in pending.Keys)
            {
                TaskCompletionSource<JObject> reply;
                if (pending.TryRemove(id, out reply)) reply.TrySetException(error);
            }
        }

        // ---- The connection loop ----

        async Task RunAsync()
        {
            var delay = options.Backoff;
            var failures = 0;
            while (!closed)
            {
                ClientWebSocket current = null;
                try
                {
                    current = await OpenAsync().ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    if (closed) return;
                    var refusal = await WhyRefusedAsync(error).ConfigureAwait(false);
                    if (refusal != null)
                    {
                        Finish(new SyncClose { Reason = refusal.Message, Error = refusal });
                        return;
                    }
                }
                if (current != null)
                {
                    var close = await ServeAsync(current).ConfigureAwait(false);
                    if (closed) return;
                    var end = Ending(close);
                    // A token that expired while the socket was away: asking over HTTP renews it
                    // (with the client's AutoRenew); only a refusal there is final.
                    if (end != null && end.Code == CloseUnauthorized && await WhyRefusedAsync(null).ConfigureAwait(false) == null)
                        end = null;
                    if (end != null)
                    {
                        Finish(end);
                        return;
                    }
                    if (close.Established)
                    {
                        failures = 0;
                        delay = options.Backoff;
                        Reconnects++;
                        close.WillReconnect = true;
                        Raise(Disconnected, close);
                        if (close.Code == CloseLagged) continue; // nothing is wrong with the server: catch up at once
                    }
                }
                failures++;
                if (options.MaxRetries.HasValue && failures > options.MaxRetries.Value)
                {
                    Finish(new SyncClose { Reason = "gave up after " + failures + " tries", Error = new SyncDisconnected("gave up after " + failures + " tries") });
                    return;
                }
                var jittered = TimeSpan.FromMilliseconds(delay.TotalMilliseconds * (0.5 + 0.5 * NextDouble()));
                try { await Task.Delay(jittered, stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, options.BackoffMax.TotalMilliseconds));
            }
        }

        double NextDouble()
        {
            lock (random) return random.NextDouble();
        }

        /// <summary>What a close code means for good, or null to reconnect.</summary>
        static SyncClose Ending(SyncClose close)
        {
            var code = close.Code ?? 0;
            if (code == CloseEnded) return close;
            if (code == CloseRemoved)
            {
                close.Error = new SyncRemoved("this member was removed: " + close.Reason);
                return close;
            }
            // A refused handshake: 4000 + the HTTP status, the reason "<code>: <message>".
            // 4429 (too many sockets for this player) may clear up: retried with backoff.
            if (code >= 4400 && code < 4500 && code != 4429)
            {
                var reason = close.Reason ?? "";
                var colon = reason.IndexOf(": ", StringComparison.Ordinal);
                var word = colon > 0 ? reason.Substring(0, colon) : DefaultCode(code);
                var message = colon > 0 ? reason.Substring(colon + 2) : reason;
                close.Error = new LobbydError(code - 4000, word, message);
                return close;
            }
            return null;
        }

        static string DefaultCode(int code)
        {
            switch (code)
            {
                case CloseUnauthorized: return "unauthorized";
                case CloseForbidden: return "forbidden";
                case CloseNotFound: return "no_document";
                case 4422: return "validation_error";
                default: return "http_error";
            }
        }

        async Task<ClientWebSocket> OpenAsync()
        {
            var url = client.BaseUrl;
            if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) url = "wss://" + url.Substring(8);
            else if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) url = "ws://" + url.Substring(7);
            url += "/sync/" + LobbydClient.Segment(Key) + "/ws";
            var query = new List<string>();
            if (!options.TokenInSubprotocol) query.Add("token=" + Uri.EscapeDataString(client.Token ?? ""));
            if (received.HasValue) query.Add("since=" + received.Value.ToString(CultureInfo.InvariantCulture));
            if (query.Count > 0) url += "?" + string.Join("&", query);
            var ws = new ClientWebSocket();
            if (options.TokenInSubprotocol)
            {
                ws.Options.AddSubProtocol(Subprotocol);
                ws.Options.AddSubProtocol("bearer." + client.Token);
            }
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
            {
                timeout.CancelAfter(options.ReplyTimeout);
                try
                {
                    await ws.ConnectAsync(new Uri(url), timeout.Token).ConfigureAwait(false);
                }
                catch
                {
                    ws.Dispose();
                    throw;
                }
            }
            return ws;
        }

        /// <summary>
        /// A refused handshake shows no status to a WebSocket client, so ask the same question over
        /// HTTP: GET /sync/{key} with the same token. A refusal there (401, 403, 404) is the answer;
        /// anything else (the server is away, 503, it answers 200) is worth a retry: null.
        /// </summary>
        async Task<LobbydError> WhyRefusedAsync(Exception handshake)
        {
            try
            {
                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
                {
                    limit.CancelAfter(options.ReplyTimeout);
                    await client.SendJsonAsync(HttpMethod.Get, "/sync/" + LobbydClient.Segment(Key), null, limit.Token).ConfigureAwait(false);
                }
                return null;
            }
            catch (LobbydError error)
            {
                if (error.Status == 401 || error.Status == 403 || error.Status == 404) return error;
                return null;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>Serve one connection until it closes; how it closed.</summary>
        async Task<SyncClose> ServeAsync(ClientWebSocket current)
        {
            socket = current;
            var close = new SyncClose();
            serving = close;
            // Servers that refuse after accepting (close 4401, 4403, 4404) send nothing first;
            // a ping proves the socket was admitted: its answer, or a snapshot, or a change
            // establishes the connection (see Established).
            var hello = Json.Utf8.GetBytes("{\"type\":\"ping\",\"id\":\"hello\"}");
            await sending.WaitAsync().ConfigureAwait(false);
            try
            {
                await current.SendAsync(new ArraySegment<byte>(hello), WebSocketMessageType.Text, true, stop.Token).ConfigureAwait(false);
            }
            catch (Exception) { }
            finally
            {
                sending.Release();
            }
            Interlocked.Exchange(ref lastReceived, Clock.ElapsedTicks);
            var reading = new CancellationTokenSource();
            if (options.KeepAlive > TimeSpan.Zero) Watch(current, close, reading.Token);
            try
            {
                await ReadAsync(current, close).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                if (close.Reason == null) close.Reason = error.Message;
            }
            finally
            {
                reading.Cancel();
                connected = NewSignal();
                socket = null;
                FailPending(new SyncDisconnected("the connection dropped"));
                current.Abort();
                current.Dispose();
            }
            return close;
        }

        async Task ReadAsync(ClientWebSocket current, SyncClose close)
        {
            var buffer = new byte[16 * 1024];
            var text = new MemoryStream();
            while (!closed)
            {
                var result = await current.ReceiveAsync(new ArraySegment<byte>(buffer), stop.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref lastReceived, Clock.ElapsedTicks);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    close.Code = result.CloseStatus.HasValue ? (int?)(int)result.CloseStatus.Value : null;
                    close.Reason = result.CloseStatusDescription;
                    try
                    {
                        await current.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception) { }
                    return;
                }
                text.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var raw = Json.Utf8.GetString(text.GetBuffer(), 0, (int)text.Length);
                text.SetLength(0);
                if (!Handle(Json.ParseObject(raw)))
                {
                    close.Reason = "a gap in the versions: resuming from " + received;
                    return;
                }
            }
        }

        /// <summary>Ping a connection that has been quiet for KeepAlive; abort it when the ping
        /// goes unanswered (the read then fails and the socket reconnects).</summary>
        void Watch(ClientWebSocket current, SyncClose close, CancellationToken reading)
        {
            Task.Run(() => WatchAsync(current, close, reading));
        }

        async Task WatchAsync(ClientWebSocket current, SyncClose close, CancellationToken reading)
        {
            try
            {
                while (!reading.IsCancellationRequested)
                {
                    await Task.Delay(options.KeepAlive, reading).ConfigureAwait(false);
                    var quiet = TimeSpan.FromSeconds((Clock.ElapsedTicks - Interlocked.Read(ref lastReceived)) / (double)System.Diagnostics.Stopwatch.Frequency);
                    if (quiet < options.KeepAlive) continue;
                    try
                    {
                        await PingAsync().ConfigureAwait(false);
                    }
                    catch (SyncDisconnected)
                    {
                        if (reading.IsCancellationRequested) return;
                        close.Reason = "no answer to a ping within " + options.ReplyTimeout;
                        current.Abort();
                        return;
                    }
                }
            }
            catch (OperationCanceledException) { }
        }

        /// <summary>The first message on a connection: the server admitted it.</summary>
        void Established()
        {
            var close = serving;
            if (close == null || close.Established) return;
            close.Established = true;
            connected.TrySetResult(true);
            if (first != null) first.TrySetResult(true);
            Raise(Connected);
        }

        /// <summary>Route one server message; false on a gap (reconnect from what was received).</summary>
        bool Handle(JObject raw)
        {
            Established();
            var type = (string)raw["type"];
            if (type == "ack" || type == "error" || type == "pong")
            {
                var id = raw["id"];
                TaskCompletionSource<JObject> reply;
                if (id != null && id.Type == JTokenType.Integer && pending.TryGetValue((long)id, out reply))
                    reply.TrySetResult(raw);
                return true;
            }
            if (type == "signal")
            {
                var data = raw["data"] as JObject;
                var signal = new SyncSignal { From = (string)raw["from"], Data = data ?? new JObject() };
                dispatcher.Post(() =>
                {
                    var handler = Signal;
                    if (handler != null) handler(signal);
                });
                return true;
            }
            var message = new SyncMessage(raw);
            if (type == "snapshot" || !received.HasValue || message.Version == received.Value + 1)
            {
                received = message.Version;
                Interlocked.Exchange(ref receivedBox, message.Version);
                Deliver(message);
                return true;
            }
            // A change delivered already (a replay after reconnecting) is skipped; a gap is never
            // expected, but would mean reconnecting from the last version received.
            return message.Version <= received.Value;
        }

        void Deliver(SyncMessage message)
        {
            dispatcher.Post(() =>
            {
                if (message.Type == "snapshot") Document = SyncDocument.FromJson(message.Raw);
                else if (Document != null) Document.Apply(message);
                var handler = Message;
                if (handler != null) handler(message);
                TaskCompletionSource<SyncMessage>[] matched;
                lock (waiters)
                {
                    var found = new List<TaskCompletionSource<SyncMessage>>();
                    foreach (var waiter in waiters)
                        if (waiter.Key(message)) found.Add(waiter.Value);
                    matched = found.ToArray();
                }
                foreach (var waiter in matched) waiter.TrySetResult(message);
            });
        }

        void Finish(SyncClose close)
        {
            closed = true;
            FailPending(new SyncDisconnected("the socket closed: " + close));
            if (first != null && !first.Task.IsCompleted)
            {
                if (close.Error != null) first.TrySetException(close.Error);
                else first.TrySetResult(true);
            }
            RaiseClosed(close);
        }

        int closedRaised;

        void RaiseClosed(SyncClose close)
        {
            if (Interlocked.Exchange(ref closedRaised, 1) == 1) return;
            Raise(Closed, close);
        }

        void Raise(Action handler)
        {
            if (handler != null) dispatcher.Post(handler);
        }

        void Raise(Action<SyncClose> handler, SyncClose close)
        {
            if (handler != null) dispatcher.Post(() => handler(close));
        }

        static TaskCompletionSource<bool> NewSignal()
        {
            return new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Lobbyd
{
    /// <summary>
    /// Sends POST /sessions/{id}/heartbeat now and then every interval until disposed, so the
    /// session (or this guest) does not time out. An open sync socket also counts as life; a
    /// heartbeat covers the time the game has none open. A failed beat raises
    /// <see cref="Failed"/> and the next one is tried; a session that has ended (404) stops it
    /// and raises <see cref="Stopped"/>.
    /// </summary>
    public sealed class Heartbeat : IDisposable
    {
        readonly LobbydClient client;
        readonly long sessionId;
        readonly TimeSpan interval;
        readonly Func<IEnumerable<string>> players;
        readonly Dispatcher dispatcher;
        readonly CancellationTokenSource stop = new CancellationTokenSource();

        /// <summary>Beats answered so far.</summary>
        public int Beats { get; private set; }
        /// <summary>The session's timeout in seconds, as the last answer said.</summary>
        public double Timeout { get; private set; }
        /// <summary>A beat failed (network, 503, ...): the next one is tried at the next interval.</summary>
        public event Action<Exception> Failed;
        /// <summary>The session is gone (404, e.g. session_ended): no more beats.</summary>
        public event Action<LobbydError> Stopped;
        /// <summary>The loop itself (completes when disposed or stopped).</summary>
        public Task Running { get; private set; }

        internal Heartbeat(LobbydClient client, long sessionId, TimeSpan interval,
            Func<IEnumerable<string>> players, Dispatcher dispatcher)
        {
            this.client = client;
            this.sessionId = sessionId;
            this.interval = interval;
            this.players = players;
            this.dispatcher = dispatcher;
            Running = Task.Run(RunAsync);
        }

        async Task RunAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var answer = await client.HeartbeatAsync(sessionId, players == null ? null : players(), stop.Token).ConfigureAwait(false);
                    Beats++;
                    Timeout = answer.Timeout;
                }
                catch (LobbydError error) when (error.Status == 404)
                {
                    var stopped = Stopped;
                    if (stopped != null) dispatcher.Post(() => stopped(error));
                    return;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception error)
                {
                    var failed = Failed;
                    if (failed != null) dispatcher.Post(() => failed(error));
                }
                try
                {
                    await Task.Delay(interval, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public void Dispose()
        {
            stop.Cancel();
        }
    }
}

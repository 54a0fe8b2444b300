using System;
using System.Threading;

namespace Lobbyd
{
    /// <summary>
    /// Where events are raised. Given a SynchronizationContext (by default the one current when
    /// the client or socket was made: in Unity and Godot, on the main thread, the engine's), every
    /// event is posted to it, in order, so handlers may touch engine objects. Without one (a
    /// console program), events are raised on the socket's background thread.
    /// </summary>
    internal sealed class Dispatcher
    {
        readonly SynchronizationContext context;

        public Dispatcher(SynchronizationContext context)
        {
            this.context = context;
        }

        public SynchronizationContext Context { get { return context; } }

        public void Post(Action action)
        {
            if (context == null) Run(action);
            else context.Post(state => Run((Action)state), action);
        }

        static void Run(Action action)
        {
            try
            {
                action();
            }
            catch (Exception error)
            {
                // A handler's exception must not kill the socket's reader.
                var handler = UnhandledHandlerError;
                if (handler != null) handler(error);
                else Console.Error.WriteLine("lobbyd: an event handler threw: " + error);
            }
        }

        /// <summary>Set by <see cref="LobbydEvents.HandlerError"/>.</summary>
        internal static Action<Exception> UnhandledHandlerError;
    }

    /// <summary>Library-wide hooks.</summary>
    public static class LobbydEvents
    {
        /// <summary>Called with an exception an event handler threw (default: written to
        /// Console.Error; in Unity, set it to <c>UnityEngine.Debug.LogException</c>).</summary>
        public static Action<Exception> HandlerError
        {
            get { return Dispatcher.UnhandledHandlerError; }
            set { Dispatcher.UnhandledHandlerError = value; }
        }
    }
}

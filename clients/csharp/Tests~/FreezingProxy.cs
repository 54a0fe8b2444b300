using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace Lobbyd.Tests
{
    /// <summary>A TCP proxy to the server that can freeze: it then holds every byte without
    /// closing anything, as a network that went away under an open connection does.</summary>
    public sealed class FreezingProxy : IDisposable
    {
        readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        readonly List<TcpClient> open = new List<TcpClient>();
        readonly int target;
        volatile bool frozen;

        public string Url { get; private set; }

        public FreezingProxy(int targetPort)
        {
            target = targetPort;
            listener.Start();
            Url = "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port;
            Task.Run(AcceptAsync);
        }

        public void Freeze() { frozen = true; }

        /// <summary>Drop the frozen connections and relay again.</summary>
        public void Thaw()
        {
            lock (open)
            {
                foreach (var client in open) client.Close();
                open.Clear();
            }
            frozen = false;
        }

        async Task AcceptAsync()
        {
            while (true)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); }
                catch (Exception) { return; }
                Spawn(client);
            }
        }

        void Spawn(TcpClient client)
        {
            Task.Run(() => ServeAsync(client));
        }

        async Task ServeAsync(TcpClient client)
        {
            var server = new TcpClient();
            try
            {
                await server.ConnectAsync("127.0.0.1", target);
                lock (open) { open.Add(client); open.Add(server); }
                await Task.WhenAny(PumpAsync(client.GetStream(), server.GetStream()), PumpAsync(server.GetStream(), client.GetStream()));
            }
            catch (Exception) { }
            finally
            {
                client.Close();
                server.Close();
            }
        }

        async Task PumpAsync(Stream from, Stream to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var count = await from.ReadAsync(buffer, 0, buffer.Length);
                    if (count == 0) return;
                    while (frozen) await Task.Delay(20);
                    await to.WriteAsync(buffer, 0, count);
                }
            }
            catch (Exception) { }
        }

        public void Dispose()
        {
            listener.Stop();
            Thaw();
        }
    }
}

// Two players meet in a session. Run with LOBBYD_URL set, e.g. http://127.0.0.1:8000.
using System;
using System.Threading.Tasks;
using Lobbyd;
using Newtonsoft.Json.Linq;

public static class QuickStart
{
    public static void Main()
    {
        Run().GetAwaiter().GetResult();
    }

    static async Task Run()
    {
        var url = Environment.GetEnvironmentVariable("LOBBYD_URL") ?? "http://127.0.0.1:8000";
        using (var host = new LobbydClient(url))
        using (var guest = new LobbydClient(url))
        {
            // Each player registers once (keep the secret) and logs in.
            var hostAccount = await host.RegisterAsync();
            await host.LoginAsync(hostAccount.Uuid, hostAccount.Secret);
            var guestAccount = await guest.RegisterAsync();
            await guest.LoginAsync(guestAccount.Uuid, guestAccount.Secret);
            await host.SetOnlyFriendsAsync(hostAccount.Uuid, false); // let strangers in

            var session = await host.LaunchAsync(new LaunchRequest { Host = hostAccount.Uuid, Capacity = 4 });
            Console.WriteLine("launched session " + session.SessionId);
            using (host.StartHeartbeat(session.SessionId)) // keeps the session alive
            {
                var joined = await guest.JoinAsync(hostAccount.Uuid, guestAccount.Uuid);
                Console.WriteLine("guest joined; its ticket names " + JoinTicket.Read(joined.Ticket).Guest);

                var hostSocket = host.OpenSyncSocket(session.SourceOfTruthKey);
                var guestSocket = guest.OpenSyncSocket(joined.SourceOfTruthKey);
                var snapshot = guestSocket.WaitForAsync(m => m.Type == "snapshot", TimeSpan.FromSeconds(10));
                await hostSocket.ConnectAsync();
                await guestSocket.ConnectAsync();
                await snapshot;
                Console.WriteLine("the guest's document has " + guestSocket.Document.Members.Count + " members");

                var patched = guestSocket.WaitForAsync(m => m.Type == "state_patch", TimeSpan.FromSeconds(10));
                var version = await hostSocket.PatchAsync(new JObject { { "round", 1 }, { "map", "dust" } });
                await patched;
                Console.WriteLine("version " + version + ": the guest sees round " + guestSocket.Document.State["round"]);

                var ended = guestSocket.WaitForAsync(m => m.Type == "session_ended", TimeSpan.FromSeconds(10));
                await host.EndSessionAsync(session.SessionId);
                Console.WriteLine("session ended: " + (await ended).Reason);
                await hostSocket.CloseAsync();
                await guestSocket.CloseAsync();
            }
        }
    }
}

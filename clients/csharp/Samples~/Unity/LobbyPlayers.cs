// A Unity MonoBehaviour that launches a session for this player and shows who is in it.
// Put it on any GameObject in a scene and press Play (a lobbyd must answer at Server Url).
using System.Collections.Generic;
using Lobbyd;
using UnityEngine;

public class LobbyPlayers : MonoBehaviour
{
    public string serverUrl = "http://127.0.0.1:8000";

    LobbydClient client;
    SyncSocket socket;
    Heartbeat heartbeat;
    string status = "starting";
    readonly List<string> players = new List<string>();

    // Unity runs Start on the main thread, where SynchronizationContext.Current is Unity's: the
    // client captures it, so every event below is raised on the main thread, and code after
    // each await resumes there too.
    async void Start()
    {
        LobbydEvents.HandlerError = Debug.LogException;
        client = new LobbydClient(serverUrl);
        try
        {
            // Register once, then keep the uuid (a public friend code) and the secret.
            if (!PlayerPrefs.HasKey("lobbyd.uuid"))
            {
                var account = await client.RegisterAsync();
                PlayerPrefs.SetString("lobbyd.uuid", account.Uuid);
                PlayerPrefs.SetString("lobbyd.secret", account.Secret);
                PlayerPrefs.Save();
            }
            var uuid = PlayerPrefs.GetString("lobbyd.uuid");
            await client.LoginAsync(uuid, PlayerPrefs.GetString("lobbyd.secret"));

            var session = await client.LaunchAsync(new LaunchRequest { Host = uuid, Capacity = 4 });
            heartbeat = client.StartHeartbeat(session.SessionId);
            heartbeat.Stopped += error => status = "session over: " + error.Code;

            socket = client.OpenSyncSocket(session.SourceOfTruthKey);
            socket.Message += OnSyncMessage;
            socket.Disconnected += close => status = "reconnecting (" + close + ")";
            socket.Connected += () => status = "session " + session.SessionId + ", friend code " + uuid;
            socket.Closed += close => status = "closed: " + (close.Error != null ? close.Error.Message : close.Reason);
            await socket.ConnectAsync();
        }
        catch (LobbydError error)
        {
            status = error.Status + " " + error.Code + ": " + error.Message;
        }
    }

    // On the main thread, after the message was applied to socket.Document.
    void OnSyncMessage(SyncMessage message)
    {
        players.Clear();
        players.AddRange(socket.Document.Members.Keys);
    }

    void OnGUI()
    {
        GUILayout.Label(status);
        GUILayout.Label(players.Count + " players:");
        foreach (var player in players) GUILayout.Label("  " + player);
    }

    async void OnDestroy()
    {
        if (heartbeat != null) heartbeat.Dispose();
        if (socket != null) await socket.CloseAsync();
        if (client != null) client.Dispose();
    }
}

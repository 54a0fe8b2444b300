"""lobbyd-client: a Python client of lobbyd for game tools, bots and tests.

The HTTP API as typed calls (`LobbydClient`, answers as dataclasses), the reconnecting sync
socket (`SyncSocket`), and a heartbeat helper (`Heartbeat`). It needs only httpx and websockets:

    async with LobbydClient("https://lobby.example.com") as lobby:
        await lobby.login(HOST_UUID, SECRET)
        session = await lobby.launch(HOST_UUID)
        async with lobby.keep_alive(session.session_id), lobby.sync_socket(
            session.source_of_truth_key
        ) as socket:
            await socket.patch({"round": 1})
            async for message in socket:
                print(message["type"], message["version"], socket.document)
"""

from lobbyd_client.document import Document, merge_patch
from lobbyd_client.errors import (
    ApiError,
    LobbydClientError,
    SyncDisconnected,
    SyncError,
    SyncRemoved,
)
from lobbyd_client.heartbeat import Heartbeat
from lobbyd_client.http import LobbydClient
from lobbyd_client.models import (
    Connection,
    Credentials,
    HeartbeatAnswer,
    Host,
    HostPublic,
    IceAnswer,
    IceServer,
    Invite,
    Joined,
    Member,
    PendingInvite,
    PlatformPlayer,
    PlatformSession,
    PlayerSessions,
    QueryPage,
    QueryResult,
    Reservation,
    Session,
    SessionPublic,
    SessionRef,
    SessionsOfType,
    Token,
    Welcome,
)
from lobbyd_client.socket import SyncSocket

#: This distribution's version (semantic versioning).
__version__ = "0.1.0"
#: The lobbyd API version this client speaks (the server's `info.version` in /openapi.json).
API_VERSION = "0.1.0"

__all__ = [
    "API_VERSION",
    "ApiError",
    "Connection",
    "Credentials",
    "Document",
    "Heartbeat",
    "HeartbeatAnswer",
    "Host",
    "HostPublic",
    "IceAnswer",
    "IceServer",
    "Invite",
    "Joined",
    "LobbydClient",
    "LobbydClientError",
    "Member",
    "PendingInvite",
    "PlatformPlayer",
    "PlatformSession",
    "PlayerSessions",
    "QueryPage",
    "QueryResult",
    "Reservation",
    "Session",
    "SessionPublic",
    "SessionRef",
    "SessionsOfType",
    "SyncDisconnected",
    "SyncError",
    "SyncRemoved",
    "SyncSocket",
    "Token",
    "Welcome",
    "__version__",
    "merge_patch",
]

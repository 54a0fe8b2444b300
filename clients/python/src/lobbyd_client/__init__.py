"""A Python client of lobbyd for game tools and bots: the HTTP API and the sync socket.

It imports nothing from the server (only httpx and websockets), so tools can depend on it alone:

    async with LobbydClient("https://lobby.example.com") as lobby:
        await lobby.login(HOST_UUID, SECRET)
        session = await lobby.launch(HOST_UUID)
        async with lobby.sync_socket(session.source_of_truth_key) as socket:
            await socket.patch({"round": 1})
            async for message in socket:
                print(message["type"], message["version"], socket.document)

See docs/sync.md.
"""

from lobbyd_client.document import Document, merge_patch
from lobbyd_client.errors import (
    ApiError,
    LobbydClientError,
    SyncDisconnected,
    SyncError,
    SyncRemoved,
)
from lobbyd_client.http import Credentials, Joined, LobbydClient, SessionRef
from lobbyd_client.socket import SyncSocket

__all__ = [
    "ApiError",
    "Credentials",
    "Document",
    "Joined",
    "LobbydClient",
    "LobbydClientError",
    "SessionRef",
    "SyncDisconnected",
    "SyncError",
    "SyncRemoved",
    "SyncSocket",
    "merge_patch",
]
